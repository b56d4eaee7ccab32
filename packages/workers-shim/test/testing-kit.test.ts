import { createSequentialIds, reportLog, traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, traceMatchers, traceSnapshotSerializer, traceTree, type TestRuntime } from "../src/index";
import { fixtureConfig, service } from "./helpers";
import "../src/vitest";

async function plainNodeTrace(): Promise<TailEvent[]> {
  const events: TailEvent[] = [];
  await traceInvocation({ tail: events, ids: createSequentialIds(), kind: "fetch" }, () => {
    tracing.enterSpan("outer", (span) => {
      span.setAttribute("k", "v");
      tracing.enterSpan("inner", () => reportLog("warn", ["careful"]));
      span.setStatus({ code: "error", message: "bad" });
    });
    tracing.startSpan("dangling");
  });
  return events;
}

describe(traceTree.name, () => {
  it("nests spans, keeps their attributes, status and events, and marks open ones", async () => {
    const tree = traceTree(await plainNodeTrace());
    expect(tree.roots).toHaveLength(1);
    const root = tree.roots[0]!;
    expect(root).toMatchObject({ kind: "invocation", name: "custom", outcome: "ok", open: false });
    expect(root.children.map((span) => span.name)).toEqual(["outer", "dangling"]);
    const outer = tree.find("outer")!;
    expect(outer).toMatchObject({ kind: "span", attributes: { k: "v" }, status: { code: "error", message: "bad" } });
    expect(outer.children.map((span) => span.name)).toEqual(["inner"]);
    expect(tree.find("inner")!.events).toEqual([expect.objectContaining({ type: "log", level: "warn" })]);
    // A stateless invocation closes what was left open, at its end.
    expect(tree.openSpans()).toEqual([]);
    expect(tree.findAll("nothing")).toEqual([]);
    expect(tree.spans().map((span) => span.name)).toEqual(["custom", "outer", "inner", "dangling"]);
  });

  it("prints the tree without durations", async () => {
    expect(traceTree(await plainNodeTrace()).toString()).toMatchInlineSnapshot(`
      "custom  ok
      ├─ outer  status=error("bad")  k="v"
      │  └─ inner
      │     └─ log: [warn] careful
      ├─ dangling
      └─ return"
    `);
  });

  it("keeps an invocation without outcome open", () => {
    const onset = {
      spanContext: { traceId: "t" },
      invocationId: "i",
      timestamp: new Date(0),
      sequence: 0,
      event: { type: "onset", executionModel: "stateless", spanId: "a", scriptTags: [], info: { type: "custom" } },
    } as TailEvent;
    const tree = traceTree([onset]);
    expect(tree.openSpans().map((span) => span.name)).toEqual(["custom"]);
  });

  it("refuses what is not an array of events", () => {
    expect(() => traceTree("events" as never)).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: workers-shim: traceTree() expects an array of tail events, received string "events".]`,
    );
  });
});

describe("traceMatchers", () => {
  it("pass and fail with messages that name what is there", async () => {
    const tree = traceTree(await plainNodeTrace());
    expect(traceMatchers.toHaveSpan(tree, "outer", { attributes: { k: "v" } }).pass).toBe(true);
    const wrongValue = traceMatchers.toHaveSpan(tree, "outer", { attributes: { k: "w" } });
    expect(wrongValue.pass).toBe(false);
    expect(wrongValue.message()).toBe(
      'expected a span "outer" with attributes {"k":"w"}; its attributes are {"k":"v"}',
    );
    const missing = traceMatchers.toHaveSpan(tree, "nope");
    expect(missing.message()).toBe('expected a span "nope"; the trace has "custom", "outer", "inner", "dangling"');

    const shape = {
      name: "custom",
      children: [{ name: "outer", children: [{ name: "inner" }] }, { name: "dangling" }],
    };
    expect(traceMatchers.toHaveSpanTree(tree, shape).pass).toBe(true);
    const wrong = traceMatchers.toHaveSpanTree(tree, { name: "custom", children: [{ name: "outer" }] });
    expect(wrong.pass).toBe(false);
    expect(wrong.message()).toBe(
      'expected the span tree {"name":"custom","children":[{"name":"outer"}]}, received {"name":"custom","children":[{"name":"outer"},{"name":"dangling"}]}',
    );
    expect(traceMatchers.toHaveNoOpenSpans(tree).pass).toBe(true);
    expect(() => traceMatchers.toHaveNoOpenSpans({})).toThrow(
      "toHaveNoOpenSpans() expects a trace (from createTestRuntime() or traceTree()) as the received value.",
    );
  });

  it("come with a snapshot serializer that recognises traces only", async () => {
    const tree = traceTree(await plainNodeTrace());
    expect(traceSnapshotSerializer.test(tree)).toBe(true);
    expect(traceSnapshotSerializer.test({ roots: [] })).toBe(false);
    expect(traceSnapshotSerializer.serialize(tree)).toBe(tree.toString());
  });
});

describe("the vitest entry", () => {
  it("registers the matchers, typed, and the serializer", async () => {
    const tree = traceTree(await plainNodeTrace());
    expect(tree).toHaveSpan("outer", { attributes: { k: "v" } });
    expect(tree).not.toHaveSpan("outer", { attributes: { k: "w" } });
    expect(tree).toHaveSpanTree({ name: "custom", children: [{ name: "outer" }, { name: "dangling" }] });
    expect(tree).toHaveNoOpenSpans();
    expect(() => expect(tree).toHaveSpan("nope")).toThrow('expected a span "nope"');
    expect({ trace: tree }).toMatchInlineSnapshot(`
      {
        "trace": custom  ok
        ├─ outer  status=error("bad")  k="v"
        │  └─ inner
        │     └─ log: [warn] careful
        ├─ dangling
        └─ return,
      }
    `);
  });
});

describe(createTestRuntime.name, () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime(
      fixtureConfig([service("main", "testing-kit/worker.js", { compatibilityFlags: ["nodejs_compat"] })]),
      { traceTimeoutMs: 100 },
    );
  });
  afterAll(() => rt.close());

  it("returns the response with its body and the request's trace, ids stable", async () => {
    const { response, trace } = await rt.fetch("http://x/");
    expect(await response.text()).toBe("done");
    expect(trace.roots[0]).toMatchObject({ name: "fetch GET http://x/", outcome: "ok", spanId: "0000000000000001" });
    expect(trace.find("load")).toMatchObject({ attributes: { rows: 3 }, open: false });
    expect(trace.find("load")!.events).toEqual([expect.objectContaining({ type: "log", message: ["loaded"] })]);
  });

  it("shows a span the stateless request left open as closed at teardown", async () => {
    const { trace } = await rt.fetch("http://x/leak");
    expect(trace.find("left-open")).toMatchObject({ open: false });
  });

  it("runs the scheduled handler and returns its outcome and trace", async () => {
    const { outcome, trace } = await rt.scheduled("*/5 * * * *");
    expect(outcome).toBe("ok");
    expect(trace.roots[0]!.name).toBe("scheduled */5 * * * *");
    expect(trace.find("cron-job")?.attributes).toEqual({ cron: "*/5 * * * *" });
  });

  it("delivers a queue batch and returns its outcome and trace", async () => {
    const { outcome, trace } = await rt.queue("jobs", [{ n: 1 }, "two"]);
    expect(outcome).toBe("ok");
    expect(trace.roots[0]!.name).toBe("queue jobs");
    expect(trace.find("consume")?.attributes).toEqual({ messages: 2 });
  });

  it("rejects with the error of a handler that throws and keeps the request's trace for it", async () => {
    const error: unknown = await rt.fetch("http://x/throw").catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ name: "TypeError", message: "no such cart" });
    const trace = rt.traceOf(error)!;
    expect(trace.roots[0]).toMatchObject({ name: "fetch GET http://x/throw", outcome: "exception", open: false });
    expect(trace.roots[0]!.events).toEqual([expect.objectContaining({ type: "exception", message: "no such cart" })]);
    expect(rt.traceOf(new Error("other"))).toBeUndefined();
    expect(rt.traceOf("no such cart")).toBeUndefined();
  });

  it("fails a request whose trace does not complete in time, naming the limit", async () => {
    await expect(rt.fetch("http://x/slow-wait-until")).rejects.toThrow(
      "workers-shim: the trace of this request did not complete within 100 ms",
    );
  });
});

describe("createTestRuntime's rpc()", () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime(
      fixtureConfig([
        service("shop", "testing-kit/rpc.js", {
          bindings: [
            { name: "PRICES", service: { name: "prices", entrypoint: "Prices" } },
            { name: "COUNTERS", durableObjectNamespace: "Counter" },
          ],
          durableObjectNamespaces: [{ className: "Counter", uniqueKey: "counter" }],
          durableObjectStorage: { inMemory: true },
        }),
        service("prices", "testing-kit/prices.js"),
      ]),
    );
  });
  afterAll(() => rt.close());

  it("calls a method of the default entrypoint and returns its result and trace", async () => {
    const { result, trace } = await rt.rpc("add", [2, 3]);
    expect(result).toBe(5);
    expect(trace.roots).toHaveLength(1);
    expect(trace.roots[0]).toMatchObject({ kind: "invocation", name: "jsrpc add", outcome: "ok", open: false });
    expect(trace.roots[0]!.entrypoint).toBeUndefined();
    expect(trace).toHaveSpan("add", { attributes: { a: 2, b: 3 } });
    expect(trace).toHaveNoOpenSpans();
    // workerd's shape of an RPC invocation: onset {type: "jsrpc"} without a parent span, then
    // jsrpc.method on the onset span; the callee's jsRpcCall has no caller span id.
    const [onset, ...rest] = trace.events;
    expect(onset!.spanContext.spanId).toBeUndefined();
    expect(onset!.event).toMatchObject({ type: "onset", executionModel: "stateless", info: { type: "jsrpc" } });
    const onsetSpan = (onset!.event as { spanId: string }).spanId;
    expect(rest.find((event) => event.event.type === "attributes")).toMatchObject({
      spanContext: { spanId: onsetSpan },
      event: { type: "attributes", info: [{ name: "jsrpc.method", value: "add" }] },
    });
    expect(trace.find("jsRpcCall")!.attributes).toEqual({
      "jsrpc.method": "add",
      "jsrpc.target_kind": "entrypoint",
      "jsrpc.operation": "call",
    });
    expect(trace.events.at(-1)!.event).toEqual({ type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 });
  });

  it("calls a method of a named entrypoint", async () => {
    const { result, trace } = await rt.rpc("reset", [], { entrypoint: "Admin" });
    expect(result).toBe("done");
    expect(trace.roots[0]).toMatchObject({ name: "jsrpc reset", entrypoint: "Admin", outcome: "ok" });
    expect(trace.find("jsRpcCall")!.events).toEqual([
      expect.objectContaining({ type: "log", level: "log", message: ["reset"] }),
    ]);
  });

  it("traces a method across the services it calls", async () => {
    const { result, trace } = await rt.rpc("quote", ["tea", 2]);
    expect(result).toEqual({ sku: "tea", qty: 2, total: 25 });
    expect(trace.roots).toHaveLength(1);
    expect(trace).toMatchInlineSnapshot(`
      jsrpc quote  ok
      ├─ jsRpcCall  jsrpc.method="quote"  jsrpc.target_kind="entrypoint"  jsrpc.operation="call"
      │  └─ quote  sku="tea"  total=25
      │     └─ jsRpcSession
      │        └─ jsRpcCall  jsrpc.target_kind="fetcher"  jsrpc.operation="call"  jsrpc.method="price"
      │           └─ jsrpc price  ok  entrypoint="Prices"
      │              ├─ jsRpcCall  jsrpc.method="price"  jsrpc.target_kind="entrypoint"  jsrpc.operation="call"  jsrpc.caller_span_id="000000000000000a"
      │              │  └─ lookup-price  sku="tea"
      │              └─ return
      └─ return
    `);
  });

  it("rejects with the error of a method that throws, as a caller receives it, and keeps the trace", async () => {
    const error: unknown = await rt.rpc("refuse", ["kettle"]).catch((thrown: unknown) => thrown);
    // Re-created in the test's realm, as workerd serialises an RPC error into its caller.
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe("out of stock: kettle");
    const trace = rt.traceOf(error)!;
    // As for every RPC invocation, the error goes to the caller: no exception event, outcome "ok".
    expect(trace.roots[0]).toMatchObject({ name: "jsrpc refuse", outcome: "ok", open: false });
    expect(trace.events.map(({ event }) => event.type)).not.toContain("exception");
    expect(trace).toHaveSpan("check-stock", { attributes: { sku: "kettle" } });
    await expect(rt.rpc("refuse", ["mug"])).rejects.toThrow(new RangeError("out of stock: mug"));
  });

  it("reads a returned stream to the end before the trace completes", async () => {
    const { result, trace } = await rt.rpc("lines");
    const chunks: unknown[] = [];
    for await (const chunk of result as AsyncIterable<unknown>) chunks.push(chunk);
    expect(chunks).toEqual(["one", "two"]);
    // workerd's pump reads a chunk ahead: a stateless callee whose stream it pumped to the end
    // reports the "hung" exception.
    expect(trace.roots[0]).toMatchObject({ name: "jsrpc lines", outcome: "exception", open: false });
    expect(trace.roots[0]!.events.map((event) => event.type)).toEqual(["return", "exception"]);
    expect(trace.find("jsRpcCall")!.events).toEqual([expect.objectContaining({ type: "log", message: ["streaming"] })]);
  });

  it("calls a method a getter of the class returns, as workerd does", async () => {
    expect((await rt.rpc("version")).result).toBe("1.0");
  });

  it("refuses an unknown service, entrypoint or method before any invocation starts", async () => {
    await expect(rt.rpc("add", [], { service: "nope" })).rejects.toMatchObject({
      name: "WorkersShimError",
      code: "ERR_UNKNOWN_SERVICE",
      message: 'workers-shim: unknown service "nope". Known services: shop, prices.',
    });
    await expect(rt.rpc("add", [], { entrypoint: "Nope" })).rejects.toMatchObject({
      code: "ERR_UNKNOWN_ENTRYPOINT",
      message:
        'workers-shim: dispatchRpc() expects an export of service "shop", received "Nope". Its exports: Admin, default.',
    });
    await expect(rt.rpc("price", [], { service: "prices" })).rejects.toMatchObject({
      code: "ERR_UNKNOWN_ENTRYPOINT",
      message: 'workers-shim: dispatchRpc() expects a service with a default export, but service "prices" has none.',
    });
    await expect(rt.rpc("increment", [], { entrypoint: "Counter" })).rejects.toMatchObject({
      code: "ERR_UNKNOWN_ENTRYPOINT",
      message:
        'workers-shim: dispatchRpc() expects a WorkerEntrypoint or handler export of service "shop", but "Counter" is a Durable Object class: call it from a worker through its namespace binding.',
    });
    await expect(rt.rpc("ad")).rejects.toMatchObject({
      code: "ERR_UNKNOWN_METHOD",
      message:
        'workers-shim: dispatchRpc() expects a method of the default export of service "shop", received "ad". Its methods: add, quote, refuse, lines, version.',
    });
    // Instance properties are not RPC methods (workerd calls class members only).
    await expect(rt.rpc("secret", [], { entrypoint: "Admin" })).rejects.toMatchObject({
      code: "ERR_UNKNOWN_METHOD",
      message:
        'workers-shim: dispatchRpc() expects a method of export "Admin" of service "shop", received "secret". Its methods: reset.',
    });
    for (const inherited of ["toString", "constructor", "then"]) {
      await expect(rt.rpc(inherited)).rejects.toMatchObject({ code: "ERR_UNKNOWN_METHOD" });
    }
    await expect(rt.rpc("fetch")).rejects.toMatchObject({
      code: "ERR_UNKNOWN_METHOD",
      message: 'workers-shim: dispatchRpc() cannot call "fetch" over RPC: the name is reserved (use dispatchFetch()).',
    });
    await expect(rt.runtime.dispatchRpc("shop", 1 as never)).rejects.toThrow(
      "dispatchRpc(): method must be a string, received number 1.",
    );
    await expect(rt.runtime.dispatchRpc("shop", "add", "2, 3" as never)).rejects.toThrow(
      'dispatchRpc(): args must be an array of arguments, received string "2, 3".',
    );
    // None of these started an invocation: the next call's trace is the first of its own.
    const { trace } = await rt.rpc("add", [1, 1]);
    expect(trace.roots.map((root) => root.name)).toEqual(["jsrpc add"]);
  });
});

describe("createTestRuntime on a wrangler project", () => {
  it("bundles the TypeScript entry and traces its requests", async () => {
    // Copied out of the repository: the bundles are written next to the config.
    const dir = mkdtempSync(join(tmpdir(), "kit-wrangler-"));
    cpSync(fileURLToPath(new URL("./fixtures/wrangler/greeter", import.meta.url)), dir, { recursive: true });
    const rt = await createTestRuntime(join(dir, "wrangler.toml"));
    try {
      const { response, trace } = await rt.fetch("http://greeter.example/");
      expect(await response.text()).toBe("greeter");
      expect(trace.roots.map((root) => [root.name, root.outcome])).toEqual([
        ["fetch GET http://greeter.example/", "ok"],
      ]);
    } finally {
      await rt.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
