import { types } from "node:util";
import { endSpanWithError, tracing, type Span } from "@workers-tracing/user-tracing";
import { SpanAsyncGenerator, SpanGenerator } from "./internal/span-iterators";

const isGeneratorFunction = types.isGeneratorFunction;
const isAsyncFunction = types.isAsyncFunction;

type AnyGenerator = Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;

function openGenerator(span: Span, fn: (span: Span) => AnyGenerator, async: boolean): AnyGenerator {
  let generator: AnyGenerator;
  try {
    generator = fn.call(globalThis, span);
  } catch (error) {
    // Only parameter initialisers run here; a throw from them ends the span like enterSpan does.
    endSpanWithError(span, error);
    throw error;
  }
  if (!span.isTraced) return generator;
  return async
    ? new SpanAsyncGenerator(span, generator as AsyncGenerator<unknown, unknown, unknown>)
    : new SpanGenerator(span, generator as Generator<unknown, unknown, unknown>);
}

/**
 * Runs `fn` inside a new child span of the current span and ends the span when `fn` returns,
 * throws or its promise settles — or, for a generator function, when the iteration finishes.
 *
 * @remarks For a plain function this is exactly `tracing.enterSpan(name, fn)` (spec §2.12).
 * For a generator or async generator function (`function*`, `async function*`; detected from
 * the function itself, so a bound generator function or an arrow returning a generator counts
 * as a plain function) the span opens at once, and a wrapping iterator is returned that runs
 * every `next()` / `throw()` / `return()` with the span current; the span ends when a step
 * completes the iteration, throws, or `return()` is called early (a `break` in `for...of`).
 * Outside a traced invocation the generator is returned unwrapped.
 * @throws TypeError if `name` is missing or a Symbol, or `fn` is not a function (the
 * `Tracing.enterSpan` / `Tracing.startActiveSpan` errors).
 * @example
 * ```ts
 * const rows = withSpan("d1_all", (span) => db.all(sql)); // span ended for you
 * for (const page of withSpan("paginate", function* () {
 *   yield* pages();
 * })) render(page); // span ended for you after the last page (or on break)
 * ```
 * @public
 */
export function withSpan<G extends Generator<unknown, unknown, unknown>>(name: string, fn: (span: Span) => G): G;
/**
 * Runs the async generator function `fn` inside a new child span of the current span and ends
 * the span when the iteration finishes.
 * @remarks See the plain-function overload for the rules.
 * @example
 * ```ts
 * for await (const row of withSpan("stream-rows", async function* () {
 *   yield* await fetchRows();
 * })) console.log(row); // span ended for you when the loop ends
 * ```
 * @public
 */
export function withSpan<G extends AsyncGenerator<unknown, unknown, unknown>>(name: string, fn: (span: Span) => G): G;
/**
 * Runs `fn` inside a new child span of the current span and returns its result; the span ends
 * when `fn` returns, throws or its promise settles.
 * @remarks Exactly `tracing.enterSpan(name, fn)`.
 * @example
 * ```ts
 * const user = await withSpan("load-user", async (span) => {
 *   span.setAttribute("user.id", id);
 *   return await loadUser(id);
 * }); // span ended for you when the promise settles
 * ```
 * @public
 */
export function withSpan<R>(name: string, fn: (span: Span) => R): R;
export function withSpan(name: string, fn: (span: Span) => unknown): unknown {
  if (isGeneratorFunction(fn)) {
    return tracing.startActiveSpan(name, openGenerator, fn as (span: Span) => AnyGenerator, isAsyncFunction(fn));
  }
  return tracing.enterSpan(name, fn);
}
