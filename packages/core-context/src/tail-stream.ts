import { types } from "node:util";
import type { Onset, StreamDiagnostic, TailEvent, TailEventPayload } from "./events";
import {
  TAIL_SESSION_BYTES,
  type TailBacklog,
  estimateEventHeapBytes,
  laneOf,
  refuseSession,
  releaseBacklog,
  takeBacklog,
} from "./tail-backlog";
import {
  SHARED_LANE,
  countWorking,
  nextReport,
  wake,
  type Lane,
  type Runnable,
  type TailTimeLimitError,
} from "./tail-scheduler";
import { runOutsideInvocations } from "./frame";
import type { TailSink } from "./tail-sink";

/**
 * Options of {@link createTailStreamSink}.
 * @public
 */
export interface TailStreamSinkOptions {
  /** Estimated pending bytes an event must still fit in to be queued (spec §4.7); 4 MiB by default. */
  readonly queueLimitBytes?: number;
  /** Called with workerd's warning texts (an unusable handler value). */
  readonly onWarning?: (message: string) => void;
  /**
   * Called with an error that ended the session: what a handler threw or rejected with, or a
   * {@link TailTimeLimitError} when a call ran past the backlog's `callTimeLimitMs`.
   */
  readonly onError?: (error: unknown) => void;
  /** Called once when the session ends, for whatever reason. */
  readonly onEnd?: () => void;
  /**
   * Called, instead of `start`, when the onset arrives while the `backlog` has no room for
   * another session: the session takes no events and ends at once.
   */
  readonly onRefused?: () => void;
  /**
   * Runs each call into the tail handler; by default outside any invocation, so the tail's own
   * code is never traced into the stream it consumes.
   */
  readonly run?: <R>(fn: () => R) => R;
  /**
   * What this session shares with the other sessions of the same consumer: a heap budget and
   * the order of delivery. Without one, the session shares neither.
   */
  readonly backlog?: TailBacklog;
}

/**
 * The default per-session queue limit: 4 MiB of estimated pending event size, as in workerd
 * 2026-11-17 (spec §4.7 records 2 MiB for earlier builds).
 * @beta
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
 * @beta
 */
export function estimateEventSize(event: TailEvent): number {
  return EVENT_OVERHEAD_BYTES + sizeOf(event.event, 0);
}

const ignore = (): void => {};

/** What a handler call returns when it did not throw (a handler may throw `undefined`). */
const NO_FAILURE: unique symbol = Symbol("no failure");

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

// Per queued event, three numbers: its queue estimate, its heap estimate, its report number.
const META = 3;

/**
 * One streaming tail session (spec §4.1): onset alone, then batches in sequence order. Every call
 * into the tail is one step of the tail scheduler, never made on the traced code's stack.
 */
class TailStreamSession implements TailSink, Runnable {
  readonly #start: (onset: TailEvent<Onset>) => unknown;
  readonly #limit: number;
  readonly #options: TailStreamSinkOptions;
  readonly #run: <R>(fn: () => R) => R;
  readonly #backlog: TailBacklog | undefined;
  readonly #lane: Lane;
  #state = STARTING;
  #onset: TailEvent<Onset> | null = null;
  #onsetReport = 0;
  #handler: ((event: TailEvent) => unknown) | object | null = null;
  #queue: TailEvent[] = [];
  #meta: number[] = [];
  #pendingBytes = 0;
  #dropped = 0;
  /** The batch being delivered, one event per step; its bytes are released once it settled. */
  #batch: TailEvent[] | null = null;
  #batchMeta: number[] = [];
  #batchIndex = 0;
  #batchPending: Promise<unknown>[] = [];
  /** Waiting for the handler (onset) or for the last batch's promises. */
  #busy = false;
  #queued = false;
  #working = false;
  #closed = false;
  #closeReport = 0;
  /** Whether the session holds its share of the backlog. */
  #admitted = false;
  /** The scheduler's key while queued: the report number of the next event to deliver. */
  key = 0;

