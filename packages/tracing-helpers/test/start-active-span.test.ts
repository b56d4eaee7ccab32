import { describe, expect, it } from "vitest";
import { createSequentialIds, traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { NOOP_SPAN, tracing, type Span } from "@workers-tracing/user-tracing";
import { startActiveSpan } from "../src/index";

function summary(events: readonly TailEvent[]): string[] {
  return events.map((e) => {
    const event = e.event;
    const detail = event.type === "spanOpen" ? ` ${event.name} ${event.spanId}` : "";
    return `${e.sequence} ${event.type}${detail} @${e.spanContext.spanId ?? "-"}`;
  });
}

describe(startActiveSpan.name, () => {
  it("returns the same promise and leaves the span open until end() is called", async () => {
    const events: TailEvent[] = [];
    await traceInvocation({ tail: events, ids: createSequentialIds(), kind: "test" }, async () => {
      let held: Span | undefined;
      const work = Promise.resolve(1);
      const returned = startActiveSpan("detached", (span) => {
        held = span;
        tracing.startSpan("child").end();
        return work;
      });
      expect(returned).toBe(work);
      await returned;
      expect(held!.isTraced).toBe(true);
      tracing.startSpan("sibling").end();
      held!.end();
    });
    expect(summary(events)).toEqual([
      "0 onset @-",
      "1 spanOpen detached 0000000000000002 @0000000000000001",
      "2 spanOpen child 0000000000000003 @0000000000000002",
      "3 spanClose @0000000000000003",
      "4 spanOpen sibling 0000000000000004 @0000000000000001",
      "5 spanClose @0000000000000004",
      "6 spanClose @0000000000000002",
      "7 outcome @0000000000000001",
    ]);
  });

  it("rethrows a synchronous throw and leaves the span open until the invocation ends", async () => {
    const events: TailEvent[] = [];
    const boom = new Error("boom");
    await traceInvocation({ tail: events, ids: createSequentialIds(), kind: "test" }, () => {
      expect(() =>
        startActiveSpan("throws", () => {
          throw boom;
        }),
      ).toThrow(boom);
      tracing.startSpan("sibling").end();
    });
    expect(summary(events)).toEqual([
      "0 onset @-",
      "1 spanOpen throws 0000000000000002 @0000000000000001",
      "2 spanOpen sibling 0000000000000003 @0000000000000001",
      "3 spanClose @0000000000000003",
      "4 spanClose @0000000000000002",
      "5 outcome @0000000000000001",
    ]);
  });

  it("passes the shared no-op span outside a traced invocation", () => {
    expect(startActiveSpan("untraced", (span) => span)).toBe(NOOP_SPAN);
  });

  it("throws the startActiveSpan error for a non-function", () => {
    expect(() => startActiveSpan("x", null as unknown as () => void)).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: Failed to execute 'startActiveSpan' on 'Tracing': parameter 2 is not of type 'Function'.]`,
    );
  });
});
