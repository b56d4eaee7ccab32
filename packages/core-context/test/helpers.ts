import { expect } from "vitest";
import {
  currentInvocation,
  createSequentialIds,
  traceInvocation,
  type Invocation,
  type TailEvent,
  type TailEventPayload,
  type TraceInvocationOptions,
  tailSessionsIdle,
} from "../src/index";

/** A tail event without its timestamp, trace id and invocation id: what the tests compare. */
export interface CompactEvent {
  readonly sequence: number;
  readonly spanId?: string;
  readonly event: TailEventPayload;
}

/** The `n`-th span id handed out by {@link createSequentialIds} (the onset span is `S(1)`). */
export function S(n: number): string {
  return n.toString(16).padStart(16, "0");
}

/** The `n`-th trace or invocation id handed out by {@link createSequentialIds}. */
export function T(n: number): string {
  return n.toString(16).padStart(32, "0");
}

/** Maps events to {@link CompactEvent}s; `spanId` is left out where the envelope has none. */
export function compact(events: readonly TailEvent[]): CompactEvent[] {
  return events.map((e) =>
    e.spanContext.spanId === undefined
      ? { sequence: e.sequence, event: e.event }
      : { sequence: e.sequence, spanId: e.spanContext.spanId, event: e.event },
  );
}

/** Asserts the per-invocation invariants of spec §4.6: onset first, outcome last, no gaps. */
export function expectWellFormed(events: readonly TailEvent[]): void {
  expect(events.length).toBeGreaterThanOrEqual(2);
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i));
  expect(events[0]!.event.type).toBe("onset");
  expect(events.at(-1)!.event.type).toBe("outcome");
  expect(events.filter((e) => e.event.type === "outcome")).toHaveLength(1);
  expect(new Set(events.map((e) => e.invocationId)).size).toBe(1);
  for (const e of events) expect(e.timestamp).toBeInstanceOf(Date);
}

/** What {@link trace} observed. */
export interface Traced<R> {
  readonly result: R | undefined;
  readonly error: unknown;
  readonly threw: boolean;
  readonly raw: TailEvent[];
  readonly events: CompactEvent[];
}

/**
 * Runs `fn` as one traced `test()` invocation with sequential ids, collecting its events, and
 * checks the stream's invariants.
 */
export async function trace<R>(
  fn: (invocation: Invocation) => R,
  options: Partial<TraceInvocationOptions<Awaited<R>>> = {},
): Promise<Traced<Awaited<R>>> {
  const raw: TailEvent[] = [];
  let result: Awaited<R> | undefined;
  let error: unknown;
  let threw = false;
  try {
    result = await traceInvocation({ tail: raw, ids: createSequentialIds(), kind: "test", ...options }, () =>
      fn(currentInvocation()!),
    );
  } catch (caught) {
    threw = true;
    error = caught;
  }
  expectWellFormed(raw);
  return { result, error, threw, raw, events: compact(raw) };
}

/** The onset of a `test()` invocation made by {@link trace}. */
export function testOnset(): CompactEvent {
  return {
    sequence: 0,
    event: { type: "onset", executionModel: "stateless", spanId: S(1), scriptTags: [], info: { type: "custom" } },
  };
}

/** An `ok` outcome at `sequence`, on the onset span. */
export function okOutcome(sequence: number, outcome: "ok" | "exception" = "ok"): CompactEvent {
  return { sequence, spanId: S(1), event: { type: "outcome", outcome, cpuTime: 0, wallTime: 0 } };
}

/**
 * Resolves once the tail sessions are idle, or after 20 event-loop turns when one waits on a
 * promise of its handler: tail calls run between turns, a few ms of them per turn, so on a busy
 * machine one turn is not always enough.
 */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (tailSessionsIdle()) return;
  }
}
