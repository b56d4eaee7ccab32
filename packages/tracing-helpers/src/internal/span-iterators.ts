import { endSpanWithError, tracing, type Span } from "@workers-tracing/user-tracing";

// %IteratorPrototype% and %AsyncIteratorPrototype%: inheriting from them gives the wrappers the
// iterator helpers and `Symbol.dispose` of newer runtimes, where they exist.
const ITERATOR_PROTOTYPE = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;
const ASYNC_ITERATOR_PROTOTYPE = Object.getPrototypeOf(
  Object.getPrototypeOf(async function* () {}.prototype),
) as object;

type Step = "next" | "throw" | "return";

function callStep(target: Record<Step, (value: unknown) => unknown>, step: Step, value: unknown): unknown {
  return target[step](value);
}

/**
 * Drives a generator with its span current on every step; the span ends on the first step
 * that completes the iteration (`done: true`) or throws.
 */
export class SpanGenerator<T, TReturn, TNext> implements Generator<T, TReturn, TNext> {
  readonly #generator: Generator<T, TReturn, TNext>;
  #span: Span | null;

  constructor(span: Span, generator: Generator<T, TReturn, TNext>) {
    this.#span = span;
    this.#generator = generator;
  }

  next(...[value]: [] | [TNext]): IteratorResult<T, TReturn> {
    return this.#step("next", value);
  }

  throw(error: unknown): IteratorResult<T, TReturn> {
    return this.#step("throw", error);
  }

  return(value: TReturn): IteratorResult<T, TReturn> {
    return this.#step("return", value);
  }

  [Symbol.iterator](): this {
    return this;
  }

  #step(step: Step, value: unknown): IteratorResult<T, TReturn> {
    const span = this.#span;
    const generator = this.#generator as unknown as Record<Step, (value: unknown) => IteratorResult<T, TReturn>>;
    if (span === null) return generator[step](value);
    let result: IteratorResult<T, TReturn>;
    try {
      result = tracing.withActiveSpan(span, callStep, generator, step, value) as IteratorResult<T, TReturn>;
    } catch (error) {
      this.#fail(error);
      throw error;
    }
    if (result.done === true) this.#end();
    return result;
  }

  #end(): void {
    const span = this.#span;
    this.#span = null;
    span?.end();
  }

  /** Ends the span after a step threw, as `enterSpan` does for a throwing callback. */
  #fail(error: unknown): void {
    const span = this.#span;
    this.#span = null;
    if (span !== null) endSpanWithError(span, error);
  }
}
Object.setPrototypeOf(SpanGenerator.prototype, ITERATOR_PROTOTYPE);
Object.defineProperty(SpanGenerator.prototype, Symbol.toStringTag, { value: "Generator", configurable: true });

/**
 * Drives an async generator with its span current on every step; the span ends when a step
 * settles with `done: true` or rejects.
 */
export class SpanAsyncGenerator<T, TReturn, TNext> implements AsyncGenerator<T, TReturn, TNext> {
  readonly #generator: AsyncGenerator<T, TReturn, TNext>;
  #span: Span | null;

  constructor(span: Span, generator: AsyncGenerator<T, TReturn, TNext>) {
    this.#span = span;
    this.#generator = generator;
  }

  next(...[value]: [] | [TNext]): Promise<IteratorResult<T, TReturn>> {
    return this.#step("next", value);
  }

  throw(error: unknown): Promise<IteratorResult<T, TReturn>> {
    return this.#step("throw", error);
  }

  return(value: TReturn | PromiseLike<TReturn>): Promise<IteratorResult<T, TReturn>> {
    return this.#step("return", value);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #step(step: Step, value: unknown): Promise<IteratorResult<T, TReturn>> {
    const span = this.#span;
    const generator = this.#generator as unknown as Record<
      Step,
      (value: unknown) => Promise<IteratorResult<T, TReturn>>
    >;
    if (span === null) return generator[step](value);
    let pending: Promise<IteratorResult<T, TReturn>>;
    try {
      // The generator resumes synchronously inside this call, so its awaits capture the span.
      pending = tracing.withActiveSpan(span, callStep, generator, step, value) as Promise<IteratorResult<T, TReturn>>;
    } catch (error) {
      this.#fail(error);
      return Promise.reject(error);
    }
    return Promise.resolve(pending).then(
      (result) => {
        if (result.done === true) this.#end();
        return result;
      },
      (error: unknown) => {
        this.#fail(error);
        throw error;
      },
    );
  }

  #end(): void {
    const span = this.#span;
    this.#span = null;
    span?.end();
  }

  /** Ends the span after a step threw, as `enterSpan` does for a throwing callback. */
  #fail(error: unknown): void {
    const span = this.#span;
    this.#span = null;
    if (span !== null) endSpanWithError(span, error);
  }
}
Object.setPrototypeOf(SpanAsyncGenerator.prototype, ASYNC_ITERATOR_PROTOTYPE);
Object.defineProperty(SpanAsyncGenerator.prototype, Symbol.toStringTag, {
  value: "AsyncGenerator",
  configurable: true,
});
