/* eslint-disable prefer-rest-params -- these methods read `arguments` on purpose: a rest parameter would allocate an array on every untraced call, and the argument count decides which error workerd throws. */
import { types } from "node:util";
import {
  currentRecordingSpan,
  currentUserSpan,
  describeException,
  type SpanRecord,
  withCurrentSpan,
  type Invocation,
} from "@workers-tracing/core-context";
import { argumentError, toSpanName, toStringValue } from "./internal/convert";
import { NOOP_SPAN, Span, recordOf, wrapRecord, type SpanConstructor } from "./span";

const CONSTRUCT = Symbol("Tracing.construct");
let isTracing: (value: unknown) => boolean;
let createTracingObject: () => Tracing;
const isPromise = types.isPromise;
const promiseThen = Promise.prototype.then;

function illegalInvocation(): TypeError {
  return new TypeError(
    "Illegal invocation: function called with incorrect `this` reference. See https://developers.cloudflare.com/workers/observability/errors/#illegal-invocation-errors for details.",
  );
}

function callWithSpan<T>(callback: (span: Span) => T, span: Span): T {
  return callback.call(globalThis, span);
}

function applyWithSpan<T>(callback: (...args: unknown[]) => T, args: unknown[]): T {
  return Reflect.apply(callback, globalThis, args);
}

/** Copies `args[from..]` after `first`, without touching `arguments` in the caller's frame. */
function withLeading(first: unknown, args: IArguments, from: number): unknown[] {
  const list = [first];
  for (let i = from; i < args.length; i++) list.push(args[i]);
  return list;
}

function wrap(record: SpanRecord<Invocation>): Span {
  const span = wrapRecord(record);
  record.owner = span;
  return span;
}

function facade(record: SpanRecord<Invocation>): Span {
  return (record.owner as Span | undefined) ?? wrap(record);
}

type Callback = (...args: unknown[]) => unknown;

/** `enterSpan` with extra arguments; `args` starts with a placeholder for the span. */
function enterSpanWithArgs(
  parent: SpanRecord<Invocation> | undefined,
  name: string,
  callback: Callback,
  args: unknown[],
): unknown {
  if (parent === undefined) return applyWithSpan(callback, args);
  const record = parent.startChild(toSpanName(name));
  args[0] = wrap(record);
  let result: unknown;
  try {
    result = withCurrentSpan(record, applyWithSpan, callback, args);
  } catch (error) {
    endFailed(record, error);
    throw error;
  }
  return endWith(record, result);
}

function enterSpanTraced(parent: SpanRecord<Invocation>, name: string, callback: (span: Span) => unknown): unknown {
  const record = parent.startChild(toSpanName(name));
  const span = wrap(record);
  let result: unknown;
  try {
    result = withCurrentSpan(record, callWithSpan, callback, span);
  } catch (error) {
    endFailed(record, error);
    throw error;
  }
  return endWith(record, result);
}

/**
 * Ends `record` now, or when `result` settles if it is a native promise (or, with the
 * `thenableEnd` improvement, any thenable).
 */
function endWith(record: SpanRecord<Invocation>, result: unknown): unknown {
  if (typeof result === "object" && result !== null && isPromise(result)) return endOnSettle(record, result);
  if (
    ((typeof result === "object" && result !== null) || typeof result === "function") &&
    record.invocation.context.improvements.thenableEnd === true
  ) {
    return endOnThenable(record, result);
  }
  record.end();
  return result;
}

