// Public surface of the config loader. Each declaration carries its own TSDoc summary and
// release tag; the package entry re-exports these names.
export { WorkersShimError } from "./errors";
export type { WorkersShimErrorCode } from "./errors";
export { loadConfig } from "./load";
export type { LoadConfigOptions } from "./load";
export { validateConfig } from "./validate";
export type { ValidateConfigOptions } from "./validate";
export type {
  BindingConfig,
  DurableObjectNamespaceBindingConfig,
  DurableObjectNamespaceConfig,
  JsonBindingConfig,
  ModuleConfig,
  QueueBindingConfig,
  QueueConsumerConfig,
  ServiceBindingConfig,
  ServiceConfig,
  ShimConfig,
  TextBindingConfig,
  TraceContextConfig,
  TraceContextPolicy,
  WorkerConfig,
} from "./schema";
