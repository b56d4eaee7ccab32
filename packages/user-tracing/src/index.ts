export { Tracing, createTracing, endSpanWithError, tracing } from "./tracing";
export { Span, NOOP_SPAN } from "./span";
export type { SpanAttributeValue, SpanIdentity, SpanLink, SpanStatus } from "./span";
