import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index";
import { COLLECTOR, drainTails, fixtureConfig, invocations, resetRecords, service, start, summarize } from "./helpers";

beforeEach(resetRecords);

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

async function run(): Promise<void> {
  const config = fixtureConfig([
    service("main", "fetch-body/worker.js", {
      bindings: [{ name: "self", service: "main" }],
      streamingTails: ["tail"],
    }),
    COLLECTOR,
  ]);
  const started = await start(config);
  runtime = started.runtime;
  const summary = await runtime.runTests();
  expect(summary.failed).toBe(0);
  await drainTails();
}

/** The callee invocations, by the path they handled. */
function callees(): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const invocation of invocations().slice(1)) {
    const url = (invocation.onset.event as { info: { url: string } }).info.url;
    byPath.set(new URL(url).pathname, summarize(invocation.events));
  }
  return byPath;
}

describe("service binding fetch() responses", () => {
  it("closes the caller's fetch span a turn after the response arrived, before the body is read", async () => {
    await run();
    const caller = summarize(invocations()[0]!.events);
    expect(caller.slice(0, 7)).toEqual([
      "onset custom",
      "spanOpen fetch",
      'log ["resumed"]',
      'log ["after a microtask"]',
      "attributes network.protocol.name,network.protocol.version,http.request.method,url.full,http.response.status_code",
      "spanClose",
      'log ["read","one two"]',
    ]);
  });

  it("reports the callee's return for a body read to the end and for no body", async () => {
    await run();
    const byPath = callees();
    expect(byPath.get("/stream")).toEqual(["onset fetch", 'log ["callee","/stream"]', "return", "outcome ok"]);
    expect(byPath.get("/empty")).toEqual(["onset fetch", 'log ["callee","/empty"]', "return", "outcome ok"]);
  });

  it("reports no return for a body the caller cancelled or left unread, and still ends the callee", async () => {
    await run();
    const byPath = callees();
    expect(byPath.get("/cancelled")).toEqual(["onset fetch", 'log ["callee","/cancelled"]', "outcome ok"]);
    expect(byPath.get("/unread")).toEqual(["onset fetch", 'log ["callee","/unread"]', "outcome ok"]);
  });
});
