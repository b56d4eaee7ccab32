import { describe, expect, it } from "vitest";
import {
  createSequentialIds,
  currentUserSpan,
  IoContext,
  reportLog,
  type SpanRecord,
  type TailEvent,
  traceInvocation,
  withCurrentSpan,
  traceInvocationIn,
  type Invocation,
  parseTraceParent,
} from "../src/index";
import { S, T, compact, expectWellFormed, okOutcome, testOnset, trace } from "./helpers";

describe(traceInvocation.name, () => {
  it("reports onset, return and outcome around the handler and returns its result", async () => {
    const { result, events } = await trace(
      async () => {
        await null;
        return "value";
      },
      { kind: "custom" },
    );
    expect(result).toBe("value");
    expect(events).toStrictEqual([testOnset(), { sequence: 1, spanId: S(1), event: { type: "return" } }, okOutcome(2)]);
  });

  it("reports no return for a test() invocation", async () => {
    const { events } = await trace(() => undefined);
    expect(events).toStrictEqual([testOnset(), okOutcome(1)]);
  });

  it("reports the return info chosen by returnInfo, or none for false", async () => {
    const fetchLike = await trace(() => ({ status: 404 }), {
      kind: "fetch",
      returnInfo: (response) => ({ type: "fetch", statusCode: response.status }),
    });
    expect(fetchLike.events[1]).toStrictEqual({
      sequence: 1,
      spanId: S(1),
      event: { type: "return", info: { type: "fetch", statusCode: 404 } },
    });
    const none = await trace(() => 1, { kind: "fetch", returnInfo: () => false });
    expect(none.events.map((e) => e.event.type)).toEqual(["onset", "outcome"]);
  });

  it("leaves spanId out of the onset's spanContext when there is no parent", async () => {
    const { raw } = await trace(() => undefined);
    expect(raw[0]!.spanContext).toStrictEqual({ traceId: T(1) });
    expect(raw[0]!.invocationId).toBe(T(1));
  });

  it("continues the parent's trace and reports the parent span on the onset", async () => {
    const parent = { traceId: "4f1d2c3b4a5968778695a4b3c2d1e0f1", spanId: "00000000000000aa" };
    const { raw } = await trace(() => undefined, { parent });
    expect(raw[0]!.spanContext).toStrictEqual(parent);
    expect(raw.every((e) => e.spanContext.traceId === parent.traceId)).toBe(true);
  });

  it("reports a remote parent's trace flags on the onset only", async () => {
    const parent = parseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    const { raw } = await trace(() => undefined, { parent });
    expect(raw[0]!.spanContext).toStrictEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: 0,
    });
    expect(raw.slice(1).every((e) => !("traceFlags" in e.spanContext))).toBe(true);
  });

  it("builds the onset with the delivered property order", async () => {
    const context = new IoContext({
      executionModel: "durableObject",
      ids: createSequentialIds(),
      durableObjectId: "abc123",
    });
    const events: TailEvent[] = [];
    await traceInvocationIn(
      context,
      {
        tail: events,
        kind: "alarm",
        info: { type: "alarm", scheduledTime: new Date(0) },
        entrypoint: "Counter",
        attributes: [{ name: "worker.attr", value: "x" }],
      },
      () => undefined,
    );
    expect(events[0]!.event).toStrictEqual({
      type: "onset",
      executionModel: "durableObject",
      spanId: S(1),
      entrypoint: "Counter",
      durableObjectId: "abc123",
      scriptTags: [],
      info: { type: "alarm", scheduledTime: new Date(0) },
      attributes: [{ name: "worker.attr", value: "x" }],
    });
    expect(Object.keys(events[0]!.event)).toEqual([
      "type",
      "executionModel",
      "spanId",
      "entrypoint",
      "durableObjectId",
      "scriptTags",
      "info",
      "attributes",
    ]);
  });

  it("leaves empty onset attributes out", async () => {
    const { raw } = await trace(() => undefined, { attributes: [] });
    expect(raw[0]!.event).not.toHaveProperty("attributes");
  });

  // Spec §4.3, one event type after the other.
  it("attributes every event type to the span spec §4.3 names", async () => {
    const parent = { traceId: T(9), spanId: "00000000000000aa" };
    const error = new TypeError("boom");
    const { events, error: thrown } = await trace(
      () => {
        const span = currentUserSpan()!.startChild("user");
        withCurrentSpan(span, () => reportLog("log", ["inside"]));
        reportLog("warn", ["top level"]);
        span.setAttribute("a", 1);
        span.end();
        throw error;
      },
      { kind: "fetch", parent },
    );
    expect(thrown).toBe(error);
    expect(events.map(({ sequence, spanId, event }) => [sequence, spanId, event.type])).toEqual([
      [0, parent.spanId, "onset"],
      [1, S(1), "spanOpen"],
      [2, S(2), "log"],
      [3, S(1), "log"],
      [4, S(2), "attributes"],
      [5, S(2), "spanClose"],
      [6, S(1), "exception"],
      [7, S(1), "outcome"],
    ]);
    expect(events[1]!.event).toStrictEqual({ type: "spanOpen", name: "user", spanId: S(2) });
    expect(events[6]!.event).toMatchObject({ type: "exception", name: "TypeError", message: "boom" });
    expect(events[7]!.event).toStrictEqual({ type: "outcome", outcome: "exception", cpuTime: 0, wallTime: 0 });
  });

  it("reports a handler's exception on the onset span even when thrown inside a span", async () => {
    const { events } = await trace(
      () => withCurrentSpan(currentUserSpan()!.startChild("inner"), () => Promise.reject(new RangeError("late"))),
      { kind: "scheduled" },
    );
    expect(events.map((e) => [e.sequence, e.spanId, e.event.type])).toEqual([
      [0, undefined, "onset"],
      [1, S(1), "spanOpen"],
      [2, S(1), "exception"],
      [3, S(2), "spanClose"],
      [4, S(1), "outcome"],
    ]);
    expect(events[4]!.event).toMatchObject({ outcome: "exception" });
  });

  it("reports outcome ok with an exception when a test() handler throws", async () => {
    const error = new Error("test failed");
    const { events, error: thrown } = await trace(() => {
      throw error;
    });
    expect(thrown).toBe(error);
    expect(events.map((e) => e.event.type)).toEqual(["onset", "exception", "outcome"]);
    expect(events[2]).toStrictEqual(okOutcome(2));
  });

  it("uses failureOutcome when the handler fails", async () => {
    const { events } = await trace(() => Promise.reject(new Error("x")), { kind: "fetch", failureOutcome: "canceled" });
    expect(events.at(-1)!.event).toMatchObject({ type: "outcome", outcome: "canceled" });
  });

  it("gives each tail of a list every event", async () => {
    const first: TailEvent[] = [];
    const second: TailEvent[] = [];
    await traceInvocation({ tail: [first, second], ids: createSequentialIds() }, () => undefined);
    expect(compact(second)).toEqual(compact(first));
    expectWellFormed(first);
  });

  it("runs the handler untraced, with no events, when there is no tail", async () => {
    const seen: boolean[] = [];
    const result = await traceInvocation({}, () => {
      const current = currentUserSpan();
      seen.push(current !== undefined, current!.invocation.traced, reportLog("log", ["x"]));
      return 5;
    });
    expect(result).toBe(5);
    expect(seen).toEqual([true, false, false]);
  });

  it("closes open spans newest first, attributes before spanClose, before the outcome of a stateless invocation", async () => {
    const { events } = await trace(() => {
      const root = currentUserSpan()!;
      const a = root.startChild("a");
      a.setAttribute("a", 1);
      const b = root.startChild("b");
      const c = withCurrentSpan(a, () => currentUserSpan()!.startChild("c"));
      c.setAttribute("c", 3);
      b.end();
    });
    expect(events).toStrictEqual([
      testOnset(),
      { sequence: 1, spanId: S(1), event: { type: "spanOpen", name: "a", spanId: S(2) } },
      { sequence: 2, spanId: S(1), event: { type: "spanOpen", name: "b", spanId: S(3) } },
      { sequence: 3, spanId: S(2), event: { type: "spanOpen", name: "c", spanId: S(4) } },
      { sequence: 4, spanId: S(3), event: { type: "spanClose", outcome: "ok" } },
      { sequence: 5, spanId: S(4), event: { type: "attributes", info: [{ name: "c", value: 3 }] } },
      { sequence: 6, spanId: S(4), event: { type: "spanClose", outcome: "ok" } },
      { sequence: 7, spanId: S(2), event: { type: "attributes", info: [{ name: "a", value: 1 }] } },
      { sequence: 8, spanId: S(2), event: { type: "spanClose", outcome: "ok" } },
      okOutcome(9),
    ]);
  });

  it("closes many open spans newest first", async () => {
    const { events } = await trace(() => {
      const root = currentUserSpan()!;
      const spans: SpanRecord<Invocation>[] = [];
      for (let i = 0; i < 200; i++) spans.push(root.startChild(`s${i}`));
      // End every other span early so that the open list is compacted in between.
      for (let i = 0; i < 200; i += 2) spans[i]!.end();
    });
    const closes = events.slice(301, -1).map((e) => e.spanId);
    const expected = Array.from({ length: 100 }, (_, i) => S(2 + 199 - 2 * i));
    expect(closes).toEqual(expected);
  });

  it("does not wait for an abandoned promise or an unended span", async () => {
    const { events } = await trace(() => {
      const span = currentUserSpan()!.startChild("abandoned");
      void withCurrentSpan(span, () => new Promise(() => {}));
      return "done";
    });
    expect(events.map((e) => e.event.type)).toEqual(["onset", "spanOpen", "spanClose", "outcome"]);
  });

  it("closes no span of an actor invocation, and drops their later events", async () => {
    const actor = new IoContext({ executionModel: "durableObject", ids: createSequentialIds() });
    const events: TailEvent[] = [];
    let left: SpanRecord<Invocation> | undefined;
    await traceInvocationIn(actor, { tail: events, kind: "fetch" }, () => {
      left = currentUserSpan()!.startChild("left-open");
      left.setAttribute("k", "v");
    });
    expect(compact(events).map((e) => e.event.type)).toEqual(["onset", "spanOpen", "return", "outcome"]);

    // A later invocation on the same actor: the old span's events stay dropped.
    const later: TailEvent[] = [];
    await traceInvocationIn(actor, { tail: later, kind: "fetch" }, () => {
      left!.setAttribute("more", 1);
      withCurrentSpan(left!, () => currentUserSpan()!.startChild("child").end());
      withCurrentSpan(left!, () => reportLog("log", ["routed to the newest invocation"]));
      left!.end();
    });
    expect(events).toHaveLength(4);
    expect(compact(later).map((e) => [e.spanId, e.event.type])).toEqual([
      [undefined, "onset"],
      [S(2), "log"],
      [S(3), "return"],
      [S(3), "outcome"],
    ]);
  });

  it("stamps later events with the time they were reported, even if a consumer changed an earlier Date", async () => {
    const before = Date.now();
    const events: TailEvent[] = [];
    await traceInvocation(
      {
        tail: (event: TailEvent) => {
          events.push(event);
          // A consumer that reuses the Date it was given.
          if (event.sequence === 1) event.timestamp.setTime(0);
        },
      },
      () => {
        for (let i = 0; i < 50; i++) currentUserSpan()!.startChild("s").end();
      },
    );
    const after = Date.now();
    const times = events.map((e) => e.timestamp.getTime());
    expect(events.every((e) => e.timestamp instanceof Date)).toBe(true);
    expect(times[1]).toBe(0);
    // Events of the same millisecond share one Date: the onset may show the change too.
    expect(times.slice(2).filter((t) => t < before || t > after)).toEqual([]);
    expect(times.slice(2)).toEqual([...times.slice(2)].sort((a, b) => a - b));
  });

  it("never reports events after the outcome", async () => {
    let late!: Promise<boolean[]>;
    const { raw } = await trace(() => {
      const span = currentUserSpan()!.startChild("open");
      late = new Promise((resolve) =>
        setTimeout(() => {
          const results = [reportLog("log", ["late"]), currentUserSpan() === undefined];
          withCurrentSpan(span, () => {
            results.push(reportLog("log", ["late in span"]));
          });
          span.setAttribute("late", true);
          span.end();
          resolve(results);
        }, 0),
      );
    });
    const before = raw.length;
    expect(await late).toEqual([false, true, false]);
    expect(raw).toHaveLength(before);
    expect(raw.at(-1)!.event.type).toBe("outcome");
  });
});
