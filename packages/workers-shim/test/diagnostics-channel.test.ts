import { AsyncLocalStorage } from "node:async_hooks";
import * as nodeChannels from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createSequentialIds,
  IoContext,
  runInInvocation,
  type TailEvent,
  toTailSink,
} from "@workers-tracing/core-context";
import type { Runtime } from "../src/index";
import { createDiagnosticsChannelModule } from "../src/node-builtins/diagnostics-channel";
import { BUILTIN_OVERRIDES } from "../src/node-builtins/index";
import { COLLECTOR, drainTails, fixtureConfig, invocations, resetRecords, results, service, start } from "./helpers";

type Module = ReturnType<typeof createDiagnosticsChannelModule>;
type Channel = {
  publish(...args: unknown[]): void;
  subscribe(fn: (message: unknown, name: unknown) => void): void;
  unsubscribe(fn: unknown): void;
  hasSubscribers: boolean;
  bindStore(als: AsyncLocalStorage<unknown>, transform?: (m: unknown) => unknown): void;
  runStores<R>(message: unknown, fn: () => R): R;
};
type TracingChannel = {
  traceSync<R>(fn: () => R, context?: object): R;
  tracePromise<R>(fn: () => Promise<R>, context?: object): Promise<R>;
  traceCallback(
    fn: (...args: unknown[]) => unknown,
    position: number,
    context: object,
    thisArg: unknown,
    ...args: unknown[]
  ): unknown;
  hasSubscribers: boolean;
  subscribe(handlers: Record<string, (m: unknown) => void>): void;
};

function channelOf(mod: Module, name: string): Channel {
  return (mod.channel as (name: string) => Channel)(name);
}

/** Runs `fn` inside a traced test invocation and returns the diagnosticChannel events it reported. */
function published(fn: () => void): { channel: string; message: unknown }[] {
  const events: TailEvent[] = [];
  const invocation = new IoContext({ ids: createSequentialIds() }).startInvocation({
    kind: "test",
    sink: toTailSink(events),
  });
  runInInvocation(invocation, fn);
  return events
    .map((e) => e.event)
    .filter((e) => e.type === "diagnosticChannel")
    .map((e) => ({ channel: e.channel, message: e.message }));
}

