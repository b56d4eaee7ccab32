import type { Invocation } from "./io-context";
import type { SpanRecord } from "./span-record";
import { createStorageKey } from "./storage";

/**
 * One async-context frame: the invocation the running code belongs to, and its current user
 * span, or `null` when its handler got no root frame (spec §3.3).
 * @remarks A span record is itself the frame of the code it is made current for (its
 * `invocation`, and `span` is the record), so that making a span current allocates nothing; only
 * a frame without a span is an object of its own.
 */
export interface Frame {
  readonly invocation: Invocation;
  readonly span: SpanRecord<Invocation> | null;
}

/**
 * The async-context slot "current user span" (spec §3.1); invisible to user
 * `AsyncLocalStorage` instances. This module is its only reader and writer.
 */
const FRAMES = createStorageKey<Frame>("user-span");

/** Returns the frame of the running code, or `undefined` outside every invocation. */
export function currentFrame(): Frame | undefined {
  return FRAMES.get();
}

/**
 * Runs `fn(...args)` synchronously inside `invocation`: with its root span current if its handler
 * kind gets a root frame, else with only the invocation known (spec §3.3).
 * @example
 * ```ts
 * const invocation = new IoContext().startInvocation({ kind: "fetch", sink });
 * runInInvocation(invocation, () => tracing.enterSpan("work", () => {}));
 * ```
 * @beta
 */
export function runInInvocation<R, A extends unknown[]>(invocation: Invocation, fn: (...args: A) => R, ...args: A): R {
  const frame: Frame = invocation.hasRootFrame ? invocation.root : { invocation, span: null };
  return FRAMES.run(frame, fn, ...args);
}

/**
 * Runs `fn(...args)` synchronously with `span` current, for `fn` and everything it schedules;
 * the span is not ended.
 * @example
 * ```ts
 * const child = currentRecordingSpan()?.startChild("work");
 * if (child) withCurrentSpan(child, () => doWork());
 * ```
 * @beta
 */
export function withCurrentSpan<R, A extends unknown[]>(
  span: SpanRecord<Invocation>,
  fn: (...args: A) => R,
  ...args: A
): R {
  return FRAMES.run(span, fn, ...args);
}

/**
 * Runs `fn(...args)` synchronously outside every invocation: nothing it does or schedules is
 * attributed to the running invocation (runtime work such as timers of the host, warnings,
 * deliveries to other services).
 * @example
 * ```ts
 * runOutsideInvocations(() => setImmediate(flush));
 * ```
 * @public
 */
export function runOutsideInvocations<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): R {
  return FRAMES.exit(fn, ...args);
}

/**
 * Returns `fn` bound to the running code's frame: calling it later runs it in that frame (or
 * outside every invocation, if there was none).
 * @example
 * ```ts
 * const later = bindToCurrentFrame(() => tracing.getActiveSpan());
 * ```
 * @beta
 */
export function bindToCurrentFrame<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return FRAMES.bind(fn);
}
