import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index";
import { DurableObjectNamespace } from "../src/durable-objects";
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

async function runStore() {
  const config = fixtureConfig([
    service("main", "durable-objects/worker.js", {
      bindings: [
        { name: "store", durableObjectNamespace: "Store" },
        { name: "loader", durableObjectNamespace: "Loader" },
      ],
      durableObjectNamespaces: [
        { className: "Store", uniqueKey: "store" },
        { className: "Loader", uniqueKey: "loader" },
      ],
      durableObjectStorage: { inMemory: true },
      streamingTails: ["tail"],
    }),
    COLLECTOR,
  ]);
  const started = await start(config);
  runtime = started.runtime;
  const summary = await runtime.runTests();
  await drainTails();
  return summary;
}

describe(DurableObjectNamespace.name, () => {
  it("keeps storage in memory and reports each operation as a runtime span", async () => {
    const summary = await runStore();
    expect(summary.failed).toBe(0);
    const [storage] = results() as { storage: Record<string, unknown>; id: string; sameId: boolean }[];
    expect(storage!.sameId).toBe(true);
    expect(storage!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(storage!.storage).toEqual({
      stateKeys: ["storage", "id"],
      hasTracing: false,
      id: storage!.id,
      one: 1,
      many: [
        ["a", 1],
        ["c", 3],
      ],
      deleted: true,
      listed: [["c", 3]],
    });
    const fetch = invocations()[1]!;
    expect(fetch.onset.event).toMatchObject({
      type: "onset",
      executionModel: "durableObject",
      entrypoint: "Store",
      durableObjectId: storage!.id,
      info: { type: "fetch", method: "GET", url: "http://store/storage" },
    });
    expect(summarize(fetch.events)).toEqual([
      "onset fetch",
      "spanOpen durable_object_storage_put",
      "spanClose",
      "spanOpen durable_object_storage_put",
      "spanClose",
      "spanOpen durable_object_storage_get",
      "spanClose",
      "spanOpen durable_object_storage_get",
      "spanClose",
      "spanOpen durable_object_storage_delete",
      "spanClose",
      "spanOpen durable_object_storage_list",
      "spanClose",
      "return",
      "outcome ok",
    ]);
  });

  it("fires alarm() on time as its own invocation of the object, in a new trace", async () => {
    await runStore();
    const [, alarm] = results() as { alarm?: Record<string, unknown> }[];
    expect(alarm!.alarm).toEqual({
      pendingIsNumber: true,
      info: { scheduledTime: expect.any(Number), retryCount: 0, isRetry: false },
      after: null,
    });
    const all = invocations();
    const alarmInvocation = all.find(
      (invocation) => (invocation.onset.event as { info: { type: string } }).info.type === "alarm",
    )!;
    const fetchInvocation = all.find(
      (invocation) => (invocation.onset.event as { info: { url?: string } }).info.url === "http://store/alarm",
    )!;
    expect(alarmInvocation.onset.spanContext.spanId).toBeUndefined();
    expect(alarmInvocation.onset.spanContext.traceId).not.toBe(fetchInvocation.onset.spanContext.traceId);
    expect(alarmInvocation.onset.event).toMatchObject({
      type: "onset",
      executionModel: "durableObject",
      entrypoint: "Store",
      durableObjectId: (fetchInvocation.onset.event as { durableObjectId: string }).durableObjectId,
      info: { type: "alarm", scheduledTime: expect.any(Date) },
    });
    expect(summarize(alarmInvocation.events)).toEqual(["onset alarm", "spanOpen in-alarm", "spanClose", "outcome ok"]);
    expect(summarize(fetchInvocation.events)).toEqual([
      "onset fetch",
      "spanOpen durable_object_storage_setAlarm",
      "attributes cloudflare.durable_object.alarm.scheduled_time",
      "spanClose",
      "spanOpen durable_object_storage_getAlarm",
      "attributes cloudflare.durable_object.alarm.scheduled_time",
      "spanClose",
      "spanOpen durable_object_storage_getAlarm",
      "spanClose",
      "return",
      "outcome ok",
    ]);
  });

  it("closes the span of an object's first getAlarm() a turn later, when no alarm call came before", async () => {
    await runStore();
    const first = invocations().find(
      (invocation) =>
        (invocation.onset.event as { info: { url?: string } }).info.url === "http://store/first-alarm-read",
    )!;
    expect(summarize(first.events)).toEqual([
      "onset fetch",
      "spanOpen durable_object_storage_getAlarm",
      'log ["first getAlarm",null]',
      "spanClose",
      'log ["after a timer"]',
      "spanOpen durable_object_storage_getAlarm",
      "spanClose",
      'log ["second getAlarm",null]',
      "return",
      "outcome ok",
    ]);
  });

  it("wraps each stub fetch in a durable_object_subrequest span holding the object id", async () => {
    await runStore();
    const caller = invocations()[0]!;
    expect(summarize(caller.events).slice(0, 6)).toEqual([
      "onset custom",
      "spanOpen durable_object_subrequest",
      "spanOpen fetch",
      "attributes network.protocol.name,network.protocol.version,http.request.method,url.full,http.response.status_code,http.response.body.size",
      "spanClose",
      "attributes objectId",
    ]);
    const callee = invocations()[1]!;
    const fetchSpan = caller.events[2]!.event as { spanId: string };
    expect(callee.onset.spanContext).toEqual({ traceId: caller.onset.spanContext.traceId, spanId: fetchSpan.spanId });
  });

  it("holds events back while the constructor's blockConcurrencyWhile() runs", async () => {
    await runStore();
    expect(results()[2]).toEqual({ loader: "loaded before the first request: true" });
  });
});

describe("a Durable Object namespace bound by another service (serviceName)", () => {
  const owner = (tails: string[]) =>
    service("owner", "durable-objects/cross-owner.js", {
      durableObjectNamespaces: [{ className: "Counter", uniqueKey: "counter" }],
      durableObjectStorage: { inMemory: true },
      streamingTails: tails,
    });
  const caller = (tails: string[]) =>
    service("caller", "durable-objects/cross-caller.js", {
      bindings: [{ name: "COUNTER", durableObjectNamespace: { className: "Counter", serviceName: "owner" } }],
      streamingTails: tails,
    });

  it("runs the owner's objects, shared by every stub and id of the binding", async () => {
    const started = await start(fixtureConfig([caller([]), owner([]), COLLECTOR]));
    runtime = started.runtime;
    expect((await runtime.runTests()).failed).toBe(0);
    expect(results()).toEqual([{ first: 2, second: 5, text: "counter a /path", sameId: true }]);
  });

  it("reports the objects' invocations to the owner's tails, as children of the caller's spans", async () => {
    const started = await start(fixtureConfig([caller([]), owner(["tail"]), COLLECTOR]));
    runtime = started.runtime;
    expect((await runtime.runTests()).failed).toBe(0);
    await drainTails();
    // The caller has no tail: everything the collector got ran in the owner's objects.
    const objects = invocations();
    expect(objects.map(({ onset }) => onset.event)).toEqual(
      Array.from({ length: 3 }, () =>
        expect.objectContaining({ type: "onset", executionModel: "durableObject", entrypoint: "Counter" }),
      ),
    );
    expect(summarize(objects[0]!.events)).toContain("spanOpen count");

    resetRecords();
    await runtime.close();
    const both = await start(fixtureConfig([caller(["tail"]), owner(["tail"]), COLLECTOR]));
    runtime = both.runtime;
    expect((await runtime.runTests()).failed).toBe(0);
    await drainTails();
    const [test, ...rest] = invocations();
    expect(test!.onset.event).toMatchObject({ type: "onset", executionModel: "stateless", info: { type: "custom" } });
    const spanIds = new Set(
      test!.events.flatMap(({ event }) => (event.type === "spanOpen" ? [(event as { spanId: string }).spanId] : [])),
    );
    expect(rest).toHaveLength(3);
    for (const { onset } of rest) {
      expect(onset.spanContext.traceId).toBe(test!.onset.spanContext.traceId);
      expect(spanIds.has(onset.spanContext.spanId!)).toBe(true);
    }
  });
});
