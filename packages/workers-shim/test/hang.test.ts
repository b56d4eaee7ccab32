import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HANG_MESSAGE } from "../src/hang";
import { createRuntime, type Runtime } from "../src/index";
import {
  COLLECTOR,
  drainTails,
  fixtureConfig,
  invocations,
  resetRecords,
  results,
  service,
  start,
  summarize,
} from "./helpers";

const HANG = `exception Error: ${HANG_MESSAGE}`;

const MAIN = service("main", "hang/worker.js", {
  bindings: [
    { name: "self", service: "main" },
    { name: "SLOW", durableObjectNamespace: "Slow" },
  ],
  durableObjectNamespaces: [{ className: "Slow", uniqueKey: "slow" }],
  durableObjectStorage: { inMemory: true },
  streamingTails: ["tail"],
});

let runtime: Runtime | undefined;

afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

async function open(): Promise<Runtime> {
  resetRecords();
  runtime = (await start(fixtureConfig([MAIN, COLLECTOR]))).runtime;
  return runtime;
}

/** The invocations whose onset URL ends with `path`, summarised. */
function eventsOf(path: string): string[][] {
  return invocations()
    .filter((group) => ((group.onset.event as { info?: { url?: string } }).info?.url ?? "").endsWith(path))
    .map((group) => summarize(group.events));
}

describe("hung requests", () => {
  it("fails a hung test() with workerd's error and runs the later tests", async () => {
    const rt = await open();
    const summary = await rt.runTests();
    expect(summary.results.map((r) => [r.name, r.passed, r.passed ? undefined : (r.error as Error).message])).toEqual([
      ["main", false, HANG_MESSAGE],
      ["main:afterHang", true, undefined],
      ["main:waitUntilHang", false, HANG_MESSAGE],
    ]);
    expect(results()).toEqual(["afterHang ran"]);
    await drainTails();
    // As in workerd: no `exception` for a test(), the open span closed, outcome "ok".
    expect(invocations().map((group) => summarize(group.events))).toEqual([
      ["onset custom", "spanOpen first", 'log ["after the timer"]', "spanClose", "outcome ok"],
      ["onset custom", "outcome ok"],
      ["onset custom", "outcome ok"],
    ]);
  });

  it("rejects a hung fetch with workerd's error, reports it, and serves later requests", async () => {
    const rt = await open();
    await expect(rt.dispatchFetch("main", "http://main/hang")).rejects.toThrow(HANG_MESSAGE);
    await expect(rt.dispatchFetch("main", "http://main/span")).rejects.toThrow(HANG_MESSAGE);
    const fine = await rt.dispatchFetch("main", "http://main/fine");
    expect(await fine.text()).toBe("fine");
    await drainTails();
    expect(eventsOf("/hang")).toEqual([["onset fetch", 'log ["hangs"]', HANG, "outcome exception"]]);
    // The exception comes first, then the open span closes, then the outcome.
    expect(eventsOf("/span")).toEqual([["onset fetch", "spanOpen open", HANG, "spanClose", "outcome exception"]]);
  });

  it("counts crypto work as pending, then cancels the handler once it is done", async () => {
    const rt = await open();
    await expect(rt.dispatchFetch("main", "http://main/digest")).rejects.toThrow(HANG_MESSAGE);
    await drainTails();
    expect(eventsOf("/digest")).toEqual([["onset fetch", 'log ["digest",32]', HANG, "outcome exception"]]);
  });

  it("reports a hung waitUntil as an exception with outcome ok", async () => {
    const rt = await open();
    const response = await rt.dispatchFetch("main", "http://main/wait-until");
    expect(await response.text()).toBe("answered");
    await drainTails();
    expect(eventsOf("/wait-until")).toEqual([["onset fetch", "return", HANG, "outcome ok"]]);
  });

  it("rejects the caller's fetch and RPC call when the callee hangs", async () => {
    const rt = await open();
    await expect(rt.dispatchFetch("main", "http://main/hung-callee")).rejects.toThrow(HANG_MESSAGE);
    await drainTails();
    expect(eventsOf("/hang")).toEqual([["onset fetch", 'log ["hangs"]', HANG, "outcome exception"]]);
    const caller = eventsOf("/hung-callee")[0]!;
    expect(caller.slice(-2)).toEqual([HANG, "outcome exception"]);
    expect(caller.indexOf("spanClose")).toBeLessThan(caller.indexOf(HANG));
  });

  it.for(["/timers", "/interval", "/file", "/slow-callee", "/slow-body"])(
    "does not cancel %s, which is slow but not hung",
    async (path) => {
      const rt = await open();
      const response = await rt.dispatchFetch("main", `http://main${path}`);
      expect(response.status).toBe(200);
      expect(await response.text()).not.toBe("");
      await drainTails();
      expect(
        invocations()
          .flatMap((group) => summarize(group.events))
          .filter((line) => line.startsWith("exception")),
      ).toEqual([]);
    },
  );

  it("does not cancel a handler waiting for a global fetch() response", async () => {
    let release: () => void = () => {};
    const server = createServer((_request, response) => {
      release = () => response.end("from the network");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const rt = await open();
      const { port } = server.address() as AddressInfo;
      const pending = rt.dispatchFetch(
        "main",
        `http://main/outbound?to=${encodeURIComponent(`http://127.0.0.1:${port}/`)}`,
      );
      // Many turns of the event loop while the response is outstanding.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 2));
      release();
      expect(await (await pending).text()).toBe("from the network");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("fails a test that exceeds timeoutMs with an error naming it and the limit, then runs the next", async () => {
    resetRecords();
    const { loadConfig } = await import("../src/index");
    runtime = await createRuntime(loadConfig(new URL("./fixtures/hang/objects.json", import.meta.url).pathname), {
      onWarning: () => {},
    });
    const summary = await runtime.runTests({ timeoutMs: 30 });
    expect(summary.results.map((r) => [r.name, r.passed, r.passed ? undefined : (r.error as Error).message])).toEqual([
      ["objects", false, 'workers-shim: test "objects" did not finish within 30 ms (the test time limit).'],
      ["objects:later", true, undefined],
    ]);
    expect(results()).toEqual(["later ran"]);
  });

  it.for([0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("rejects timeoutMs %s", async (timeoutMs) => {
    const rt = await open();
    await expect(rt.runTests({ timeoutMs })).rejects.toThrow(
      `runTests(): timeoutMs must be a positive integer of milliseconds, received ${String(timeoutMs)}.`,
    );
  });
});

describe("predictable", () => {
  it("exposes gc() to workers only with predictable: true, and removes it at close", async () => {
    const hadGc = Object.prototype.hasOwnProperty.call(globalThis, "gc");
    const config = fixtureConfig([service("p", "hang/predictable.js")]);
    resetRecords();
    runtime = await createRuntime(config, { predictable: true, onWarning: () => {} });
    await runtime.runTests();
    expect(results()).toEqual([["gc", undefined]]);
    await runtime.close();
    runtime = undefined;
    expect(Object.prototype.hasOwnProperty.call(globalThis, "gc")).toBe(hadGc);
    if (!hadGc) {
      resetRecords();
      runtime = await createRuntime(config, { onWarning: () => {} });
      await runtime.runTests();
      expect(results()).toEqual([["no gc"]]);
    }
  });
});