function isThenable(value: unknown): boolean {
  if ((typeof value !== "object" || value === null) && typeof value !== "function") return false;
  try {
    return typeof (value as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}

/**
 * Ends `record` when the thenable `result` settles, through one call of its `then`, and returns
 * what that call returns: the same kind of value, as a native promise gives a native promise.
 * A `then` that returns nothing chainable gives a native promise of the outcome instead (one of
 * this package's realm, not the worker's: it is awaitable, but not `instanceof` the worker's
 * `Promise`). Reading
 * `then` or calling it may throw: the span then ends (as for a throwing callback) and so does
 * `enterSpan`. A value without a callable `then` ends the span at once and is returned as is.
 */
function endOnThenable(record: SpanRecord<Invocation>, result: object): unknown {
  let then: unknown;
  try {
    then = (result as { then?: unknown }).then;
  } catch (error) {
    endFailed(record, error);
    throw error;
  }
  if (typeof then !== "function") {
    record.end();
    return result;
  }
  // How the thenable settled, for a `then` that returns nothing chainable.
  let settled: { readonly ok: boolean; readonly value: unknown } | undefined;
  let settle: ((ok: boolean, value: unknown) => void) | undefined;
  const onFulfilled = (value: unknown): unknown => {
    record.end();
    if (settled === undefined) settle?.(true, value);
    settled ??= { ok: true, value };
    return value;
  };
  const onRejected = (error: unknown): never => {
    endFailed(record, error);
    if (settled === undefined) settle?.(false, error);
    settled ??= { ok: false, value: error };
    throw error;
  };
  let chained: unknown;
  try {
    chained = Reflect.apply(then, result, [onFulfilled, onRejected]);
  } catch (error) {
    endFailed(record, error);
    throw error;
  }
  if (isThenable(chained)) return chained;
  return new Promise((resolve, reject) => {
    const done = settled;
    if (done !== undefined) (done.ok ? resolve : reject)(done.value);
    else settle = (ok, value) => (ok ? resolve : reject)(value);
  });
}

function endOnSettle(record: SpanRecord<Invocation>, result: Promise<unknown>): Promise<unknown> {
  return promiseThen.call(
    result,
    (value: unknown) => {
      record.end();
      return value;
    },
    (error: unknown) => {
      endFailed(record, error);
      throw error;
    },
  );
}

/**
 * Ends `record` after its callback threw or its promise rejected; with the `errorStatus`
 * improvement (flag `workers_tracing_error_status`) the error is reported on the span first.
 */
function endFailed(record: SpanRecord<Invocation>, error: unknown): void {
  if (record.isOpen && record.invocation.context.improvements.errorStatus === true) {
    // OpenTelemetry's order: the exception event, then the status, then the end.
    const exception = describeException(error);
    record.reportEvent(exception);
    record.reportEvent({
      type: "spanUpdate",
      info: { type: "status", status: { code: "error", message: exception.message } },
    });
  }
  record.end();
}

/**
 * Ends `span` as `enterSpan` ends its span when the callback throws or its promise rejects: when
 * the invocation's I/O context has the `errorStatus` improvement (workers-shim flag
 * `workers_tracing_error_status`), an `exception` event and a `spanUpdate` with status `error`
 * (the error's message) are reported on the span first; otherwise this is `span.end()`.
 * @remarks For helpers that end spans themselves, such as a wrapper around a generator whose
 * step threw. Does nothing on the no-op span or an ended span.
 * @example
 * ```ts
 * const span = tracing.startSpan("step");
 * try { step(); span.end(); } catch (error) { endSpanWithError(span, error); throw error; }
 * ```
 * @beta
 */
export function endSpanWithError(span: Span, error: unknown): void {
  const record = recordOf(span);
  if (record === null || record === undefined) return;
  endFailed(record, error);
}

/**
 * The Workers user tracing API (`ctx.tracing`, or `tracing` from `cloudflare:workers`): opens
 * spans as children of the current span, tracked through the async context.
 *
 * @remarks The object is stateless: every method looks up the current span at call time, so all
 * `Tracing` instances behave identically. Outside a traced invocation every method still runs
 * callbacks, with the shared no-op span, and enters no async context.
 *
 * The type is structural, with the members of workerd's `Tracing`: `ctx.tracing` typed with
 * `@cloudflare/workers-types` and this one assign both ways (but see {@link (Span:interface)} for
 * `addLink`). The value `Tracing` is the class itself, for `instanceof`.
 * @example
 * ```ts
 * const total = await tracing.enterSpan("checkout", async (span) => {
 *   span.setAttribute("items", 3);
 *   return await charge();
 * }); // the span ends when the promise settles
 * ```
 * @public
 */
export interface Tracing {
  /**
   * Runs `callback(span, ...args)` with a new child of the current span made current, and ends
   * the span when the callback returns, throws, or — for a native promise — settles.
   * @remarks For a promise result a new promise is returned that settles after the span ended;
   * any other value (thenables included) is returned as is, after the span ended — unless the
   * invocation's context has the `thenableEnd` improvement: then a thenable's span ends when it
   * settles, and what its `then` returns is returned. The span's status stays unset when the
   * callback fails, as in workerd, unless the context has the `errorStatus` improvement (see
   * {@link endSpanWithError}).
   * @throws TypeError if `name` is missing or a Symbol, or `callback` is not a function.
   */
  enterSpan<T, A extends unknown[]>(name: string, callback: (span: Span, ...args: A) => T, ...args: A): T;
  /**
   * Like {@link (Tracing:interface).enterSpan}, but the span is never ended for you: call `span.end()`.
   * @remarks The callback's result (a promise too) is returned unchanged; a throw leaves the
   * span open.
   * @throws TypeError if `name` is missing or a Symbol, or `callback` is not a function.
   */
  startActiveSpan<T, A extends unknown[]>(name: string, callback: (span: Span, ...args: A) => T, ...args: A): T;
  /**
   * Starts a child of the current span without making it current; end it with `span.end()`.
   * @throws TypeError if `name` is missing or a Symbol.
   */
  startSpan(name: string): Span;
  /**
   * Returns the current span: the span of the innermost `enterSpan` / `startActiveSpan` /
   * `withActiveSpan`, or a span standing for the invocation itself at its top level (its
   * attributes are reported at once); `undefined` outside any invocation.
   */
  getActiveSpan(): Span | undefined;
  /**
   * Runs `callback(...args)` with `span` current, without ending it, and returns its result.
   * @throws TypeError if `span` is not a {@link (Span:interface)} or `callback` is not a function.
   */
  withActiveSpan<T, A extends unknown[]>(span: Span, callback: (...args: A) => T, ...args: A): T;
  /** The span class; spans handed to callbacks are instances of it. It cannot be constructed. */
  readonly Span: SpanConstructor;
}

/**
 * The type of the {@link (Tracing:interface)} class, for `instanceof` checks: it cannot be constructed
 * (`new` throws `TypeError: Illegal constructor`); {@link createTracing} makes one.
 * @public
 */
export type TracingConstructor = (abstract new () => Tracing) & { readonly prototype: Tracing };

/**
 * The class behind {@link Tracing}, with a private brand; exported as the value `Tracing`, typed
 * {@link TracingConstructor}, so that no `#private` reaches the public types.
 */
class TracingImpl implements Tracing {
  /** The span class; spans handed to callbacks are instances of it. It cannot be constructed. */
  declare readonly Span: typeof Span;
  readonly #brand = true;

  static {
    // The receiver check of every method: a brand check, like workerd's. Unlike `instanceof` or a
    // static private method, it stays fast once the class's `name` was redefined (see the end of
    // this file).
    isTracing = (value) => typeof value === "object" && value !== null && #brand in value;
    createTracingObject = () => new TracingImpl(CONSTRUCT);
  }

  private constructor(token: symbol) {
    if (token !== CONSTRUCT) throw new TypeError("Illegal constructor");
  }

  /**
   * Runs `callback(span, ...args)` with a new child of the current span made current, and ends
   * the span when the callback returns, throws, or — for a native promise — settles.
   * @remarks For a promise result a new promise is returned that settles after the span ended;
   * any other value (thenables included) is returned as is, after the span ended — unless the
   * invocation's context has the `thenableEnd` improvement: then a thenable's span ends when it
   * settles, and what its `then` returns is returned. The span's status stays unset when the
   * callback fails, as in workerd, unless the context has the `errorStatus` improvement (see
   * {@link endSpanWithError}).
   * @throws TypeError if `name` is missing or a Symbol, or `callback` is not a function.
   */
  enterSpan<T, A extends unknown[]>(name: string, callback: (span: Span, ...args: A) => T, ...args: A): T;
  enterSpan(name: unknown, callback: unknown): unknown {
    if (!isTracing(this)) throw illegalInvocation();
    const argc = arguments.length;
    if (argc === 0) throw argumentError("enterSpan", "Tracing", 1, "string");
    if (typeof name !== "string") name = toStringValue(name);
    if (typeof callback !== "function") throw argumentError("enterSpan", "Tracing", 2, "Function");
    const parent = currentRecordingSpan();
    // Kept small, so that the untraced path inlines into the caller.
    if (argc > 2)
      return enterSpanWithArgs(parent, name as string, callback as Callback, withLeading(NOOP_SPAN, arguments, 2));
    if (parent === undefined) return callback.call(globalThis, NOOP_SPAN) as unknown;
    return enterSpanTraced(parent, name as string, callback as (span: Span) => unknown);
  }

  /**
   * Like {@link Tracing.enterSpan}, but the span is never ended for you: call `span.end()`.
   * @remarks The callback's result (a promise too) is returned unchanged; a throw leaves the
   * span open.
   * @throws TypeError if `name` is missing or a Symbol, or `callback` is not a function.
   */
  startActiveSpan<T, A extends unknown[]>(name: string, callback: (span: Span, ...args: A) => T, ...args: A): T;
  startActiveSpan(name: unknown, callback: unknown): unknown {
    if (!isTracing(this)) throw illegalInvocation();
    const argc = arguments.length;
    if (argc === 0) throw argumentError("startActiveSpan", "Tracing", 1, "string");
    if (typeof name !== "string") name = toStringValue(name);
    if (typeof callback !== "function") throw argumentError("startActiveSpan", "Tracing", 2, "Function");
    const parent = currentRecordingSpan();
    if (parent === undefined) {
      return argc <= 2
        ? (callback.call(globalThis, NOOP_SPAN) as unknown)
        : applyWithSpan(callback as (...a: unknown[]) => unknown, withLeading(NOOP_SPAN, arguments, 2));
    }
    const record = parent.startChild(toSpanName(name));
    const span = wrap(record);
    return argc <= 2
      ? withCurrentSpan(record, callWithSpan, callback as (span: Span) => unknown, span)
      : withCurrentSpan(
          record,
          applyWithSpan,
          callback as (...a: unknown[]) => unknown,
          withLeading(span, arguments, 2),
        );
  }

  /**
   * Starts a child of the current span without making it current; end it with `span.end()`.
   * @throws TypeError if `name` is missing or a Symbol.
   */
  startSpan(name: string): Span {
    if (!isTracing(this)) throw illegalInvocation();
    if (arguments.length === 0) throw argumentError("startSpan", "Tracing", 1, "string");
    if (typeof name !== "string") name = toStringValue(name);
    const parent = currentRecordingSpan();
    return parent === undefined ? NOOP_SPAN : wrap(parent.startChild(toSpanName(name)));
  }

  /**
   * Returns the current span: the span of the innermost `enterSpan` / `startActiveSpan` /
   * `withActiveSpan`, or a span standing for the invocation itself at its top level (its
   * attributes are reported at once); `undefined` outside any invocation.
   */
  getActiveSpan(): Span | undefined {
    if (!isTracing(this)) throw illegalInvocation();
    const current = currentUserSpan();
    if (current === undefined) return undefined;
    if (!current.invocation.traced) return NOOP_SPAN;
    return facade(current);
  }

  /**
   * Runs `callback(...args)` with `span` current, without ending it, and returns its result.
   * @throws TypeError if `span` is not a {@link Span} or `callback` is not a function.
   */
  withActiveSpan<T, A extends unknown[]>(span: Span, callback: (...args: A) => T, ...args: A): T;
  withActiveSpan(span: unknown, callback: unknown): unknown {
    if (!isTracing(this)) throw illegalInvocation();
    const record = recordOf(span);
    if (record === undefined) throw argumentError("withActiveSpan", "Tracing", 1, "Span");
    if (typeof callback !== "function") throw argumentError("withActiveSpan", "Tracing", 2, "Function");
    const args: unknown[] = [];
    for (let i = 2; i < arguments.length; i++) args.push(arguments[i]);
    if (record === null) return Reflect.apply(callback, globalThis, args) as unknown;
    return withCurrentSpan(record, applyWithSpan, callback as (...a: unknown[]) => unknown, args);
  }
}

/**
 * The tracing class, for `value instanceof Tracing`; it cannot be constructed.
 * @public
 */
export const Tracing = TracingImpl as unknown as TracingConstructor;

Object.defineProperty(Tracing.prototype, "Span", { value: Span, writable: true, configurable: true });
Object.defineProperty(Tracing.prototype, Symbol.toStringTag, { value: "Tracing", configurable: true });
Object.defineProperty(Span.prototype, Symbol.toStringTag, { value: "Span", configurable: true });
// Bundlers may rename a class that refers to itself (`var Span = class _Span`); workerd's
// classes are named `Tracing` and `Span` (spec §2.1).
Object.defineProperty(Tracing, "name", { value: "Tracing", configurable: true });
Object.defineProperty(Span, "name", { value: "Span", configurable: true });

/**
 * Creates a new {@link (Tracing:interface)} object, as a runtime does for each `ctx.tracing`.
 * @example
 * ```ts
 * const ctxTracing = createTracing();
 * ctxTracing.startSpan("x").end();
 * ```
 * @public
 */
export function createTracing(): Tracing {
  return createTracingObject();
}

/**
 * The shared {@link (Tracing:interface)} object (what `import { tracing } from "cloudflare:workers"` gives).
 * @example
 * ```ts
 * tracing.enterSpan("parse", (span) => parse(input));
 * ```
 * @public
 */
export const tracing: Tracing = createTracingObject();
