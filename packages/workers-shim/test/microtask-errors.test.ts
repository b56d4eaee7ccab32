import { afterEach, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index";
import { reportMicrotaskError } from "../src/process-errors";
import { COLLECTOR, drainTails, fixtureConfig, invocations, resetRecords, service, start, summarize } from "./helpers";

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe(reportMicrotaskError.name, () => {
  // Found by the hostile-value fuzz tests (counterexample: a 1000-deep nested array thrown from
  // a microtask): the error was printed but reported to no invocation, because Node.js has left
  // the callback's async context when it emits `uncaughtException` for a microtask. workerd
  // 1.20261123.1 reports each such value as below.
  it("reports values thrown from queueMicrotask() callbacks as exceptions of their request", async () => {
    resetRecords();
    const started = await start(
      fixtureConfig([service("main", "microtask/worker.js", { streamingTails: ["tail"] }), COLLECTOR]),
    );
    runtime = started.runtime;
    const response = await runtime.dispatchFetch("main", "http://main/");
    expect(await response.text()).toBe("survived");
    await drainTails();
    const [request] = invocations();
    const exceptions = request!.events.flatMap((event) => (event.event.type === "exception" ? [event.event] : []));
    expect(exceptions.map(({ name }) => name)).toEqual(Array(8).fill("Error"));
    expect(
      exceptions.map(({ message }) =>
        message.length > 100 ? `${message.slice(0, 3)}… (${Buffer.byteLength(message)} bytes)` : message,
      ),
    ).toEqual([
      "TypeError: thrown from a microtask",
      "no stack",
      "a string",
      "42",
      "#<Object>",
      "[object Array]",
      // Name and message together fit in 256 KiB.
      "xxx… (262139 bytes)",
      "from a reaction",
    ]);
    expect(summarize(request!.events).slice(-2)).toEqual(["return", "outcome ok"]);
    expect(started.warnings).toHaveLength(8);
    expect(started.warnings[0]).toBe("Uncaught exception: TypeError: thrown from a microtask");
  });
});
