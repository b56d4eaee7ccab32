import { describe, expect, it, vi } from "vitest";
import { currentUserSpan, traceInvocation, type TailEvent } from "@workers-tracing/core-context";

describe("README", () => {
  it("runs the example", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    // --- example from README.md, verbatim ---
    const events: TailEvent[] = [];
    await traceInvocation({ tail: events }, async () => {
      const span = currentUserSpan()!.startChild("load"); // a runtime span, as a runtime would open one
      span.setAttribute("rows", 3n);
      await new Promise((resolve) => setTimeout(resolve, 1));
      span.end();
    });
    console.log(events.map((e) => e.event.type).join(" "));
    // --- end of example ---
    expect(log).toHaveBeenCalledWith("onset spanOpen attributes spanClose return outcome");
  });
});
