import { Script, createContext } from "node:vm";
import { runOutsideInvocations } from "./frame";

/**
 * Runs the streaming tail sessions' work between the event loop's turns: a tail handler never
 * runs on the traced code's stack or ahead of its continuations, and a slow tail delays the
 * process's I/O by at most one of its calls per turn.
 *
 * Sessions belong to lanes (one per consumer: a tail worker's sessions share one). Within a lane,
 * the session whose next event was reported first goes first, so a consumer sees the events of
 * all its sessions in the order they happened; the lanes take turns, one call each, so one slow
 * consumer cannot starve another. A turn stops once {@link TURN_BUDGET_MS} passed; the rest
 * waits for the next turn (`setImmediate`).
 */

/** What the scheduler runs: a session with its next event's report number as its key. */
export interface Runnable {
  /** The report number ({@link nextReport}) of the event the next `step()` delivers. */
  readonly key: number;
  /** Does one unit of work: one handler call. */
  step(): void;
  /** Ends the session after its step was stopped for running longer than the time limit. */
  interrupt(error: TailTimeLimitError): void;
}

/**
 * What a tail session fails with when one call into the tail ran longer than its consumer's
 * `callTimeLimitMs` (a synchronous endless loop, say) and was stopped.
 * @beta
 */
export class TailTimeLimitError extends Error {
  /** The limit the call exceeded, in milliseconds. */
  readonly limitMs: number;

  constructor(limitMs: number) {
    super(`the tail handler ran for more than ${limitMs} ms without returning and was stopped.`);
    this.name = "TailTimeLimitError";
    this.limitMs = limitMs;
  }
}

/** Milliseconds of tail work per event-loop turn before the rest waits for the next turn. */
export const TURN_BUDGET_MS = 4;

let reports = 0;

/** A number for an event reported to a session, increasing in report order across sessions. */
export function nextReport(): number {
  return ++reports;
}

/** The runnable sessions of one consumer, a binary min-heap on their keys. */
export class Lane {
  readonly #heap: Runnable[] = [];
  /** Longest a turn with this lane's calls may run before it is stopped; 0 for no limit. */
  readonly timeLimitMs: number;
  /** Whether the lane is in the scheduler's list of lanes with work. */
  listed = false;
  /** Sessions of the lane with work queued, running or awaited. */
  working = 0;

  constructor(timeLimitMs = 0) {
    this.timeLimitMs = timeLimitMs;
  }

  get size(): number {
    return this.#heap.length;
  }

  push(item: Runnable): void {
    const heap = this.#heap;
    let index = heap.push(item) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.key <= item.key) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = item;
  }

  pop(): Runnable | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.key < heap[left]!.key ? right : left;
      if (heap[child]!.key >= last.key) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
    return top;
  }
}

/** The lane of sessions that belong to no consumer in particular. */
export const SHARED_LANE = new Lane();

let readyLanes: (Lane | undefined)[] = [];
let laneHead = 0;
let turnScheduled = false;
let turnRunning = false;
let workingSessions = 0;

/** Queues `item` in `lane` to run in the next turn (or later in this one). */
export function wake(lane: Lane, item: Runnable): void {
  lane.push(item);
  if (!lane.listed) {
    lane.listed = true;
    readyLanes.push(lane);
  }
  if (!turnScheduled && !turnRunning) scheduleTurn();
}

/** Counts a session of `lane` as working (`+1`) or no longer (`-1`). */
export function countWorking(lane: Lane, change: 1 | -1): void {
  lane.working += change;
  workingSessions += change;
}

function scheduleTurn(): void {
  turnScheduled = true;
  // Outside every invocation: the turn must not keep a request's context alive.
  runOutsideInvocations(() => setImmediate(runTurn));
}

// A turn with calls into a consumer that has a time limit runs as a script with a `vm` timeout:
// V8 stops a call that runs too long, and the session it belonged to ends. Starting the timeout's
// watchdog costs about 0.15 ms, once per turn.
const guardContext = createContext({ run: null as (() => void) | null });
const guardScript = new Script("run()", { filename: "workers-tracing:tail-turn" });

let running: Runnable | undefined;

function runTurn(): void {
  turnScheduled = false;
  turnRunning = true;
  const deadline = performance.now() + TURN_BUDGET_MS;
  try {
    const limit = turnTimeLimit();
    if (limit === 0) {
      runSteps(deadline, false);
    } else {
      guardContext["run"] = () => runSteps(deadline, true);
      try {
        guardScript.runInContext(guardContext, { timeout: limit });
      } catch (error) {
        const stopped = running;
        running = undefined;
        if (stopped === undefined || (error as { code?: unknown }).code !== "ERR_SCRIPT_EXECUTION_TIMEOUT") throw error;
        // The rest waits for the next turn, which starts from a clean async context.
        stopped.interrupt(new TailTimeLimitError(limit));
      } finally {
        guardContext["run"] = null;
      }
    }
  } finally {
    turnRunning = false;
    if (laneHead === readyLanes.length) {
      readyLanes = [];
      laneHead = 0;
    } else {
      if (laneHead > 1024) {
        readyLanes = readyLanes.slice(laneHead);
        laneHead = 0;
      }
      if (!turnScheduled) scheduleTurn();
    }
  }
}

/** The smallest time limit of the lanes with work, 0 when none has one. */
function turnTimeLimit(): number {
  let limit = 0;
  for (let i = laneHead; i < readyLanes.length; i++) {
    const lane = readyLanes[i]!;
    if (lane.timeLimitMs > 0 && (limit === 0 || lane.timeLimitMs < limit)) limit = lane.timeLimitMs;
  }
  return limit;
}

function runSteps(deadline: number, guarded: boolean): void {
  while (laneHead < readyLanes.length) {
    const lane = readyLanes[laneHead]!;
    // A lane with a time limit that got work during an unguarded turn waits for a guarded one.
    if (!guarded && lane.timeLimitMs > 0) break;
    readyLanes[laneHead++] = undefined;
    const item = lane.pop()!;
    if (lane.size > 0) readyLanes.push(lane);
    else lane.listed = false;
    running = item;
    item.step();
    running = undefined;
    if (performance.now() >= deadline) break;
  }
}

/**
 * Whether every streaming tail session in the process is idle: nothing queued for a tail, and no
 * handler call or promise of one pending. Sessions that wait for more events count as idle.
 * @beta
 */
export function tailSessionsIdle(): boolean {
  return workingSessions === 0;
}

/** Resolves `true` once `idle()` holds, `false` when `timeoutMs` passed first. */
export async function waitUntil(idle: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!idle()) {
    if (performance.now() >= deadline) return false;
    await new Promise<void>((resolve) => runOutsideInvocations(() => setTimeout(resolve, 1)));
  }
  return true;
}

/**
 * Resolves `true` once every streaming tail session is idle (see {@link tailSessionsIdle}), or
 * `false` when `timeoutMs` passed first (a tail that hangs). Tail handlers run between the event
 * loop's turns, so a process about to exit awaits this to let the tails take the last events.
 * @example
 * ```ts
 * await traceInvocation({ tail: createTailStreamSink(start) }, handler);
 * await drainTailSessions(2000);
 * process.exit(0);
 * ```
 * @public
 */
export function drainTailSessions(timeoutMs = 2000): Promise<boolean> {
  return waitUntil(tailSessionsIdle, timeoutMs);
}
