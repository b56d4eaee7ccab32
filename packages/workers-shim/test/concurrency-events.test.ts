import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TailEvent } from "@workers-tracing/core-context";
import type { Runtime } from "../src/index";
import {
  COLLECTOR,
  drainTails,
  events,
  fixtureConfig,
  invocations,
  resetRecords,
  results,
  service,
  start,
  summarize,
} from "./helpers";

beforeEach(resetRecords);

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

async function run() {
  const config = fixtureConfig(
    [
      service("main", "events/do-concurrent.js", {
        bindings: [
          { name: "objects", durableObjectNamespace: "Room" },
          { name: "middle", service: { name: "main", entrypoint: "Middle" } },
          { name: "leaf", service: { name: "main", entrypoint: "Leaf" } },
        ],
        durableObjectNamespaces: [{ className: "Room", uniqueKey: "room" }],
        durableObjectStorage: { inMemory: true },
        streamingTails: ["tail"],
      }),
      COLLECTOR,
    ],
    true,
  );
  runtime = (await start(config)).runtime;
  const summary = await runtime.runTests();
  await drainTails();
  expect(summary.failed).toBe(0);
  return invocations();
}

const names = (events: readonly TailEvent[]): string[] =>
  summarize(events).filter((line) => !line.startsWith("attributes"));

describe("a Durable Object receiving two requests before it started", () => {
  it("reports the constructor and both handlers' spans and logs to the newer invocation", async () => {
    const [, first, second] = await run();
    expect(results().slice(0, 2)).toEqual([["A", "B"], "body of /late-read"]);
    expect(names(first!.events)).toEqual(["onset jsrpc", "return", "outcome ok"]);
    expect(names(second!.events)).toEqual([
      "onset jsrpc",
      'log ["constructor"]',
      "spanOpen jsRpcCall",
      "spanOpen visit-A",
      "spanOpen jsRpcCall",
      "spanOpen visit-B",
      'log ["B","done"]',
      "spanClose",
      "spanClose",
      "return",
      'log ["A","done"]',
      "spanClose",
      "spanClose",
      // The outcome waits until the object's other handler (A) has finished too.
      "outcome ok",
    ]);
  });

  it("reports an object's fetch return once the caller has read the body", async () => {
    const all = await run();
    const fetch = all.find(
      (invocation) => (invocation.onset.event as { info: { type: string } }).info.type === "fetch",
    )!;
    const ret = fetch.events.find((e) => e.event.type === "return")!;
    const reading = all[0]!.events.find(
      (e) => e.event.type === "log" && (e.event.message as unknown[])[0] === "reading",
    )!;
    // The caller waits 20 ms before it reads: the return arrives after its "reading" log.
    expect(events().indexOf(ret)).toBeGreaterThan(events().indexOf(reading));
  });
});

describe("a failing RPC method that made a nested RPC call", () => {
  it("closes its jsRpcCall span after the nested call's spans, then reports the outcome", async () => {
    const all = await run();
    expect(results()[2]).toBe("Error: leaf failed");
    const middle = all.find(
      (invocation) => invocation.onset.event.type === "onset" && invocation.onset.event.entrypoint === "Middle",
    )!;
    const events = middle.events;
    const span = (name: string): string =>
      (events.find((e) => e.event.type === "spanOpen" && e.event.name === name)!.event as { spanId: string }).spanId;
    const closes = events.filter((e) => e.event.type === "spanClose").map((e) => e.spanContext.spanId);
    const own = (
      events.filter((e) => e.event.type === "spanOpen" && e.event.name === "jsRpcCall")[0]!.event as { spanId: string }
    ).spanId;
    const nestedCall = (
      events.filter((e) => e.event.type === "spanOpen" && e.event.name === "jsRpcCall")[1]!.event as { spanId: string }
    ).spanId;
    expect(closes).toEqual([span("middle-span"), nestedCall, span("jsRpcSession"), own]);
    expect(names(events).slice(-2)).toEqual(["spanClose", "outcome ok"]);
  });
});

describe("a request reaching a Durable Object while blockConcurrencyWhile() holds it", () => {
  it("is delivered at once; the blocking handler's later logs go to its stream", async () => {
    const config = fixtureConfig(
      [
        service("main", "events/do-block.js", {
          bindings: [{ name: "objects", durableObjectNamespace: "Room" }],
          durableObjectNamespaces: [{ className: "Room", uniqueKey: "room" }],
          durableObjectStorage: { inMemory: true },
          streamingTails: ["tail"],
        }),
        COLLECTOR,
      ],
      true,
    );
    runtime = (await start(config)).runtime;
    expect((await runtime.runTests()).failed).toBe(0);
    await drainTails();
    const [, , first, second] = invocations();
    expect(names(first!.events)).toEqual([
      "onset jsrpc",
      "spanOpen jsRpcCall",
      'log ["A","start"]',
      "spanClose",
      "return",
      "outcome ok",
    ]);
    expect(names(second!.events)).toEqual([
      "onset jsrpc",
      'log ["A after block"]',
      "spanOpen jsRpcCall",
      'log ["B","start"]',
      "spanClose",
      "return",
      "outcome ok",
    ]);
  });
});
