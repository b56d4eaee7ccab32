import { types } from "node:util";
import type { Onset, StreamDiagnostic, TailEvent, TailEventPayload } from "./events";
import { USER_SPAN } from "./current";
import { describeThrown, emitWarning, type WarningCode } from "./internal/warnings";

/**
 * Receives the events of one invocation, in sequence order; closed after the `outcome`.
 * @remarks `deliver` must not throw: a broken consumer must never disturb the traced code.
 * @public
 */
export interface TailSink {
  /** Takes one event. */
  deliver(event: TailEvent): void;
  /** Called once, after the invocation's `outcome` was delivered. */
  close(): void;
}

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

/**
 * Options of {@link createTailStreamSink}.
 * @public
 */
export interface TailStreamSinkOptions {
  /** Estimated pending bytes an event must still fit in to be queued (spec §4.7); 4 MiB by default. */
  readonly queueLimitBytes?: number;
  /** Called with workerd's warning texts (an unusable handler value). */
  readonly onWarning?: (message: string) => void;
  /** Called with an error that ended the session (a throwing or rejecting handler). */
  readonly onError?: (error: unknown) => void;
  /** Called once when the session ends, for whatever reason. */
  readonly onEnd?: () => void;
  /**
   * Runs each call into the tail handler; by default outside any invocation, so the tail's own
   * code is never traced into the stream it consumes.
   */
  readonly run?: <R>(fn: () => R) => R;
}

/**
 * The default per-session queue limit: 4 MiB of estimated pending event size, as in workerd
 * 2026-11-17 (spec §4.7 records 2 MiB for earlier builds).
 * @public
 */
export const TAIL_QUEUE_LIMIT_BYTES = 4194304;

// Fitted on workerd 2026-11-17: a log with one string argument costs 228 bytes plus its length,
// and the payload estimate of such a log event is 22 bytes plus its length.
const EVENT_OVERHEAD_BYTES = 206;

function sizeOf(value: unknown, depth: number): number {
  switch (typeof value) {
    case "string":
      return value.length;
    case "object": {
      if (value === null || depth > 6) return 8;
      if (types.isDate(value)) return 8;
      let total = 0;
      if (Array.isArray(value)) {
        for (const item of value) total += sizeOf(item, depth + 1);
        return total;
      }
      for (const key in value) total += key.length + sizeOf((value as Record<string, unknown>)[key], depth + 1);
      return total;
    }
    default:
      return 8;
  }
}

/**
 * An estimate of an event's pending size for the tail queue: its payload plus a fixed overhead
 * (206 bytes, so that a log of one string costs 228 bytes plus its length, as in workerd).
 * @public
 */
export function estimateEventSize(event: TailEvent): number {
  return EVENT_OVERHEAD_BYTES + sizeOf(event.event, 0);
}

const runOutsideInvocations = <R>(fn: () => R): R => USER_SPAN.exit(fn);

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

const HANDLER_NAMES: Readonly<Record<TailEventPayload["type"], string>> = {
  onset: "onset",
  spanOpen: "spanOpen",
  attributes: "attributes",
  spanClose: "spanClose",
  log: "log",
  exception: "exception",
  diagnosticChannel: "diagnosticChannel",
  return: "return",
  outcome: "outcome",
  streamDiagnostic: "streamDiagEvent",
  spanUpdate: "spanUpdate",
  spanLinks: "spanLinks",
};

const STARTING = 0;
const RUNNING = 1;
const ENDED = 2;

/** One streaming tail session (spec §4.1): onset alone, then batches in sequence order. */
class TailStreamSession implements TailSink {
  readonly #start: (onset: TailEvent<Onset>) => unknown;
  readonly #limit: number;
  readonly #options: TailStreamSinkOptions;
  readonly #run: <R>(fn: () => R) => R;
  #state = STARTING;
  #handler: ((event: TailEvent) => unknown) | object | null = null;
  #queue: TailEvent[] = [];
  #pendingBytes = 0;
  #sizes: number[] = [];
  #dropped = 0;
  #busy = false;
  #closed = false;

  constructor(start: (onset: TailEvent<Onset>) => unknown, options: TailStreamSinkOptions) {
    this.#start = start;
    this.#options = options;
    this.#limit = options.queueLimitBytes ?? TAIL_QUEUE_LIMIT_BYTES;
    this.#run = options.run ?? runOutsideInvocations;
  }

