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

  it("fails a request whose trace does not complete in time, naming the limit", async () => {
    await expect(rt.fetch("http://x/slow-wait-until")).rejects.toThrow(
      "workers-shim: the trace of this request did not complete within 100 ms",
    );
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
