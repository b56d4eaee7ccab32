import { describe, expect, it } from "vitest";
import {
  bindToCurrentFrame,
  createSequentialIds,
  currentInvocation,
  currentIoContext,
  currentUserSpan,
  IoContext,
  reportLog,
  runInInvocation,
  type TailEvent,
  toTailSink,
  withCurrentSpan,
} from "../src/index";
import { S, compact } from "./helpers";

function actor(): IoContext {
  return new IoContext({ executionModel: "durableObject", ids: createSequentialIds() });
}

describe(currentUserSpan.name, () => {
  it("returns undefined outside any invocation", () => {
    expect(currentUserSpan()).toBeUndefined();
    expect(currentInvocation()).toBeUndefined();
    expect(currentIoContext()).toBeUndefined();
  });

  it("returns the invocation's root at the top level of a handler", () => {
    const context = new IoContext({ ids: createSequentialIds() });
    const invocation = context.startInvocation({ kind: "fetch", sink: toTailSink([]) });
    runInInvocation(invocation, () => {
      expect(currentUserSpan()).toBe(invocation.root);
      expect(currentUserSpan()!.isRoot).toBe(true);
      expect(currentInvocation()).toBe(invocation);
      expect(currentIoContext()).toBe(context);
    });
  });

  it("returns the span of the current frame, ended or not", () => {
    const invocation = new IoContext({ ids: createSequentialIds() }).startInvocation({
      kind: "test",
      sink: toTailSink([]),
    });
    runInInvocation(invocation, () => {
      const span = currentUserSpan()!.startChild("s");
      span.end();
      expect(withCurrentSpan(span, () => currentUserSpan())).toBe(span);
    });
  });

  it("returns a span of another invocation of the same actor when its frame is current", () => {
    const context = actor();
    const first = context.startInvocation({ kind: "fetch", sink: toTailSink([]) });
    const span = runInInvocation(first, () => currentUserSpan()!.startChild("first's"));
    const second = context.startInvocation({ kind: "alarm", sink: toTailSink([]) });
    runInInvocation(second, () => {
      expect(currentUserSpan()).toBe(second.root);
      expect(withCurrentSpan(span, () => currentUserSpan())).toBe(span);
    });
  });

  it("returns the newest live invocation's root when that invocation is untraced", () => {
    const context = actor();
    const traced = context.startInvocation({ kind: "fetch", sink: toTailSink([]) });
    const span = runInInvocation(traced, () => currentUserSpan()!.startChild("traced"));
    const untraced = context.startInvocation({ kind: "fetch" });
    withCurrentSpan(span, () => expect(currentUserSpan()).toBe(untraced.root));
  });

  it("returns undefined once the context has no live invocation", () => {
    const invocation = new IoContext({ ids: createSequentialIds() }).startInvocation({
      kind: "test",
      sink: toTailSink([]),
    });
    const later = runInInvocation(invocation, () => () => currentUserSpan());
    const bound = runInInvocation(invocation, () => bindToCurrentFrame(() => currentUserSpan()));
    invocation.finish();
    expect(later()).toBeUndefined();
    expect(bound()).toBeUndefined();
  });

  it("falls back to the newest live invocation's root in handlers without a root frame", () => {
    const context = actor();
    const rpc = context.startInvocation({ kind: "jsrpc", sink: toTailSink([]) });
    const fetch = context.startInvocation({ kind: "fetch", sink: toTailSink([]) });
    // The RPC method resumes after the fetch was delivered: everything goes to the fetch.
    runInInvocation(rpc, () => expect(currentUserSpan()).toBe(fetch.root));
    fetch.finish();
    runInInvocation(rpc, () => expect(currentUserSpan()).toBe(rpc.root));
  });

  it("uses the invocation's own root when its kind is given a root frame", () => {
    const context = new IoContext({
      executionModel: "durableObject",
      ids: createSequentialIds(),
      rootFrameKinds: ["jsrpc", "fetch"],
    });
    const rpc = context.startInvocation({ kind: "jsrpc", sink: toTailSink([]) });
    context.startInvocation({ kind: "fetch", sink: toTailSink([]) });
    runInInvocation(rpc, () => expect(currentUserSpan()).toBe(rpc.root));
  });
});

describe(reportLog.name, () => {
  it("returns false and reports nothing outside any invocation", () => {
    expect(reportLog("log", ["x"])).toBe(false);
  });

  it("returns false for an untraced invocation", () => {
    const invocation = new IoContext().startInvocation({ kind: "test" });
    expect(runInInvocation(invocation, () => reportLog("log", ["x"]))).toBe(false);
  });

  it("reports on the onset span at the top level and on the current span inside one", () => {
    const events: TailEvent[] = [];
    const invocation = new IoContext({ ids: createSequentialIds() }).startInvocation({
      kind: "test",
      sink: toTailSink(events),
    });
    runInInvocation(invocation, () => {
      expect(reportLog("info", ["top", 1])).toBe(true);
      const span = currentUserSpan()!.startChild("s");
      withCurrentSpan(span, () => reportLog("error", [new Error("bad")]));
    });
    const logs = compact(events).filter((e) => e.event.type === "log");
    expect(logs[0]).toStrictEqual({
      sequence: 1,
      spanId: S(1),
      event: { type: "log", level: "info", message: ["top", 1] },
    });
    expect(logs[1]!.spanId).toBe(S(2));
    expect(Object.keys(logs[1]!.event)).toEqual(["type", "level", "message", "errorInfo"]);
    expect(logs[1]!.event).toMatchObject({ level: "error", message: ["Error: bad"] });
  });

  it("routes to the newest live invocation of the context, keeping the frame's span id", () => {
    const fetchEvents: TailEvent[] = [];
    const alarmEvents: TailEvent[] = [];
    const context = actor();
    const fetch = context.startInvocation({ kind: "fetch", sink: toTailSink(fetchEvents) });
    const span = runInInvocation(fetch, () => currentUserSpan()!.startChild("fetch's span"));
    const alarm = context.startInvocation({ kind: "alarm", sink: toTailSink(alarmEvents) });
    runInInvocation(fetch, () => {
      reportLog("log", ["from fetch's chain"]);
      withCurrentSpan(span, () => reportLog("log", ["inside fetch's span"]));
    });
    expect(compact(fetchEvents).map((e) => e.event.type)).toEqual(["onset", "spanOpen"]);
    expect(compact(alarmEvents).slice(1)).toStrictEqual([
      { sequence: 1, spanId: alarm.onsetSpanId, event: { type: "log", level: "log", message: ["from fetch's chain"] } },
      { sequence: 2, spanId: span.spanId, event: { type: "log", level: "log", message: ["inside fetch's span"] } },
    ]);
  });
});
