import type { LogLevel } from "./events";
import { currentFrame, type Frame } from "./frame";
import type { Invocation, IoContext } from "./io-context";
import { serializeLogArguments } from "./serialize";
import type { SpanRecord } from "./span-record";
import { REGISTRY } from "./storage";

/**
 * Returns the I/O context the running code belongs to, if it runs inside an invocation.
 * @beta
 */
export function currentIoContext(): IoContext | undefined {
  return currentFrame()?.invocation.context;
}

/**
 * Returns the most recently delivered live invocation of the current I/O context.
 * @beta
 */
export function currentInvocation(): Invocation | undefined {
  return currentFrame()?.invocation.context.newestLive;
}

/**
 * Returns the invocation that events of the running code — logs, diagnostic-channel events,
 * uncaught exceptions — are reported to: the most recently delivered live invocation of its I/O
 * context (spec §3.7), or, with the `ownInvocationLogs` improvement, the invocation whose async
 * chain is running, while it is live.
 * @beta
 */
export function currentEventTarget(): Invocation | undefined {
  const frame = currentFrame();
  return frame === undefined ? undefined : eventTarget(frame);
}

/** {@link currentEventTarget} for a frame. */
export function eventTarget(frame: Frame): Invocation | undefined {
  const own = frame.invocation;
  if (own.context.improvements.ownInvocationLogs === true && own.isLive) return own;
  return own.context.newestLive;
}

/**
 * Returns the span id an event of the frame's code is attributed to in `target` (its
 * {@link eventTarget}): see {@link attributedSpanId}; with the `ownInvocationLogs` improvement,
 * `target`'s onset span when the frame's own invocation has finished (no mixed identity).
 */
export function eventSpanId(frame: Frame, target: Invocation): string {
  if (target !== frame.invocation && target.context.improvements.ownInvocationLogs === true) {
    return target.onsetSpanId;
  }
  return attributedSpanId(frame.span, target);
}

/**
 * Returns the invocation whose frame the running code is in (the one that started it, live or
 * not), with no fallback to the newest live invocation.
 * @beta
 */
export function runningInvocation(): Invocation | undefined {
  return currentFrame()?.invocation;
}

/**
 * Returns the current user span (spec §3.2, HEAD): nothing outside an invocation or when the
 * context has no live invocation; the newest live invocation's root when it is untraced or the
 * frame holds no user span; else the frame's span, whatever invocation it belongs to.
 * @remarks The result may be an ended span (spec §3.5) or an untraced root; create children only
 * when `result.invocation.traced`.
 * @beta
 */
export function currentUserSpan(): SpanRecord<Invocation> | undefined {
  const frame = currentFrame();
  if (frame === undefined) return undefined;
  const newest = frame.invocation.context.newestLive;
  if (newest === undefined) return undefined;
  const span = frame.span;
  if (!newest.traced || span === null) return newest.root;
  return span;
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
 * @beta
 */
export function currentRecordingSpan(): SpanRecord<Invocation> | undefined {
  if (REGISTRY.tracedLive === 0) return undefined;
  const span = currentUserSpan();
  return span !== undefined && span.invocation.traced ? span : undefined;
}

/**
 * Returns the span id events of the running code are attributed to in `target` (the newest live
 * invocation): the frame's user span, or `target`'s onset span when the frame holds none or
 * holds an invocation root.
 */
export function attributedSpanId(span: SpanRecord<Invocation> | null, target: Invocation): string {
  return span === null || span.isRoot ? target.onsetSpanId : span.spanId;
}

/**
 * Reports a `console.*` call as spec §3.7 routes it: to the most recently delivered live
 * invocation of the current context, attributed to the current user span (or that invocation's
 * onset span when the frame holds no user span) — with the `ownInvocationLogs` improvement, to
 * {@link currentEventTarget}. Returns `false` if nothing was reported.
 * @example
 * ```ts
 * reportLog("log", ["hello", { n: 1 }]);
 * ```
 * @public
 */
export function reportLog(level: LogLevel, args: readonly unknown[]): boolean {
  const frame = currentFrame();
  if (frame === undefined) return false;
  const target = eventTarget(frame);
  if (target === undefined || !target.traced) return false;
  target.report(eventSpanId(frame, target), { type: "log", level, ...serializeLogArguments(args) });
  return true;
}
