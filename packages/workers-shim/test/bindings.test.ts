import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TailEvent } from "@workers-tracing/core-context";
import type { Runtime } from "../src/index";
import { createServiceBinding } from "../src/bindings/fetcher";
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

beforeEach(resetRecords);

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

async function runBindings() {
  const config = fixtureConfig(
    [
      service("main", "bindings/worker.js", {
        compatibilityFlags: ["service_binding_extra_handlers"],
        bindings: [
          { name: "self", service: "main" },
          { name: "api", service: { name: "main", entrypoint: "Api" } },
        ],
        streamingTails: ["tail"],
      }),
      COLLECTOR,
    ],
    true,
  );
  const started = await start(config);
  runtime = started.runtime;
  const summary = await runtime.runTests();
  await drainTails();
  return summary;
}

function attributesOf(events: readonly TailEvent[], spanId: string): unknown {
  const event = events.find((e) => e.event.type === "attributes" && e.spanContext.spanId === spanId);
  return (event?.event as { info?: unknown } | undefined)?.info;
}

function spanIdOf(events: readonly TailEvent[], name: string, nth = 0): string {
  const opens = events.filter((e) => e.event.type === "spanOpen" && (e.event as { name: string }).name === name);
  return (opens[nth]!.event as { spanId: string }).spanId;
}

function calleeOf(spanId: string) {
  return invocations().find((invocation) => invocation.onset.spanContext.spanId === spanId)!;
}

