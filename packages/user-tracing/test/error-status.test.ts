import { describe, expect, it } from "vitest";
import type { TailEventPayload, TracingImprovements } from "@workers-tracing/core-context";
import { NOOP_SPAN, Tracing, endSpanWithError, tracing } from "../src/index";
import { S, attributes, close, open, outcome, testOnset, trace } from "./helpers";

const ON: TracingImprovements = { errorStatus: true };

function failure(sequence: number, id: number, message: string, name = "Error"): ReturnType<typeof close>[] {
  return [
    { sequence, spanId: S(id), event: { type: "exception", name, message } },
    {
      sequence: sequence + 1,
      spanId: S(id),
      event: { type: "spanUpdate", info: { type: "status", status: { code: "error", message } } },
    },
  ];
}

/** Drops the frame lines of `exception` events: they depend on this file's layout. */
function withoutStacks<T extends { event: TailEventPayload }>(events: readonly T[]): T[] {
  return events.map((e) => {
    if (e.event.type !== "exception" || e.event.stack === undefined) return e;
    const { stack: _stack, ...event } = e.event;
    return { ...e, event };
  });
}

describe(Tracing.name, () => {
  describe("enterSpan with a failing callback (improvement errorStatus, flag workers_tracing_error_status)", () => {
    it("closes the span ok and reports nothing else when the improvement is off, as workerd does", async () => {
      const { events, error } = await trace(() =>
        tracing.enterSpan("fails", (span) => {
          span.setAttribute("k", 1);
          throw new Error("boom");
        }),
      );
      expect((error as Error).message).toBe("boom");
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "fails", 2),
        attributes(2, 2, [["k", 1]]),
        close(3, 2),
        { sequence: 4, spanId: S(1), event: expect.objectContaining({ type: "exception", message: "boom" }) },
        outcome(5),
      ]);
    });

    it("reports an exception and status error on the span before its attributes and close for a synchronous throw", async () => {
      const thrown = new TypeError("bad input");
      const { events, error } = await trace(
        () =>
          tracing.enterSpan("fails", (span) => {
            span.setAttribute("k", 1);
            throw thrown;
          }),
        { improvements: ON },
      );
      expect(error).toBe(thrown);
      expect(withoutStacks(events).slice(0, 7)).toStrictEqual([
        testOnset(),
        open(1, 1, "fails", 2),
        ...failure(2, 2, "bad input", "TypeError"),
        attributes(4, 2, [["k", 1]]),
        close(5, 2),
        { sequence: 6, spanId: S(1), event: { type: "exception", name: "TypeError", message: "bad input" } },
      ]);
    });

    it("reports the rejection of a returned promise and still rejects with the same reason", async () => {
      const reason = new Error("later");
      const { events } = await trace(
        async () => {
          const returned = tracing.enterSpan("async", async () => {
            await null;
            throw reason;
          });
          await expect(returned).rejects.toBe(reason);
        },
        { improvements: ON },
      );
      expect(withoutStacks(events)).toStrictEqual([
        testOnset(),
        open(1, 1, "async", 2),
        ...failure(2, 2, "later"),
        close(4, 2),
        outcome(5),
      ]);
    });

    it("reports a thrown non-Error by its string form, with extra arguments too", async () => {
      const { events, error } = await trace(
        () =>
          tracing.enterSpan(
            "with-args",
            (_span, a: number) => {
              // eslint-disable-next-line @typescript-eslint/only-throw-error -- workerd user code may throw any value
              throw `code ${a}`;
            },
            7,
          ),
        { improvements: ON },
      );
      expect(error).toBe("code 7");
      expect(events.slice(1, 5)).toStrictEqual([open(1, 1, "with-args", 2), ...failure(2, 2, "code 7"), close(4, 2)]);
    });

    it("marks every span the error leaves", async () => {
      const { events } = await trace(
        () =>
          tracing.enterSpan("outer", () =>
            tracing.enterSpan("inner", () => {
              throw new RangeError("deep");
            }),
          ),
        { improvements: ON },
      );
      expect(withoutStacks(events).slice(1, 9)).toStrictEqual([
        open(1, 1, "outer", 2),
        open(2, 2, "inner", 3),
        ...failure(3, 3, "deep", "RangeError"),
        close(5, 3),
        ...failure(6, 2, "deep", "RangeError"),
        close(8, 2),
      ]);
    });

    it("reports nothing more for a span the callback already ended", async () => {
      const { events } = await trace(
        () =>
          tracing.enterSpan("ended", (span) => {
            span.end();
            throw new Error("after end");
          }),
        { improvements: ON },
      );
      expect(events.slice(1, 3)).toStrictEqual([open(1, 1, "ended", 2), close(2, 2)]);
      expect(events[3]!.spanId).toBe(S(1));
    });

    it("leaves startActiveSpan alone: a throw keeps the span open without a status", async () => {
      const { events } = await trace(
        () =>
          tracing.startActiveSpan("active", () => {
            throw new Error("kept open");
          }),
        { improvements: ON },
      );
      expect(events.filter((e) => e.event.type === "spanUpdate")).toStrictEqual([]);
      expect(events.slice(1, 3)).toStrictEqual([open(1, 1, "active", 2), expect.objectContaining({ spanId: S(1) })]);
    });

    it("runs the callback with the no-op span and rethrows outside a traced invocation", () => {
      expect(() =>
        tracing.enterSpan("untraced", (span) => {
          expect(span).toBe(NOOP_SPAN);
          throw new Error("plain");
        }),
      ).toThrow("plain");
    });
  });

  describe(endSpanWithError.name, () => {
    it.for([
      ["on", ON],
      ["off", {}],
    ] as const)("ends a span with the improvement %s", async ([state, improvements]) => {
      const { events } = await trace(
        () => {
          const span = tracing.startSpan("manual");
          endSpanWithError(span, new Error("manual failure"));
          endSpanWithError(span, new Error("ignored: already ended"));
          endSpanWithError(NOOP_SPAN, new Error("ignored: no-op span"));
        },
        { improvements },
      );
      expect(withoutStacks(events)).toStrictEqual([
        testOnset(),
        open(1, 1, "manual", 2),
        ...(state === "on" ? failure(2, 2, "manual failure") : []),
        close(state === "on" ? 4 : 2, 2),
        outcome(state === "on" ? 5 : 3),
      ]);
    });
  });
});
