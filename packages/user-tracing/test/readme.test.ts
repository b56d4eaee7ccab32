import { describe, expect, it, vi } from "vitest";
import { traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";

describe("README", () => {
  it("runs the example", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    // --- example from README.md, verbatim ---
    const events: TailEvent[] = [];
    await traceInvocation({ tail: events }, async () => {
      const total = await tracing.enterSpan("checkout", async (span) => {
        span.setAttributes({ items: 2, coupon: false });
        return tracing.enterSpan("price", () => 42); // a child of "checkout"
      }); // both spans are ended for you
      console.log("total", total);
    });
    console.log(events.map((e) => e.event.type).join(" "));
    // --- end of example ---
    expect(log).toHaveBeenNthCalledWith(1, "total", 42);
    expect(log).toHaveBeenNthCalledWith(2, "onset spanOpen spanOpen spanClose attributes spanClose return outcome");
  });
});
