import { describeReceived } from "./describe";
import type { Onset, TailEvent } from "./events";
import { runOutsideInvocations } from "./frame";
import { createTailStreamSink } from "./tail-stream";
import type { TailSink } from "./tail-sink";
import { describeThrown, emitWarning, type WarningCode } from "./internal/warnings";

/**
 * An object with a `tailStream(onset)` method, like a streaming tail worker's export: it
 * returns (or resolves to) a handler function or handler object for the later events.
 * @public
 */
export interface TailStreamHandler {
  /** Called with the onset event; returns the handler for the rest of the session. */
  tailStream(onset: TailEvent<Onset>): unknown;
}

/**
 * Anything {@link toTailSink} accepts: an array that collects events, a callback per event, a
 * {@link TailStreamHandler}, or a ready {@link TailSink}.
 * @public
 */
export type TailTarget = TailEvent[] | ((event: TailEvent) => void) | TailStreamHandler | TailSink;

function isTailSink(target: object): target is TailSink {
  return (
    typeof (target as Partial<TailSink>).deliver === "function" &&
    typeof (target as Partial<TailSink>).close === "function"
  );
}

function singleSink(target: TailTarget): TailSink {
  if (Array.isArray(target)) {
    return { deliver: (event) => void target.push(event), close: () => {} };
  }
  if (typeof target === "function") {
    let broken = false;
    return {
      deliver(event) {
        if (broken) return;
        try {
          target(event);
        } catch (error) {
          // A throwing callback stops receiving events; the traced code is not disturbed.
          broken = true;
          warnOnce(
            target,
            "WORKERS_TRACING_TAIL_CALLBACK_THREW",
            `core-context: a tail callback threw and receives no further events of this invocation: ${describeThrown(error)}`,
          );
        }
      },
      close: () => {},
    };
  }
  if (isTailSink(target)) return target;
  if (typeof (target as Partial<TailStreamHandler>).tailStream === "function") {
    const handler = target;
    const ended = (reason: string): void =>
      warnOnce(
        handler,
        "WORKERS_TRACING_TAIL_SESSION_FAILED",
        `core-context: a tail session of a tailStream() handler ended early: ${reason}`,
      );
    return createTailStreamSink((onset) => handler.tailStream(onset), {
      onError: (error) => ended(describeThrown(error)),
      onWarning: ended,
    });
  }
  throw new TypeError(
    `core-context: toTailSink() expects an array, a function, a TailSink or an object with tailStream(), received ${describeReceived(target)}.`,
  );
}

const warned = new WeakSet<object>();

/** Emits a warning about `target` the first time only, outside any invocation. */
function warnOnce(target: object, code: WarningCode, message: string): void {
  if (warned.has(target)) return;
  warned.add(target);
  runOutsideInvocations(() => emitWarning(code, message));
}

/**
 * Turns one target, or several (each gets every event), into a {@link TailSink}.
 * @throws TypeError if a target is none of the accepted kinds.
 * @example
 * ```ts
 * const events: TailEvent[] = [];
 * const sink = toTailSink([events, (e) => process.stdout.write(e.event.type + "\n")]);
 * ```
 * @public
 */
export function toTailSink(target: TailTarget | readonly TailTarget[]): TailSink {
  if (Array.isArray(target) && target.length > 0 && !isEvent(target[0])) {
    const sinks = (target as unknown as readonly TailTarget[]).map(singleSink);
    if (sinks.length === 1) return sinks[0]!;
    return {
      deliver(event) {
        for (const sink of sinks) sink.deliver(event);
      },
      close() {
        for (const sink of sinks) sink.close();
      },
    };
  }
  return singleSink(target as TailTarget);
}

function isEvent(value: unknown): boolean {
  return value !== null && typeof value === "object" && "invocationId" in value && "event" in value;
}
