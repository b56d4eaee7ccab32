import { createSequentialIds, formatEventTree, traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import { describe, expect, it } from "vitest";
import { TERMINAL_TREE_STYLE } from "../src/index";

// eslint-disable-next-line no-control-regex -- ESC starts every SGR escape
const SGR = /\u001b\[[\d;]+m/g;

async function sampleEvents(): Promise<TailEvent[]> {
  const events: TailEvent[] = [];
  await traceInvocation({ tail: events, ids: createSequentialIds(), kind: "fetch" }, () => {
    tracing.enterSpan("load", (span) => span.setAttribute("rows", 3));
    console.warn("slow");
    tracing.startSpan("left-open");
  });
  return events;
}

describe("TERMINAL_TREE_STYLE", () => {
  it("colours an event tree with SGR escapes and leaves its text as the plain tree's", async () => {
    const events = await sampleEvents();
    const coloured = formatEventTree(events, { style: TERMINAL_TREE_STYLE });
    expect(coloured.replace(SGR, "")).toBe(formatEventTree(events));
    expect(coloured).toContain("\u001b[1mload\u001b[22m");
    expect(coloured).toContain("\u001b[36mrows\u001b[39m=3");
    expect(coloured).toContain("\u001b[32mok\u001b[39m");
  });

  it("is frozen", () => {
    expect(Object.isFrozen(TERMINAL_TREE_STYLE)).toBe(true);
  });
});
