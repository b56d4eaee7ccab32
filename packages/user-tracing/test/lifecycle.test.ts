import { describe, expect, it } from "vitest";
import {
  createSequentialIds,
  currentUserSpan,
  IoContext,
  reportLog,
  type TailEvent,
  traceInvocationIn,
} from "@workers-tracing/core-context";
import { Tracing, tracing, type Span } from "../src/index";
import { S, attributes, close, compact, expectWellFormed, log, open, outcome, testOnset, trace } from "./helpers";

function actor(): IoContext {
  return new IoContext({
    executionModel: "durableObject",
    ids: createSequentialIds(),
    durableObjectId: "0123abcd",
  });
}

/** A storage call as the runtime traces it: a runtime span around one turn of the event loop. */
async function storage(name: string): Promise<void> {
  const record = currentUserSpan()!.startChild(name);
  await null;
  record.end();
}

/** The spans left open by spec §4.9 (e): returns them for later use. */
function leaveSpansOpen(): { started: Span; active: Span; abandoned: Span } {
  const started = tracing.startSpan("G.startSpan");
  started.setAttribute("a", 1);
  const active = tracing.startActiveSpan("G.startActiveSpan", (span) => {
    span.setAttribute("b", 2);
    return span;
  });
  let abandoned!: Span;
  void tracing.enterSpan("G.abandoned", async (span) => {
    abandoned = span;
    span.setAttribute("c", 3);
    await new Promise(() => {});
  });
  reportLog("log", ["end-of-G"]);
  return { started, active, abandoned };
}

