import { types } from "node:util";
import type { TailEvent } from "./events";
import { Lane, waitUntil } from "./tail-scheduler";

/**
 * The default {@link TailBacklog} limit: 32 MiB of estimated heap per consumer.
 * @beta
 */
export const TAIL_BACKLOG_LIMIT_BYTES = 33554432;

/**
 * What one live session takes from its {@link TailBacklog}, besides its events: an upper
 * estimate of the session, the consumer's invocation for it and their bookkeeping (16 KiB).
 * @beta
 */
export const TAIL_SESSION_BYTES = 16384;

/** Counts a session refused for want of room. */
export let refuseSession: (backlog: TailBacklog) => void;
/** Takes `bytes` if they fit (or `force`); false when the event must be dropped. */
export let takeBacklog: (backlog: TailBacklog, bytes: number, force: boolean) => boolean;
/** Gives back bytes taken earlier. */
export let releaseBacklog: (backlog: TailBacklog, bytes: number) => void;
/** The scheduler lane of a backlog's sessions. */
export let laneOf: (backlog: TailBacklog) => Lane;

/**
 * Options of {@link TailBacklog}.
 * @beta
 */
export interface TailBacklogOptions {
  /** The heap the sessions' pending events may take together; {@link TAIL_BACKLOG_LIMIT_BYTES} by default. */
  readonly limitBytes?: number;
  /**
   * Longest one call into the consumer may run, in milliseconds, before it is stopped and its
   * session ends with a `TailTimeLimitError`; no limit by default. Guarding costs about
   * 0.15 ms per event-loop turn that calls into the consumer.
   */
  readonly callTimeLimitMs?: number;
}

/**
 * What the tail sessions of one consumer (one tail worker, say) share: a heap budget for the
 * events they hold, queued or delivered and not yet settled, and their turn in the scheduler.
 * An event that does not fit in the budget is dropped and counted in its session's
 * `streamDiagnostic`, as an event over the session's own queue limit is; each live session also
 * takes 16 KiB, and a session that does not fit is refused whole.
 * @remarks Sizes are an upper estimate of the heap an event takes (see
 * {@link estimateEventHeapBytes}), so the budget bounds the real heap the backlog holds, however
 * many sessions are stuck. The consumer's sessions see their events in the order they were
 * reported, across sessions.
 * @example
 * ```ts
 * const backlog = new TailBacklog({ limitBytes: 32 * 1024 * 1024, callTimeLimitMs: 1000 });
 * const sink = createTailStreamSink(start, { backlog });
 * ```
 * @beta
 */
export class TailBacklog {
  /** The bytes the sessions may hold together. */
  readonly limitBytes: number;
  /** Longest one call into the consumer may run, in milliseconds; 0 for no limit. */
  readonly callTimeLimitMs: number;
  readonly #lane: Lane;
  #usedBytes = 0;
  #droppedEvents = 0;
  #droppedSessions = 0;

  /** @throws RangeError if `limitBytes` is not a positive number or `callTimeLimitMs` not a positive integer. */
  constructor(options: TailBacklogOptions = {}) {
    const { limitBytes = TAIL_BACKLOG_LIMIT_BYTES, callTimeLimitMs } = options;
    if (!(typeof limitBytes === "number" && limitBytes > 0)) {
      throw new RangeError(
        `core-context: TailBacklog limitBytes must be a positive number of bytes, received ${String(limitBytes)}.`,
      );
    }
    if (callTimeLimitMs !== undefined && !(Number.isSafeInteger(callTimeLimitMs) && callTimeLimitMs > 0)) {
      throw new RangeError(
        `core-context: TailBacklog callTimeLimitMs must be a positive whole number of milliseconds, received ${String(callTimeLimitMs)}.`,
      );
    }
    this.limitBytes = limitBytes;
    this.callTimeLimitMs = callTimeLimitMs ?? 0;
    this.#lane = new Lane(this.callTimeLimitMs);
  }

  /** The estimated heap bytes the sessions hold now. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  /** Events dropped because they did not fit, over the backlog's life. */
  get droppedEvents(): number {
    return this.#droppedEvents;
  }

  /**
   * Sessions refused over the backlog's life: an invocation that started while the backlog had
   * no room for another session gets none (the consumer sees nothing of it).
   */
  get droppedSessions(): number {
    return this.#droppedSessions;
  }

  /** Whether none of the sessions has work queued, running or awaited. */
  get idle(): boolean {
    return this.#lane.working === 0;
  }

  /**
   * Resolves `true` once the sessions are {@link TailBacklog.idle}, `false` when `timeoutMs`
   * passed first (a consumer that hangs).
   */
  drain(timeoutMs = 2000): Promise<boolean> {
    return waitUntil(() => this.idle, timeoutMs);
  }

  static {
    takeBacklog = (backlog, bytes, force) => {
      if (!force && backlog.#usedBytes + bytes > backlog.limitBytes) {
        backlog.#droppedEvents++;
        return false;
      }
      backlog.#usedBytes += bytes;
      return true;
    };
    releaseBacklog = (backlog, bytes) => {
      backlog.#usedBytes -= bytes;
    };
    laneOf = (backlog) => backlog.#lane;
    refuseSession = (backlog) => {
      backlog.#droppedSessions++;
    };
  }
}

// Upper estimates of V8's heap layout on 64-bit Node: a string's header plus two bytes per
// character (a one-byte string takes half of that), an object's header plus a slot and a
// descriptor per property, an array's header plus a slot per item, a boxed number.
const STRING_HEADER_BYTES = 24;
const OBJECT_HEADER_BYTES = 56;
const PROPERTY_BYTES = 24;
const SLOT_BYTES = 8;
const BOXED_BYTES = 16;

function heapBytesOf(value: unknown, depth: number): number {
  switch (typeof value) {
    case "string":
      return STRING_HEADER_BYTES + 2 * value.length;
    case "number":
    case "bigint":
      return BOXED_BYTES;
    case "object": {
      if (value === null) return 0;
      if (depth > 8 || types.isDate(value)) return OBJECT_HEADER_BYTES;
      if (Array.isArray(value)) {
        let total = OBJECT_HEADER_BYTES + SLOT_BYTES * value.length;
        for (const item of value) total += heapBytesOf(item, depth + 1);
        return total;
      }
      let total = OBJECT_HEADER_BYTES;
      for (const key in value)
        total += PROPERTY_BYTES + heapBytesOf((value as Record<string, unknown>)[key], depth + 1);
      return total;
    }
    default:
      return 0;
  }
}

/**
 * An upper estimate of the heap bytes one event takes, for {@link TailBacklog} budgets: strings
 * at two bytes a character, objects and arrays at V8's header and slot sizes.
 * @beta
 */
export function estimateEventHeapBytes(event: TailEvent): number {
  return heapBytesOf(event, 0);
}
