import { expect } from "vitest";
import {
  currentInvocation,
  createSequentialIds,
  traceInvocation,
  type Invocation,
  type TailEvent,
  type TailEventPayload,
  type TraceInvocationOptions,
} from "@workers-tracing/core-context";

/** A tail event without its timestamp, trace id and invocation id: what the tests compare. */
export interface CompactEvent {
  readonly sequence: number;
  readonly spanId?: string;
  readonly event: TailEventPayload;
}

/** The `n`-th span id handed out by `createSequentialIds()` (the onset span is `S(1)`). */
export function S(n: number): string {
  return n.toString(16).padStart(16, "0");
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
 * Runs `fn` as one traced `test()` invocation with sequential ids, collecting its events (`fn`
 * may look at those reported so far), and checks the stream's invariants.
 */
export async function trace<R>(
  fn: (invocation: Invocation, reported: readonly TailEvent[]) => R,
  options: Partial<TraceInvocationOptions<Awaited<R>>> = {},
): Promise<Traced<Awaited<R>>> {
  const raw: TailEvent[] = [];
  let result: Awaited<R> | undefined;
  let error: unknown;
  let threw = false;
  try {
    result = await traceInvocation({ tail: raw, ids: createSequentialIds(), kind: "test", ...options }, () =>
      fn(currentInvocation()!, raw),
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

/** An outcome at `sequence`, on the onset span. */
export function outcome(sequence: number, value: "ok" | "exception" = "ok"): CompactEvent {
  return { sequence, spanId: S(1), event: { type: "outcome", outcome: value, cpuTime: 0, wallTime: 0 } };
}

/** A `spanOpen` at `sequence` of span `S(id)` named `name`, under span `S(parent)`. */
export function open(sequence: number, parent: number, name: string, id: number): CompactEvent {
  return { sequence, spanId: S(parent), event: { type: "spanOpen", name, spanId: S(id) } };
}

/** A `spanClose` at `sequence` of span `S(id)`. */
export function close(sequence: number, id: number): CompactEvent {
  return { sequence, spanId: S(id), event: { type: "spanClose", outcome: "ok" } };
}

/** An `attributes` event at `sequence` of span `S(id)`, from `[name, value]` pairs. */
export function attributes(sequence: number, id: number, pairs: [string, unknown][]): CompactEvent {
  return {
    sequence,
    spanId: S(id),
    event: { type: "attributes", info: pairs.map(([name, value]) => ({ name, value })) } as TailEventPayload,
  };
}

/** A `log` event at `sequence` on span `S(id)`. */
export function log(sequence: number, id: number, message: unknown[], level = "log"): CompactEvent {
  return { sequence, spanId: S(id), event: { type: "log", level, message } as TailEventPayload };
}

/** Maps each opened span's name to its parent's name (`"(onset)"` for the onset span). */
export function parents(events: readonly TailEvent[]): Record<string, string> {
  const names = new Map<string, string>();
  const onset = events[0]?.event;
  if (onset?.type === "onset") names.set(onset.spanId, "(onset)");
  const result: Record<string, string> = {};
  for (const e of events) {
    if (e.event.type !== "spanOpen") continue;
    names.set(e.event.spanId, e.event.name);
    result[e.event.name] = names.get(e.spanContext.spanId ?? "") ?? `? ${e.spanContext.spanId}`;
  }
  return result;
}

/** Resolves after every pending microtask and one macrotask turn. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