describe(createDiagnosticsChannelModule.name, () => {
  it("has workerd's exports: the namespace adds TracingChannel to the default export's members", () => {
    const mod = createDiagnosticsChannelModule();
    expect(Object.keys(mod).sort()).toEqual([
      "Channel",
      "TracingChannel",
      "channel",
      "default",
      "hasSubscribers",
      "subscribe",
      "tracingChannel",
      "unsubscribe",
    ]);
    expect(Object.keys(mod.default as object).sort()).toEqual([
      "Channel",
      "channel",
      "hasSubscribers",
      "subscribe",
      "tracingChannel",
      "unsubscribe",
    ]);
    expect(BUILTIN_OVERRIDES.diagnostics_channel).toBe(createDiagnosticsChannelModule);
  });

  it("reports every publish, subscribed or not, after the subscribers ran", () => {
    const mod = createDiagnosticsChannelModule();
    const order: string[] = [];
    const events = published(() => {
      channelOf(mod, "quiet").publish(1);
      channelOf(mod, "loud").subscribe((message, name) => order.push(`${String(name)}:${String(message)}`));
      channelOf(mod, "loud").publish("m");
      order.push("after publish");
    });
    expect(events).toEqual([
      { channel: "quiet", message: 1 },
      { channel: "loud", message: "m" },
    ]);
    expect(order).toEqual(["loud:m", "after publish"]);
  });

  it("throws workerd's TypeError for publish() without a message and reports nothing", () => {
    const mod = createDiagnosticsChannelModule();
    const heard: unknown[] = [];
    channelOf(mod, "c").subscribe((m) => heard.push(m));
    const events = published(() => {
      expect(() => channelOf(mod, "c").publish()).toThrow(
        new TypeError("Failed to execute 'publish' on 'Channel': parameter 1 is not of type 'Value'."),
      );
      channelOf(mod, "c").publish(undefined);
    });
    expect(heard).toEqual([undefined]);
    expect(events).toEqual([{ channel: "c", message: undefined }]);
  });

  it("lets a throwing subscriber's error out of publish(), without an event", () => {
    const mod = createDiagnosticsChannelModule();
    channelOf(mod, "c").subscribe(() => {
      throw new Error("subscriber failed");
    });
    const events = published(() => expect(() => channelOf(mod, "c").publish(1)).toThrow("subscriber failed"));
    expect(events).toEqual([]);
  });

  it("refuses new Channel(), caches channels by name, and has no name property", () => {
    const mod = createDiagnosticsChannelModule();
    const ChannelClass = mod.Channel as new (name: string) => object;
    expect(() => new ChannelClass("x")).toThrow(new TypeError("Illegal constructor"));
    const a = channelOf(mod, "x");
    expect(channelOf(mod, "x")).toBe(a);
    expect(a).toBeInstanceOf(ChannelClass);
    expect((a as { name?: unknown }).name).toBeUndefined();
    expect(() => (mod.channel as (n: unknown) => unknown)(1)).toThrow(TypeError);
  });

  it("tracks subscribers; unsubscribe returns nothing", () => {
    const mod = createDiagnosticsChannelModule();
    const hasSubscribers = mod.hasSubscribers as (name: string) => boolean;
    const subscriber = (): void => {};
    expect(hasSubscribers("c")).toBe(false);
    (mod.subscribe as (n: string, f: unknown) => void)("c", subscriber);
    expect(hasSubscribers("c")).toBe(true);
    expect(channelOf(mod, "c").hasSubscribers).toBe(true);
    expect((mod.unsubscribe as (n: string, f: unknown) => unknown)("c", subscriber)).toBeUndefined();
    expect(hasSubscribers("c")).toBe(false);
    expect(() => channelOf(mod, "c").subscribe("not a function" as never)).toThrow(TypeError);
  });

  it("keeps the channels of two workers (two factory calls) and Node's own apart", () => {
    const first = createDiagnosticsChannelModule();
    const second = createDiagnosticsChannelModule();
    const heard: unknown[] = [];
    channelOf(second, "shared").subscribe((m) => heard.push(m));
    const nodeHeard: unknown[] = [];
    const nodeSubscriber = (m: unknown): void => void nodeHeard.push(m);
    nodeChannels.subscribe("shared", nodeSubscriber);
    try {
      published(() => channelOf(first, "shared").publish("from first"));
      nodeChannels.channel("shared").publish("from node");
    } finally {
      nodeChannels.unsubscribe("shared", nodeSubscriber);
    }
    expect(heard).toEqual([]);
    expect(nodeHeard).toEqual(["from node"]);
  });

  it("publishes a TracingChannel's events as workerd does, subscribers or not", async () => {
    const mod = createDiagnosticsChannelModule();
    const tc = (mod.tracingChannel as (name: string) => TracingChannel)("op");
    expect(Object.keys(tc)).toEqual([]);
    expect(tc.hasSubscribers).toBe(false);
    const events: { channel: string; message: unknown }[] = [];
    const events1 = published(() => {
      expect(tc.traceSync(() => 42, { q: 1 })).toBe(42);
      expect(() =>
        tc.traceSync(
          () => {
            throw new RangeError("sync failure");
          },
          { q: 2 },
        ),
      ).toThrow(RangeError);
    });
    events.push(...events1);
    expect(events.map((e) => e.channel)).toEqual([
      "tracing:op:start",
      "tracing:op:end",
      "tracing:op:start",
      "tracing:op:error",
      "tracing:op:end",
    ]);
    expect(events[1]!.message).toEqual({ q: 1, result: 42 });
    expect(events[3]!.message).toMatchObject({ q: 2, error: expect.any(RangeError) });

    let promise: Promise<unknown> | undefined;
    const before = published(() => {
      promise = tc.tracePromise(async () => 7, { q: 3 });
    });
    expect(before).toEqual([
      { channel: "tracing:op:start", message: { q: 3 } },
      { channel: "tracing:op:end", message: { q: 3 } },
    ]);
    await expect(promise).resolves.toBe(7);
  });

  it("wraps a callback with traceCallback and binds stores with runStores", () => {
    const mod = createDiagnosticsChannelModule();
    const tc = (mod.tracingChannel as (name: string) => TracingChannel)("cb");
    const seen: string[] = [];
    tc.subscribe({ asyncStart: () => seen.push("asyncStart"), asyncEnd: () => seen.push("asyncEnd") });
    const result = tc.traceCallback(
      (value: unknown, done: unknown) => (done as (e: unknown, r: unknown) => unknown)(null, value),
      -1,
      {},
      undefined,
      5,
      (err: unknown, value: unknown) => {
        seen.push(`callback ${String(err)} ${String(value)}`);
        return "called";
      },
    );
    expect(result).toBe("called");
    expect(seen).toEqual(["asyncStart", "callback null 5", "asyncEnd"]);

    const als = new AsyncLocalStorage<unknown>();
    const c = channelOf(mod, "stores");
    c.bindStore(als, (message) => ({ wrapped: message }));
    expect(c.hasSubscribers).toBe(true);
    expect(c.runStores("m", () => als.getStore())).toEqual({ wrapped: "m" });
  });
});

describe("node:diagnostics_channel in a worker", () => {
  let runtime: Runtime | undefined;
  beforeEach(resetRecords);
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
  });

  it("is the shim's module under nodejs_compat, private to the worker, and missing without it", async () => {
    const config = fixtureConfig(
      [
        service("main", "events/diagnostics.js", { compatibilityFlags: ["nodejs_compat"], streamingTails: ["tail"] }),
        service("other", "events/diagnostics-other.js", { compatibilityFlags: ["nodejs_compat"] }),
        service("plain", "events/diagnostics-no-compat.js", { compatibilityDate: "2026-06-01" }),
        COLLECTOR,
      ],
      true,
    );
    runtime = (await start(config)).runtime;
    const summary = await runtime.runTests();
    await drainTails();
    expect(summary.failed).toBe(0);
    expect(results()).toEqual([
      { received: [["watched", "inside"]], sameModule: true, undiciSeen: false },
      { otherHeard: [] },
      'Error: No such module "node:diagnostics_channel".',
    ]);
    const main = invocations()[0]!.events;
    const spanId = (main.find((e) => e.event.type === "spanOpen")!.event as { spanId: string }).spanId;
    const diagnostics = main.filter((e) => e.event.type === "diagnosticChannel");
    expect(diagnostics.map((e) => [e.event, e.spanContext.spanId === spanId])).toEqual([
      [{ type: "diagnosticChannel", channel: "nobody", message: { n: 1 } }, false],
      [{ type: "diagnosticChannel", channel: "watched", message: "inside" }, true],
      [{ type: "diagnosticChannel", channel: "tracing:op:start", message: { q: 1 } }, false],
      [{ type: "diagnosticChannel", channel: "tracing:op:end", message: { q: 1, result: 1 } }, false],
    ]);
  });
});