describe(Tracing.name, () => {
  describe("spans open at the end of an invocation (spec §3.8)", () => {
    it("closes them newest first before the outcome of a stateless invocation, without waiting for the abandoned promise", async () => {
      const { events } = await trace(() => void leaveSpansOpen());
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "G.startSpan", 2),
        open(2, 1, "G.startActiveSpan", 3),
        open(3, 1, "G.abandoned", 4),
        log(4, 1, ["end-of-G"]),
        attributes(5, 4, [["c", 3]]),
        close(6, 4),
        attributes(7, 3, [["b", 2]]),
        close(8, 3),
        attributes(9, 2, [["a", 1]]),
        close(10, 2),
        outcome(11),
      ]);
    });

    it("closes none on an actor, and later ends, attributes and children report nothing", async () => {
      const context = actor();
      const first: TailEvent[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let lateRan!: () => void;
      const late = new Promise<void>((resolve) => (lateRan = resolve));
      let spans!: ReturnType<typeof leaveSpansOpen>;
      await traceInvocationIn(context, { tail: first, kind: "test" }, () => {
        spans = leaveSpansOpen();
        // A continuation of this invocation that runs after it completed.
        void tracing.withActiveSpan(spans.active, () =>
          gate.then(() => {
            spans.active.setAttribute("late", true);
            tracing.enterSpan("late child", () => {});
            tracing.startSpan("late started").end();
            lateRan();
          }),
        );
      });
      expect(compact(first).slice(1)).toStrictEqual([
        open(1, 1, "G.startSpan", 2),
        open(2, 1, "G.startActiveSpan", 3),
        open(3, 1, "G.abandoned", 4),
        log(4, 1, ["end-of-G"]),
        outcome(5),
      ]);

      const second: TailEvent[] = [];
      await traceInvocationIn(context, { tail: second, kind: "test" }, async () => {
        release();
        await late;
        spans.started.setAttribute("x", 1);
        spans.started.end();
        spans.active.end();
        spans.abandoned.end();
        expect(spans.started.isTraced).toBe(false);
      });
      expect(first).toHaveLength(6);
      expect(compact(second).map((e) => e.event.type)).toEqual(["onset", "outcome"]);
      expectWellFormed(second);
    });

    it("reports nothing from continuations that run after a stateless invocation's outcome", async () => {
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const { raw } = await trace(() => {
        tracing.enterSpan("scheduler", (span) =>
          setTimeout(() => {
            span.setAttribute("late", 1);
            tracing.enterSpan("late child", (child) => child.setAttribute("k", 1));
            reportLog("log", ["late"]);
            done();
          }, 0),
        );
      });
      const count = raw.length;
      await finished;
      expect(raw).toHaveLength(count);
      expect(raw.at(-1)!.event.type).toBe("outcome");
    });
  });

  describe("two invocations on one actor (spec §3.7)", () => {
    it("attributes spans to the async chain that created them and logs to the newest live invocation", async () => {
      const context = actor();
      const fetchEvents: TailEvent[] = [];
      const alarmEvents: TailEvent[] = [];
      let resumeFetch!: () => void;
      let reachedW1!: () => void;
      const atW1 = new Promise<void>((resolve) => (reachedW1 = resolve));
      let w2Done!: () => void;
      const w2Finished = new Promise<void>((resolve) => (w2Done = resolve));

      const fetch = traceInvocationIn(
        context,
        {
          tail: fetchEvents,
          kind: "fetch",
          info: { type: "fetch", method: "GET", url: "http://do/alarm", headers: [] },
          returnInfo: () => ({ type: "fetch", statusCode: 200 }),
        },
        async () => {
          await storage("durable_object_storage_setAlarm"); // F1
          await storage("durable_object_storage_getAlarm"); // F2
          await new Promise<void>((resolve) => {
            resumeFetch = resolve;
            reachedW1();
          }); // W1: the alarm is delivered meanwhile
          await storage("durable_object_storage_getAlarm"); // W2
          reportLog("log", ["W2-log"]);
          tracing.enterSpan("W2-span", () => reportLog("log", ["log-inside-W2-span"]));
          w2Done();
          return "OK";
        },
      );
      await atW1;
      const alarm = traceInvocationIn(
        context,
        { tail: alarmEvents, kind: "alarm", info: { type: "alarm", scheduledTime: new Date(0) } },
        async () => {
          await storage("durable_object_storage_getAlarm"); // A1
          reportLog("log", ["A1-log"]);
          resumeFetch();
          // Stands in for the time the alarm handler is kept alive.
          await w2Finished;
          reportLog("log", ["alarm-end-log"]);
        },
      );
      expect(await fetch).toBe("OK");
      await alarm;

      expectWellFormed(fetchEvents);
      expectWellFormed(alarmEvents);
      expect(compact(fetchEvents)).toStrictEqual([
        {
          sequence: 0,
          event: {
            type: "onset",
            executionModel: "durableObject",
            spanId: S(1),
            durableObjectId: "0123abcd",
            scriptTags: [],
            info: { type: "fetch", method: "GET", url: "http://do/alarm", headers: [] },
          },
        },
        open(1, 1, "durable_object_storage_setAlarm", 2),
        close(2, 2),
        open(3, 1, "durable_object_storage_getAlarm", 3),
        close(4, 3),
        open(5, 1, "durable_object_storage_getAlarm", 6),
        close(6, 6),
        open(7, 1, "W2-span", 7),
        close(8, 7),
        { sequence: 9, spanId: S(1), event: { type: "return", info: { type: "fetch", statusCode: 200 } } },
        outcome(10),
      ]);
      expect(compact(alarmEvents)).toStrictEqual([
        {
          sequence: 0,
          event: {
            type: "onset",
            executionModel: "durableObject",
            spanId: S(4),
            durableObjectId: "0123abcd",
            scriptTags: [],
            info: { type: "alarm", scheduledTime: new Date(0) },
          },
        },
        open(1, 4, "durable_object_storage_getAlarm", 5),
        close(2, 5),
        log(3, 4, ["A1-log"]),
        log(4, 4, ["W2-log"]),
        // Mixed identity: delivered in the alarm invocation, attributed to fetch's span.
        log(5, 7, ["log-inside-W2-span"]),
        log(6, 4, ["alarm-end-log"]),
        { sequence: 7, spanId: S(4), event: { type: "return" } },
        { sequence: 8, spanId: S(4), event: { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 } },
      ]);
      expect(alarmEvents[0]!.spanContext.traceId).not.toBe(fetchEvents[0]!.spanContext.traceId);
    });
  });
});
