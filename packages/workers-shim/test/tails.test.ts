import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TailEvent } from "@workers-tracing/core-context";
import { createRuntime, type Runtime } from "../src/index";
import { NO_TAIL_STREAM_HANDLER, createTailSessionSink } from "../src/tails";
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

const open: Runtime[] = [];
afterEach(async () => {
  for (const runtime of open.splice(0)) await runtime.close();
});

async function runWithTails(badTails: readonly { name: string; module: string }[]) {
  const config = fixtureConfig([
    service("main", "tails/worker.js", { streamingTails: [...badTails.map((tail) => tail.name), "tail"] }),
    ...badTails.map((tail) => service(tail.name, tail.module)),
    COLLECTOR,
  ]);
  const { runtime, warnings } = await start(config);
  open.push(runtime);
  const summary = await runtime.runTests();
  await drainTails();
  return { summary, warnings };
}

const EXPECTED_STREAM = [
  "onset custom",
  "spanOpen work",
  'log ["inside work"]',
  "attributes step",
  "spanClose",
  "outcome ok",
];

describe(createTailSessionSink.name, () => {
  it.for([
    { name: "badtail-throws", module: "tails/throwing-tail.js" },
    { name: "badtail-rejects", module: "tails/rejecting-tail.js" },
    { name: "badtail-hangs", module: "tails/hanging-tail.js" },
  ])("keeps $module from changing what the worker and the other tails see", async (badTail) => {
    const { summary } = await runWithTails([badTail]);
    expect(summary.results.map((result) => [result.name, result.passed])).toEqual([["main", true]]);
    expect(results()).toEqual(["done"]);
    expect(invocations().map((invocation) => summarize(invocation.events))).toEqual([EXPECTED_STREAM]);
  });

  it("warns once per session when the tail service has no tailStream() handler", async () => {
    const { summary, warnings } = await runWithTails([{ name: "badtail-none", module: "tails/no-handler-tail.js" }]);
    expect(summary.failed).toBe(0);
    expect(warnings).toEqual([NO_TAIL_STREAM_HANDLER]);
    expect(invocations().map((invocation) => summarize(invocation.events))).toEqual([EXPECTED_STREAM]);
  });

  it("reports a failing tail worker as a warning", async () => {
    const { warnings } = await runWithTails([{ name: "badtail-throws", module: "tails/throwing-tail.js" }]);
    expect(warnings).toMatchInlineSnapshot(`
      [
        "streaming tail worker "badtail-throws" failed: Error: tail handler fails",
      ]
    `);
  });

  it("reports a tail worker's own session to its tails, without looping between tails that tail each other", async () => {
    const config = fixtureConfig([
      service("main", "tails/worker.js", { streamingTails: ["tail"] }),
      service("tail", "shared/collect-tail.js", { streamingTails: ["tail2"] }),
      service("tail2", "shared/collect-tail.js", { streamingTails: ["tail"] }),
    ]);
    const { runtime } = await start(config);
    open.push(runtime);
    const summary = await runtime.runTests();
    await drainTails();
    expect(summary.failed).toBe(0);
    const streams = invocations().map((invocation) => summarize(invocation.events));
    expect(streams).toContainEqual(EXPECTED_STREAM);
    expect(streams).toContainEqual(["onset trace", "return", "outcome ok"]);
    expect(streams).toHaveLength(2);
  });
});

describe("RuntimeOptions.tail", () => {
  it("gets every worker invocation besides the config's streaming tails, but not tail sessions", async () => {
    const extra: TailEvent[] = [];
    const warnings: string[] = [];
    const config = fixtureConfig([service("main", "tails/worker.js", { streamingTails: ["tail"] }), COLLECTOR]);
    const runtime = await createRuntime(config, {
      onWarning: (message) => warnings.push(message),
      tail: {
        tailStream(onset) {
          extra.push(onset);
          return (event: TailEvent) => void extra.push(event);
        },
      },
    });
    open.push(runtime);
    expect((await runtime.runTests()).failed).toBe(0);
    await drainTails();
    expect(invocations().map((invocation) => summarize(invocation.events))).toEqual([EXPECTED_STREAM]);
    expect(summarize(extra)).toEqual(EXPECTED_STREAM);
    expect(new Set(extra.map((event) => event.invocationId))).toEqual(new Set([events()[0]!.invocationId]));
    expect(warnings).toEqual([]);
  });

  it("traces workers that have no streaming tail of their own", async () => {
    const extra: TailEvent[] = [];
    const runtime = await createRuntime(fixtureConfig([service("main", "tails/worker.js")]), {
      tail: { tailStream: (onset) => (extra.push(onset), (event: TailEvent) => void extra.push(event)) },
    });
    open.push(runtime);
    await runtime.runTests();
    await drainUntil(() => extra.some((event) => event.event.type === "outcome"));
    expect(summarize(extra)).toEqual(EXPECTED_STREAM);
  });

  it("keeps a throwing handler from changing what the worker and the config's tails see", async () => {
    const warnings: string[] = [];
    const config = fixtureConfig([service("main", "tails/worker.js", { streamingTails: ["tail"] }), COLLECTOR]);
    const runtime = await createRuntime(config, {
      onWarning: (message) => warnings.push(message),
      tail: {
        tailStream: () => () => {
          throw new Error("printing failed");
        },
      },
    });
    open.push(runtime);
    const summary = await runtime.runTests();
    await drainTails();
    expect(summary.failed).toBe(0);
    expect(results()).toEqual(["done"]);
    expect(invocations().map((invocation) => summarize(invocation.events))).toEqual([EXPECTED_STREAM]);
    expect(warnings).toEqual(["the runtime's tail failed: Error: printing failed"]);
  });
});

async function drainUntil(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !done(); turn++) await new Promise((resolve) => setTimeout(resolve, 1));
}
