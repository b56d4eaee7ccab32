export { Tracing, createTracing, endSpanWithError, tracing } from "./tracing";
export type { TracingConstructor } from "./tracing";
export { Span, NOOP_SPAN } from "./span";
export type { SpanAttributeValue, SpanConstructor, SpanIdentity, SpanLink, SpanStatus } from "./span";
