export { ORIGINAL_SPAN_ATTRIBUTE, UNCLOSED_ATTRIBUTE, createSpanAssembler, toOtlpSpans } from "./assemble";
export type { SpanAssembler } from "./assemble";
export { SpanKind, StatusCode } from "./span";
export type {
  OtlpResource,
  OtlpSpan,
  OtlpSpanEvent,
  OtlpStatus,
  ResourceSpans,
  SpanKindValue,
  StatusCodeValue,
} from "./span";
export { encodeTracesJson } from "./encode-json";
export { encodeTracesProtobuf } from "./encode-protobuf";
export { resolveOtlpConnection } from "./config";
export type { OtlpConnection, OtlpConnectionOptions, OtlpProtocol } from "./config";
export { OtlpExporter } from "./exporter";
export type { OtlpExporterOptions, OtlpExporterStats, TailSessionInfo } from "./exporter";
export { createOtlpTailWorker } from "./tail-worker";
export type { OtlpTailWorker } from "./tail-worker";
export {
  WorkersContextManager,
  WorkersTraceContextPropagator,
  WorkersTracer,
  WorkersTracerProvider,
  WorkersTracingSpan,
  registerWorkersTracing,
} from "./bridge";
export type { RegisterWorkersTracingOptions, WorkersTracingRegistration } from "./bridge";
