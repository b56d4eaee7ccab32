import { currentUserSpan, type SpanContext, type SpanRecord, type Invocation } from "@workers-tracing/core-context";

/**
 * Opens a runtime span (`fetch`, `durable_object_storage_get`, ...) as a child of the current
 * user span; `undefined` when the running code is not part of a traced invocation.
 * @remarks Runtime spans are never made current (spec §3.6).
 */
export function startRuntimeSpan(name: string): SpanRecord<Invocation> | undefined {
  const parent = currentUserSpan();
  if (parent === undefined || !parent.invocation.traced) return undefined;
  return parent.startChild(name);
}

/** The span context a callee inherits from a caller's runtime span (spec §3.9). */
export function spanContextOf(span: SpanRecord<Invocation> | undefined): SpanContext | undefined {
  return span === undefined ? undefined : { traceId: span.invocation.traceId, spanId: span.spanId };
}

/** What a failed subrequest rejects with: the thrown value, an `Error` for a non-object. */
export function asError(value: unknown): unknown {
  if (value !== null && (typeof value === "object" || typeof value === "function")) return value;
  return new Error(String(value));
}