  constructor(start: (onset: TailEvent<Onset>) => unknown, options: TailStreamSinkOptions) {
    this.#start = start;
    this.#options = options;
    this.#limit = options.queueLimitBytes ?? TAIL_QUEUE_LIMIT_BYTES;
    this.#run = options.run ?? runOutsideInvocations;
    this.#backlog = options.backlog;
    this.#lane = options.backlog === undefined ? SHARED_LANE : laneOf(options.backlog);
  }

  deliver(event: TailEvent): void {
    if (this.#state === ENDED) return;
    const type = event.event.type;
    if (type === "onset") {
      if (this.#onset !== null || this.#busy || this.#handler !== null) return;
      if (this.#backlog !== undefined) {
        if (!takeBacklog(this.#backlog, TAIL_SESSION_BYTES, false)) {
          refuseSession(this.#backlog);
          this.#state = ENDED;
          this.#options.onRefused?.();
          this.#options.onEnd?.();
          return;
        }
        this.#admitted = true;
      }
      this.#onset = event as TailEvent<Onset>;
      this.#onsetReport = nextReport();
      this.#wake();
      return;
    }
    const size = estimateEventSize(event);
    const always = type === "return" || type === "outcome";
    // An event is kept while it still fits, so a small event can follow dropped big ones.
    if (!always && this.#pendingBytes + size > this.#limit) {
      this.#dropped++;
      return;
    }
    const backlog = this.#backlog;
    const heapBytes = backlog === undefined ? 0 : estimateEventHeapBytes(event);
    if (backlog !== undefined && !takeBacklog(backlog, heapBytes, always)) {
      this.#dropped++;
      return;
    }
    if (type === "outcome" && this.#dropped > 0) {
      const diagnostic: StreamDiagnostic = {
        type: "streamDiagnostic",
        diagnostic: { diagnosticsType: "droppedEvents", count: this.#dropped },
      };
      const diagnosticEvent: TailEvent = { ...event, event: diagnostic };
      const diagnosticHeap = backlog === undefined ? 0 : estimateEventHeapBytes(diagnosticEvent);
      if (backlog !== undefined) takeBacklog(backlog, diagnosticHeap, true);
      this.#enqueue(diagnosticEvent, estimateEventSize(diagnosticEvent), diagnosticHeap);
      this.#enqueue({ ...event, sequence: event.sequence + 1 }, size, heapBytes);
    } else {
      this.#enqueue(event, size, heapBytes);
    }
    this.#schedule();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReport = nextReport();
    this.#schedule();
  }

  #enqueue(event: TailEvent, size: number, heapBytes: number): void {
    this.#pendingBytes += size;
    this.#queue.push(event);
    this.#meta.push(size, heapBytes, nextReport());
  }

  #schedule(): void {
    if (this.#state === RUNNING && !this.#busy) this.#wake();
  }

  #wake(): void {
    if (this.#queued || this.#state === ENDED) return;
    this.#queued = true;
    this.key =
      this.#state === STARTING
        ? this.#onsetReport
        : this.#batch !== null
          ? this.#batchMeta[this.#batchIndex * META + 2]!
          : this.#queue.length > 0
            ? this.#meta[2]!
            : this.#closeReport;
    wake(this.#lane, this);
    this.#track();
  }

  /** Keeps the scheduler's count of sessions with work (queued, running or awaited) current. */
  #track(): void {
    const working = this.#state !== ENDED && (this.#queued || this.#busy || this.#batch !== null);
    if (working === this.#working) return;
    this.#working = working;
    countWorking(this.#lane, working ? 1 : -1);
  }

  /** One unit of work: the handler call for the onset or for the next event. */
  step(): void {
    this.#queued = false;
    try {
      this.#stepOnce();
    } finally {
      this.#track();
    }
  }

  /** Ends the session: its current call was stopped for running too long. */
  interrupt(error: TailTimeLimitError): void {
    this.#queued = false;
    this.#fail(error);
  }

  #stepOnce(): void {
    if (this.#state === ENDED || this.#busy) return;
    if (this.#state === STARTING) {
      const onset = this.#onset;
      if (onset === null) return;
      this.#onset = null;
      this.#begin(onset);
      return;
    }
    if (this.#batch === null) {
      if (this.#queue.length === 0) {
        if (this.#closed) this.#end();
        return;
      }
      this.#batch = this.#queue;
      this.#batchMeta = this.#meta;
      this.#batchIndex = 0;
      this.#batchPending = [];
      this.#queue = [];
      this.#meta = [];
    }
    this.#deliverNext();
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
      // Not Promise.resolve(): it reads `constructor`, whose getter may throw.
      new Promise((resolve) => resolve(returned)).then(
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
    this.#handler = handler;
    this.#state = RUNNING;
    this.#busy = false;
    this.#schedule();
    this.#track();
  }

  /** Calls the handler with the event just taken from the batch; what it threw, or NO_FAILURE. */
  readonly #callHandler = (): unknown => {
    const event = this.#batch![this.#batchIndex - 1]!;
    const handler = this.#handler!;
    try {
      let result: unknown;
      if (typeof handler === "function") {
        result = (handler as (e: TailEvent) => unknown).call(handler, event);
      } else {
        const member = (handler as Record<string, unknown>)[HANDLER_NAMES[event.event.type]];
        if (typeof member !== "function" || event.event.type === "onset") return NO_FAILURE;
        result = (member as (e: TailEvent) => unknown).call(handler, event);
      }
      if (isThenable(result)) {
        // Handled at once: the batch's later calls may come turns later, and a rejection
        // must not be reported as unhandled meanwhile.
        const settled = new Promise((resolve) => resolve(result));
        settled.catch(ignore);
        this.#batchPending.push(settled);
      }
      return NO_FAILURE;
    } catch (error) {
      return error;
    }
  };

  /** Calls the handler with the batch's next event; after the last one, waits for its promises. */
  #deliverNext(): void {
    const batch = this.#batch!;
    this.#batchIndex++;
    // One bound function for every call: no closure per event on the tail's path.
    const failure = this.#run(this.#callHandler);
    if (failure !== NO_FAILURE) {
      this.#releaseBatch();
      this.#fail(failure);
      return;
    }
    if (this.#batchIndex < batch.length) {
      this.#wake();
      return;
    }
    const pending = this.#batchPending;
    if (pending.length === 0) {
      this.#releaseBatch();
      this.#wake();
      return;
    }
    this.#busy = true;
    Promise.all(pending).then(
      () => {
        this.#releaseBatch();
        this.#busy = false;
        this.#wake();
        this.#track();
      },
      (error: unknown) => {
        this.#releaseBatch();
        this.#fail(error);
      },
    );
  }

  #releaseBatch(): void {
    this.#release(this.#batchMeta);
    this.#batch = null;
    this.#batchMeta = [];
    this.#batchPending = [];
  }

  #release(meta: readonly number[]): void {
    const backlog = this.#backlog;
    for (let i = 0; i < meta.length; i += META) {
      this.#pendingBytes -= meta[i]!;
      if (backlog !== undefined) releaseBacklog(backlog, meta[i + 1]!);
    }
  }

  #fail(error: unknown): void {
    if (this.#state === ENDED) return;
    this.#options.onError?.(error);
    this.#end();
  }

  #end(): void {
    if (this.#state === ENDED) return;
    this.#state = ENDED;
    if (this.#batch !== null) this.#releaseBatch();
    this.#release(this.#meta);
    if (this.#admitted) releaseBacklog(this.#backlog!, TAIL_SESSION_BYTES);
    this.#queue = [];
    this.#meta = [];
    this.#handler = null;
    this.#onset = null;
    this.#track();
    this.#options.onEnd?.();
  }
}

/**
 * Creates a sink that drives one streaming tail session as workerd does (spec §4.1, §4.7):
 * `start(onset)` is called with the onset alone and returns (or resolves to) a handler function
 * or handler object; later events are delivered in batches, each batch after the previous one's
 * promises settled; a throwing or rejecting handler ends the session; an event that does not fit
 * in the 4 MiB of pending events (or in the shared `backlog`) is dropped and counted in a
 * `streamDiagnostic` event right before the `outcome`.
 * @remarks Nothing the handler does can throw into, or hold up, the traced code: every call into
 * the tail (`start` too) runs later, between the event loop's turns, a few milliseconds of tail
 * work per turn, so a slow tail falls behind instead of slowing the traced requests down. Await
 * {@link drainTailSessions} (or the backlog's `drain()`) before the process exits.
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