describe(createServiceBinding.name, () => {
  it("delivers fetch(), RPC, scheduled() and queue() and resolves what workerd resolves", async () => {
    const summary = await runBindings();
    expect(summary.failed).toBe(0);
    expect(results()).toEqual([
      { status: 201, text: "POST /echo hello" },
      { fetchError: "TypeError: fetch handler fails" },
      { sum: 5, answer: 42 },
      { rpcError: "RangeError: rpc method fails" },
      { rpcError: 'TypeError: The RPC receiver does not implement the method "missing".' },
      { cron: "*/5 * * * *", scheduledTime: 60000 },
      { scheduled: { outcome: "ok", noRetry: true } },
      { queue: "jobs", ids: ["m1", "m2"] },
      {
        queue: {
          outcome: "ok",
          ackAll: false,
          retryBatch: { retry: false },
          explicitAcks: ["m1"],
          retryMessages: [{ msgId: "m2", delaySeconds: 2 }],
        },
      },
    ]);
  });

  it("gives fetch() a runtime span with workerd's attributes and the callee a child invocation", async () => {
    await runBindings();
    const caller = invocations()[0]!;
    const callSpan = spanIdOf(caller.events, "call");
    const fetchSpan = spanIdOf(caller.events, "fetch");
    const open = caller.events.find(
      (e) => e.event.type === "spanOpen" && (e.event as { spanId: string }).spanId === fetchSpan,
    )!;
    expect(open.spanContext.spanId).toBe(callSpan);
    expect(attributesOf(caller.events, fetchSpan)).toEqual([
      { name: "network.protocol.name", value: "http" },
      { name: "network.protocol.version", value: "HTTP/1.1" },
      { name: "http.request.method", value: "POST" },
      { name: "url.full", value: "http://self/echo" },
      { name: "user_agent.original", value: "test-agent" },
      { name: "http.request.header.content-type", value: "text/plain;charset=UTF-8" },
      { name: "http.request.body.size", value: 5n },
      { name: "http.response.status_code", value: 201n },
      { name: "http.response.body.size", value: 16n },
      { name: "cloudflare.ray_id", value: "r1" },
    ]);
    const callee = calleeOf(fetchSpan);
    expect(callee.onset.spanContext.traceId).toBe(caller.onset.spanContext.traceId);
    expect(callee.onset.event).toMatchObject({
      info: {
        type: "fetch",
        method: "POST",
        url: "http://self/echo",
        headers: [
          { name: "content-type", value: "text/plain;charset=UTF-8" },
          { name: "user-agent", value: "test-agent" },
          { name: "x-other", value: "x" },
        ],
      },
    });
    const returned = callee.events.find((e) => e.event.type === "return")!;
    expect(returned.event).toEqual({ type: "return", info: { type: "fetch", statusCode: 201 } });
  });

  it("reports a throwing fetch handler as exception and outcome exception, and rejects the caller's fetch", async () => {
    await runBindings();
    const caller = invocations()[0]!;
    const failedSpan = spanIdOf(caller.events, "fetch", 1);
    expect(attributesOf(caller.events, failedSpan)).toEqual([
      { name: "network.protocol.name", value: "http" },
      { name: "network.protocol.version", value: "HTTP/1.1" },
      { name: "http.request.method", value: "GET" },
      { name: "url.full", value: "http://self/throw" },
    ]);
    expect(summarize(calleeOf(failedSpan).events)).toEqual([
      "onset fetch",
      "exception TypeError: fetch handler fails",
      "outcome exception",
    ]);
  });

  it("runs RPC methods as jsrpc invocations under the callee's current jsRpcCall span", async () => {
    await runBindings();
    const caller = invocations()[0]!;
    const callSpan = spanIdOf(caller.events, "jsRpcCall");
    expect(attributesOf(caller.events, callSpan)).toEqual([
      { name: "jsrpc.target_kind", value: "fetcher" },
      { name: "jsrpc.operation", value: "call" },
      { name: "jsrpc.method", value: "add" },
    ]);
    const callee = calleeOf(callSpan);
    expect(callee.onset.event).toMatchObject({ entrypoint: "Api", info: { type: "jsrpc" } });
    expect(summarize(callee.events)).toEqual([
      "onset jsrpc",
      "spanOpen jsRpcCall",
      "attributes jsrpc.method",
      "spanOpen adding",
      "spanClose",
      "attributes jsrpc.method,jsrpc.target_kind,jsrpc.operation,jsrpc.caller_span_id",
      "spanClose",
      "return",
      "outcome ok",
    ]);
    const calleeSpan = spanIdOf(callee.events, "jsRpcCall");
    const adding = callee.events.find(
      (e) => e.event.type === "spanOpen" && (e.event as { name: string }).name === "adding",
    )!;
    expect(adding.spanContext.spanId).toBe(calleeSpan);
    expect(attributesOf(callee.events, calleeSpan)).toContainEqual({ name: "jsrpc.caller_span_id", value: callSpan });
    const failing = calleeOf(spanIdOf(caller.events, "jsRpcCall", 2));
    expect(summarize(failing.events)).toEqual([
      "onset jsrpc",
      "spanOpen jsRpcCall",
      "attributes jsrpc.method",
      "attributes jsrpc.method,jsrpc.target_kind,jsrpc.operation,jsrpc.caller_span_id",
      "spanClose",
      "outcome ok",
    ]);
  });

  it("gives scheduled() and queue() runtime spans and invocations with their event info", async () => {
    await runBindings();
    const caller = invocations()[0]!;
    const scheduled = calleeOf(spanIdOf(caller.events, "scheduled"));
    expect(scheduled.onset.event).toMatchObject({
      info: { type: "scheduled", scheduledTime: new Date(60000), cron: "*/5 * * * *" },
    });
    expect(summarize(scheduled.events)).toEqual(["onset scheduled", "return", "outcome ok"]);
    const queue = calleeOf(spanIdOf(caller.events, "queue"));
    expect(queue.onset.event).toMatchObject({ info: { type: "queue", queueName: "jobs", batchSize: 2 } });
    expect(summarize(queue.events)).toEqual(["onset queue", "return", "outcome ok"]);
  });
});

describe("ctx.waitUntil", () => {
  it("holds the outcome back until the promise settled, after the return event", async () => {
    const config = fixtureConfig([
      service("main", "wait-until/worker.js", {
        bindings: [{ name: "self", service: "main" }],
        streamingTails: ["tail"],
      }),
      COLLECTOR,
    ]);
    const started = await start(config);
    runtime = started.runtime;
    await runtime.runTests();
    await drainTails();
    expect(results()).toEqual(["response: responded", "waitUntil work done"]);
    const callee = invocations()[1]!;
    expect(summarize(callee.events)).toEqual(["onset fetch", "return", 'log ["waitUntil work done"]', "outcome ok"]);
  });
});

describe("env", () => {
  it("makes bindings named like Object.prototype members ordinary bindings", async () => {
    const names = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];
    const config = fixtureConfig([
      service("main", "env-names/worker.js", { bindings: names.map((name) => ({ name, text: `value of ${name}` })) }),
    ]);
    runtime = (await start(config)).runtime;
    const response = await runtime.dispatchFetch("main", "http://localhost/");
    expect(await response.json()).toEqual({
      keys: names,
      values: names.map((name) => `value of ${name}`),
      plainPrototype: true,
    });
  });
});
