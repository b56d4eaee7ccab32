import { tracing, type Span } from "@workers-tracing/user-tracing";

/**
 * Runs `fn` with a new child span of the current span made current and returns its result
 * unchanged; the span is never ended for you.
 *
 * @remarks Exactly `tracing.startActiveSpan(name, fn)` (spec §2.12): for results that finish
 * later, such as a response body whose stream ends the span in its `flush()`. A span left open
 * is closed at the end of a stateless invocation.
 * @throws TypeError if `name` is missing or a Symbol, or `fn` is not a function.
 * @example
 * ```ts
 * const body = startActiveSpan("images_output", (span) =>
 *   source.pipeThrough(new TransformStream({ flush: () => span.end() })),
 * ); // not ended for you: flush() ends it once the body drained
 * ```
 * @public
 */
export function startActiveSpan<R>(name: string, fn: (span: Span) => R): R {
  return tracing.startActiveSpan(name, fn);
}