  deliver(event: TailEvent): void {
    if (this.#state === ENDED) return;
    const type = event.event.type;
    if (type === "onset") {
      this.#begin(event as TailEvent<Onset>);
      return;
    }
    const size = estimateEventSize(event);
    // An event is kept while it still fits, so a small event can follow dropped big ones.
    if (type !== "return" && type !== "outcome" && this.#pendingBytes + size > this.#limit) {
      this.#dropped++;
      return;
    }
    if (type === "outcome" && this.#dropped > 0) {
      const diagnostic: StreamDiagnostic = {
        type: "streamDiagnostic",
        diagnostic: { diagnosticsType: "droppedEvents", count: this.#dropped },
      };
      const diagnosticEvent: TailEvent = { ...event, event: diagnostic };
      this.#enqueue(diagnosticEvent, estimateEventSize(diagnosticEvent));
      this.#enqueue({ ...event, sequence: event.sequence + 1 }, size);
    } else {
      this.#enqueue(event, size);
    }
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    this.#schedule();
  }

  #enqueue(event: TailEvent, size: number): void {
    this.#pendingBytes += size;
    this.#queue.push(event);
    this.#sizes.push(size);
  }

  #begin(onset: TailEvent<Onset>): void {
    this.#busy = true;
    let returned: unknown;
    let thenable: boolean;
    try {
      returned = this.#run(() => this.#start(onset));
      // Inside the try: a `then` getter that throws must end the session, not reach the worker.
      thenable = isThenable(returned);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (thenable) {
      Promise.resolve(returned).then(
        (handler) => this.#accept(handler),
        (error: unknown) => this.#fail(error),
      );
    } else {
      this.#accept(returned);
    }
  }

  #accept(handler: unknown): void {
    if (this.#state === ENDED) return;
    if (handler === undefined) {
      this.#end();
      return;
    }
    if (typeof handler !== "function" && (typeof handler !== "object" || handler === null)) {
      this.#options.onWarning?.(
        `tailStream() handler returned an unusable value. The tailStream() handler is expected to return either a function, an object, or undefined. Received ${typeof handler}`,
      );
      this.#end();
      return;
    }
    this.#handler = handler as object;
    this.#state = RUNNING;
    this.#busy = false;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#state !== RUNNING || this.#busy) return;
    if (this.#queue.length === 0) {
      if (this.#closed) this.#end();
      return;
    }
    this.#busy = true;
    USER_SPAN.exit(() => queueMicrotask(() => this.#flush()));
  }

  #flush(): void {
    const batch = this.#queue;
    const sizes = this.#sizes;
    this.#queue = [];
    this.#sizes = [];
    const handler = this.#handler!;
    const pending: PromiseLike<unknown>[] = [];
    let failed = false;
    let failure: unknown;
    this.#run(() => {
      for (const event of batch) {
        try {
          let result: unknown;
          if (typeof handler === "function") {
            result = (handler as (e: TailEvent) => unknown).call(handler, event);
          } else {
            const member = (handler as Record<string, unknown>)[HANDLER_NAMES[event.event.type]];
            if (typeof member !== "function" || event.event.type === "onset") continue;
            result = (member as (e: TailEvent) => unknown).call(handler, event);
          }
          if (isThenable(result)) pending.push(result);
        } catch (error) {
          failed = true;
          failure = error;
          return;
        }
      }
    });
    const release = (): void => {
      for (const size of sizes) this.#pendingBytes -= size;
    };
    if (failed) {
      release();
      this.#fail(failure);
      return;
    }
    if (pending.length === 0) {
      release();
      this.#busy = false;
      this.#schedule();
      return;
    }
    Promise.all(pending).then(
      () => {
        release();
        this.#busy = false;
        this.#schedule();
      },
      (error: unknown) => {
        release();
        this.#fail(error);
      },
    );
  }

  #fail(error: unknown): void {
    if (this.#state === ENDED) return;
    this.#options.onError?.(error);
    this.#end();
  }

  #end(): void {
    if (this.#state === ENDED) return;
    this.#state = ENDED;
    this.#queue = [];
    this.#sizes = [];
    this.#handler = null;
    this.#options.onEnd?.();
  }
}

/**
 * Creates a sink that drives one streaming tail session as workerd does (spec §4.1, §4.7):
 * `start(onset)` is called with the onset alone and returns (or resolves to) a handler function
 * or handler object; later events are delivered in batches, each batch after the previous one's
 * promises settled; a throwing or rejecting handler ends the session; an event that does not fit
 * in the 4 MiB of pending events is dropped and counted in a `streamDiagnostic` event right
 * before the `outcome`.
 * @remarks Nothing the handler does can throw into, or hold up, the traced code.
 * @example
 * ```ts
 * const sink = createTailStreamSink(() => (event) => console.log(event.event.type));
 * ```
 * @public
 */
export function createTailStreamSink(
  start: (onset: TailEvent<Onset>) => unknown,
  options: TailStreamSinkOptions = {},
): TailSink {
  return new TailStreamSession(start, options);
}

function isTailSink(target: object): target is TailSink {
  return typeof (target as Partial<TailSink>).deliver === "function" && typeof (target as Partial<TailSink>).close === "function";
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
          warnOnce(target, "WORKERS_TRACING_TAIL_CALLBACK_THREW", `core-context: a tail callback threw and receives no further events of this invocation: ${describeThrown(error)}`);
        }
      },
      close: () => {},
    };
  }
  if (isTailSink(target)) return target;
  if (typeof (target as Partial<TailStreamHandler>).tailStream === "function") {
    const handler = target as TailStreamHandler;
    const ended = (reason: string): void =>
      warnOnce(handler, "WORKERS_TRACING_TAIL_SESSION_FAILED", `core-context: a tail session of a tailStream() handler ended early: ${reason}`);
    return createTailStreamSink((onset) => handler.tailStream(onset), {
      onError: (error) => ended(describeThrown(error)),
      onWarning: ended,
    });
  }
  throw new TypeError(
    `core-context: toTailSink() expects an array, a function, a TailSink or an object with tailStream(), received ${describe(target)}.`,
  );
}

const warned = new WeakSet<object>();

/** Emits a warning about `target` the first time only, outside any invocation. */
function warnOnce(target: object, code: WarningCode, message: string): void {
  if (warned.has(target)) return;
  warned.add(target);
  runOutsideInvocations(() => emitWarning(code, message));
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an object with keys [${Object.keys(value).slice(0, 5).join(", ")}]`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
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
