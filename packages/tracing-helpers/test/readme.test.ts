import { describe, expect, it, vi } from "vitest";
import { traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import { withSpan } from "@workers-tracing/tracing-helpers";

describe("README", () => {
  it("runs the example", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    // --- example from README.md, verbatim ---
    const events: TailEvent[] = [];
    await traceInvocation({ tail: events }, async () => {
      const rows = withSpan("read-rows", async function* (span) {
        span.setAttribute("table", "orders");
        for (const id of [1, 2]) yield await tracing.enterSpan("fetch-row", async () => ({ id }));
      }); // the span stays open until the loop below ends, and is ended for you
      for await (const row of rows) console.log("row", row.id);
    });
    console.log(events.map((e) => e.event.type).join(" "));
    // --- end of example ---
    expect(log.mock.calls).toEqual([
      ["row", 1],
      ["row", 2],
      ["onset spanOpen spanOpen spanClose spanOpen spanClose attributes spanClose return outcome"],
    ]);
    const [, outer, first, , second] = events;
    expect(first!.spanContext.spanId).toBe((outer!.event as { spanId: string }).spanId);
    expect(second!.spanContext.spanId).toBe((outer!.event as { spanId: string }).spanId);
  });
});
