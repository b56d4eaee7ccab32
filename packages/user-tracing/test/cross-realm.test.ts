import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { createSequentialIds, traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { tracing } from "../src/index";

// Worker code runs in a global scope of its own (a vm context): the promise its callback returns
// comes from another realm, and enterSpan must still end the span when it settles.

describe("enterSpan with a callback from another realm", () => {
  it("ends the span once the foreign promise settled, and returns it", async () => {
    const events: TailEvent[] = [];
    const order: string[] = [];
    let release!: () => void;
    const makePromise = runInNewContext("(hook) => new Promise((resolve) => hook(() => resolve('done')))") as (
      hook: (resolve: () => void) => void,
    ) => Promise<string>;
    await traceInvocation({ tail: events, ids: createSequentialIds(), kind: "test" }, async () => {
      const returned = tracing.enterSpan("foreign", () => makePromise((resolve) => (release = resolve)));
      order.push(`open spans: ${events.filter((e) => e.event.type === "spanClose").length}`);
      release();
      order.push(`result: ${await returned}`);
    });
    expect(order).toEqual(["open spans: 0", "result: done"]);
    const types = events.map((event) => event.event.type);
    expect(types.filter((type) => type === "spanClose")).toHaveLength(1);
    expect(types.indexOf("spanClose")).toBeLessThan(types.indexOf("outcome"));
  });
});
