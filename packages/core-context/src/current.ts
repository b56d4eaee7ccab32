import type { ExecutionContext } from "./execution-context";
import type { Invocation } from "./invocation";
import type { LogLevel } from "./events";
import { serializeLogArguments } from "./serialize";
import type { SpanRecord } from "./span-record";
import { REGISTRY, createStorageKey } from "./storage";

/**
 * The async-context key "current user span" (spec §3.1). Its frames hold {@link SpanRecord}s;
 * invisible to user `AsyncLocalStorage` instances.
 * @public
 */
export const USER_SPAN = createStorageKey<SpanRecord>("user-span");

/**
 * Returns the execution context the running code belongs to, if it runs inside an invocation.
 * @public
 */
export function currentExecutionContext(): ExecutionContext | undefined {
  return USER_SPAN.get()?.invocation.context;
}

/**
 * Returns the most recently delivered live invocation of the current execution context.
 * @public
 */
export function currentInvocation(): Invocation | undefined {
  return USER_SPAN.get()?.invocation.context.newestLive;
}

/**
 * Returns the current user span (spec §3.2, HEAD): nothing outside an invocation or when the
 * context has no live invocation; the newest live invocation's root when it is untraced or the
 * frame holds no user span; else the frame's span, whatever invocation it belongs to.
 * @remarks The result may be an ended span (spec §3.5) or an untraced root; create children only
 * when `result.invocation.traced`.
 * @public
 */
export function currentUserSpan(): SpanRecord | undefined {
  const frame = USER_SPAN.get();
  if (frame === undefined) return undefined;
  const newest = frame.invocation.context.newestLive;
  if (newest === undefined) return undefined;
  const root = newest.root;
  if (!newest.traced || frame.isBare) return root;
  return frame;
}

/**
 * Returns the span a new user span becomes a child of: the current user span (see
 * {@link currentUserSpan}) when its invocation is traced, else `undefined` (the new span is a
 * no-op).
 * @remarks While no traced invocation is live in the process (counted across every copy of this
 * package), this returns `undefined` without looking at the async context.
 * @example
 * ```ts
 * const child = currentRecordingSpan()?.startChild("work");
 * child?.end();
 * ```
 * @public
 */
export function currentRecordingSpan(): SpanRecord | undefined {
  if (REGISTRY.tracedLive === 0) return undefined;
  const span = currentUserSpan();
  return span !== undefined && span.invocation.traced ? span : undefined;
}

/**
 * Reports a `console.*` call as spec §3.7 routes it: to the most recently delivered live
 * invocation of the current context, attributed to the current user span (or that invocation's
 * onset span when the frame holds no user span). Returns `false` if nothing was reported.
 * @example
 * ```ts
 * reportLog("log", ["hello", { n: 1 }]);
 * ```
 * @public
 */
export function reportLog(level: LogLevel, args: readonly unknown[]): boolean {
  const frame = USER_SPAN.get();
  if (frame === undefined) return false;
  const target = frame.invocation.context.newestLive;
  if (target === undefined || !target.traced) return false;
  const spanId = frame.isRoot || frame.isBare ? target.onsetSpanId : frame.spanId;
  target.report(spanId, { type: "log", level, ...serializeLogArguments(args) });
  return true;
}
