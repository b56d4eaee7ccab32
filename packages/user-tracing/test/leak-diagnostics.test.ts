import { describe, expect, it } from "vitest";
import {
  createSequentialIds,
  IoContext,
  reportLog,
  type TailEvent,
  type TracingImprovements,
  traceInvocationIn,
  UNENDED_SPAN_ATTRIBUTE,
} from "@workers-tracing/core-context";
import { Tracing, tracing, type Span } from "../src/index";
import { S, attributes, close, compact, log, open, outcome, testOnset, trace } from "./helpers";

const ON: TracingImprovements = { leakDiagnostics: true };

/** The spans of spec §4.9 (e), left open, plus one that is ended in time. */
function leaveSpansOpen(): { started: Span; active: Span } {
  const started = tracing.startSpan("G.startSpan");
  started.setAttribute("a", 1);
  const active = tracing.startActiveSpan("G.startActiveSpan", (span) => span);
  void tracing.enterSpan("G.abandoned", async (span) => {
    span.setAttribute("c", 3);
    await new Promise(() => {});
  });
  tracing.enterSpan("G.ended", () => {});
  reportLog("log", ["end-of-G"]);
  return { started, active };
}

function outcomeWith(sequence: number, unendedSpans: number): ReturnType<typeof outcome> {
  return {
    sequence,
    spanId: S(1),
    event: { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0, unendedSpans },
  };
}

describe(Tracing.name, () => {
  describe("spans open at the end of an invocation (improvement leakDiagnostics, flag workers_tracing_leak_diagnostics)", () => {
    it("closes a stateless invocation's open spans unmarked, and the outcome has no count, when the improvement is off", async () => {
      const { events } = await trace(() => void leaveSpansOpen());
      expect(events.slice(6)).toStrictEqual([
        log(6, 1, ["end-of-G"]),
        attributes(7, 4, [["c", 3]]),
        close(8, 4),
        close(9, 3),
        attributes(10, 2, [["a", 1]]),
        close(11, 2),
        outcome(12),
      ]);
    });

    it("marks each span teardown closes on a stateless invocation and counts them in the outcome", async () => {
      const { events } = await trace(() => void leaveSpansOpen(), { improvements: ON });
      const closed = [UNENDED_SPAN_ATTRIBUTE, "closed_by_teardown"] as [string, string];
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "G.startSpan", 2),
        open(2, 1, "G.startActiveSpan", 3),
        open(3, 1, "G.abandoned", 4),
        open(4, 1, "G.ended", 5),
        close(5, 5),
        log(6, 1, ["end-of-G"]),
        attributes(7, 4, [["c", 3], closed]),
        close(8, 4),
        attributes(9, 3, [closed]),
        close(10, 3),
        attributes(11, 2, [["a", 1], closed]),
        close(12, 2),
        outcomeWith(13, 3),
      ]);
    });

    it("counts zero when every span was ended in time", async () => {
      const { events } = await trace(() => tracing.enterSpan("done", () => {}), { improvements: ON });
      expect(events.at(-1)).toStrictEqual(outcomeWith(3, 0));
    });

    it("reports an actor's open spans as left open, leaves them open and counts them", async () => {
      const context = new IoContext({
        executionModel: "durableObject",
        ids: createSequentialIds(),
        improvements: ON,
      });
      const first: TailEvent[] = [];
      let spans!: ReturnType<typeof leaveSpansOpen>;
      await traceInvocationIn(context, { tail: first, kind: "test" }, () => {
        spans = leaveSpansOpen();
      });
      const left = (sequence: number, id: number) => attributes(sequence, id, [[UNENDED_SPAN_ATTRIBUTE, "left_open"]]);
      expect(compact(first).slice(1)).toStrictEqual([
        open(1, 1, "G.startSpan", 2),
        open(2, 1, "G.startActiveSpan", 3),
        open(3, 1, "G.abandoned", 4),
        open(4, 1, "G.ended", 5),
        close(5, 5),
        log(6, 1, ["end-of-G"]),
        left(7, 4),
        left(8, 3),
        left(9, 2),
        outcomeWith(10, 3),
      ]);
      // Still open, but its invocation's stream has ended: nothing more is reported.
      expect(spans.started.isTraced).toBe(true);
      spans.started.end();
      expect(first).toHaveLength(11);
    });

    it("reports nothing extra for an actor without the improvement, as workerd does", async () => {
      const context = new IoContext({ executionModel: "durableObject", ids: createSequentialIds() });
      const events: TailEvent[] = [];
      await traceInvocationIn(context, { tail: events, kind: "test" }, () => void leaveSpansOpen());
      expect(compact(events).slice(6)).toStrictEqual([log(6, 1, ["end-of-G"]), outcome(7)]);
    });
  });
});
