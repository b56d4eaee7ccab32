import { describe, expect, it } from "vitest";
import {
  createSequentialIds,
  currentEventTarget,
  IoContext,
  reportLog,
  type TailEvent,
  type TracingImprovements,
  traceInvocationIn,
} from "@workers-tracing/core-context";
import { Tracing, tracing } from "../src/index";
import { compact } from "./helpers";

/**
 * Two invocations on one actor (spec §3.7): `first` waits while `second` is delivered, then logs
 * from its own async chain, outside and inside a span; then `second` ends, and a continuation of
 * `first` logs after `first` itself has finished while a third invocation is live.
 */
async function alarmCase(improvements: TracingImprovements) {
  const context = new IoContext({ executionModel: "durableObject", ids: createSequentialIds(), improvements });
  const first: TailEvent[] = [];
  const second: TailEvent[] = [];
  const third: TailEvent[] = [];
  let resumeFirst!: () => void;
  const resumed = new Promise<void>((resolve) => (resumeFirst = resolve));
  let lateLog!: () => void;
  const late = new Promise<void>((resolve) => (lateLog = resolve));
  let lateDone!: () => void;
  const lateLogged = new Promise<void>((resolve) => (lateDone = resolve));
  const targets: string[] = [];
  const running = traceInvocationIn(context, { tail: first, kind: "fetch" }, async () => {
    await resumed;
    reportLog("log", ["W2-log"]);
    targets.push(currentEventTarget()!.invocationId);
    tracing.enterSpan("W2-span", () => reportLog("log", ["log-inside-W2"]));
    void late.then(() => {
      reportLog("log", ["after first ended"]);
      lateDone();
    });
  });
  await traceInvocationIn(context, { tail: second, kind: "alarm" }, async () => {
    reportLog("log", ["A1-log"]);
    resumeFirst();
    await running;
  });
  await traceInvocationIn(context, { tail: third, kind: "fetch" }, async () => {
    lateLog();
    await lateLogged;
  });
  const logs = (events: TailEvent[]) =>
    compact(events).flatMap((e) =>
      e.event.type === "log" ? [`${String((e.event.message as unknown[])[0])} @${e.spanId}`] : [],
    );
  return { first: logs(first), second: logs(second), third: logs(third), targets, ids: [first, second, third] };
}

describe(Tracing.name, () => {
  describe("logs of an actor with several live invocations (improvement ownInvocationLogs, flag workers_tracing_own_invocation_logs)", () => {
    it("sends every log to the newest live invocation when the improvement is off, as workerd does", async () => {
      const { first, second, third, targets, ids } = await alarmCase({});
      // Ids: 1 = first's onset, 2 = second's onset, 3 = W2-span, 4 = third's onset.
      expect(first).toEqual([]);
      expect(second).toEqual([
        "A1-log @0000000000000002",
        "W2-log @0000000000000002",
        "log-inside-W2 @0000000000000003",
      ]);
      expect(third).toEqual(["after first ended @0000000000000004"]);
      expect(targets).toEqual([ids[1]![0]!.invocationId]);
    });

    it("sends each log to the invocation of its async chain while that one is live", async () => {
      const { first, second, third, targets, ids } = await alarmCase({ ownInvocationLogs: true });
      expect(first).toEqual(["W2-log @0000000000000001", "log-inside-W2 @0000000000000003"]);
      expect(second).toEqual(["A1-log @0000000000000002"]);
      // Its own invocation has finished: the newest live one, on its onset span.
      expect(third).toEqual(["after first ended @0000000000000004"]);
      expect(targets).toEqual([ids[0]![0]!.invocationId]);
    });
  });
});
