// Public surface of @workers-tracing/workers-shim: the runtime, the config loader and the
// compatibility-flag registry. Every name is listed explicitly (house style: no `export *`).
export { Runtime, createRuntime } from "./runtime";
export { TERMINAL_TREE_STYLE } from "./terminal-style";
export { createTestRuntime } from "./testing/test-runtime";
export type { TestRuntime, TestRuntimeOptions, TracedResponse, TracedRpcResult } from "./testing/test-runtime";
export { traceTree } from "./testing/trace-tree";
export { renderTraceReport } from "./report/html-report";
export type { TraceReportOptions } from "./report/html-report";
export { startTraceUi } from "./report/live-ui";
export type { TraceUi, TraceUiOptions } from "./report/live-ui";
export type { TraceSpan, TraceSpanEvent, TraceTree } from "./testing/trace-tree";
export { traceMatchers, traceSnapshotSerializer } from "./testing/matchers";
export type { SpanTreeShape, TraceMatcherResult, TraceMatchers } from "./testing/matchers";
export type { RunTestsOptions, RuntimeOptions, TestCase, TestResult, TestRunSummary } from "./runtime";
export { WorkersShimError, loadConfig, validateConfig } from "./config/index";
export type {
  BindingConfig,
  DurableObjectNamespaceBindingConfig,
  DurableObjectNamespaceConfig,
  JsonBindingConfig,
  LoadConfigOptions,
  ModuleConfig,
  QueueBindingConfig,
  QueueConsumerConfig,
  ServiceBindingConfig,
  ServiceConfig,
  ShimConfig,
  TextBindingConfig,
  TraceContextConfig,
  TraceContextPolicy,
  ValidateConfigOptions,
  WorkerConfig,
  WorkersShimErrorCode,
} from "./config/index";
export {
  COMPAT_FLAG_REGISTRY,
  COMPAT_PROFILES,
  OWN_FLAG_PREFIX,
  SUPPORTED_COMPATIBILITY_DATE,
  WORKERD_REGISTRY_VERSION,
  formatFlagTable,
  isTracingEnabled,
  resolveCompatibilityFlags,
} from "./compat/index";
export type {
  CompatFieldFacts,
  CompatFlagDefinition,
  CompatFlagField,
  CompatFlags,
  CompatProfile,
  CompatibilityInput,
  OwnCompatField,
  ResolvedCompatibilityFlags,
  WorkerdCompatField,
} from "./compat/index";
