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
  // Some tails here hang on purpose: the close does not wait for them.
  for (const runtime of open.splice(0)) await runtime.close(0);
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

describe("closing a runtime", () => {
  const SLOW = Symbol.for("workers-shim.test.faults.slow");
  type SlowState = { received: TailEvent[] };

  it("waits for its tails to take the events already reported", async () => {
    delete (globalThis as { [SLOW]?: SlowState })[SLOW];
    const config = fixtureConfig([
      service("main", "tails/worker.js", { streamingTails: ["slowtail", "tail"] }),
      service("slowtail", "faults/slow.js"),
      COLLECTOR,
    ]);
    const { runtime, warnings } = await start(config);
    const summary = await runtime.runTests();
    expect(summary.failed).toBe(0);
    // No wait for the tails here: the close itself lets them finish.
    await runtime.close();
    expect(summarize(invocations()[0]!.events)).toEqual(EXPECTED_STREAM);
    const slow = (globalThis as { [SLOW]?: SlowState })[SLOW]!.received;
    expect(slow.map((event) => event.event.type)).toEqual([
      "onset",
      "spanOpen",
      "log",
      "attributes",
      "spanClose",
      "outcome",
    ]);
    expect(warnings).toEqual([]);
  });

  it("stops waiting for a tail that hangs after the grace period, with a warning", async () => {
    const config = fixtureConfig([
      service("main", "tails/worker.js", { streamingTails: ["badtail-hangs", "tail"] }),
      service("badtail-hangs", "tails/hanging-tail.js"),
      COLLECTOR,
    ]);
    const { runtime, warnings } = await start(config);
    await runtime.runTests();
    await runtime.close(50);
    expect(summarize(invocations()[0]!.events)).toEqual(EXPECTED_STREAM);
    expect(warnings).toEqual([
      "the streaming tails were still busy 50 ms after the runtime closed; their last events may be lost.",
    ]);
  });
});

describe("a tail stuck in a synchronous loop", () => {
  it("is stopped after tailCallTimeLimitMs: its session ends exceededCpu, the tail gets no more sessions, the rest goes on", async () => {
    const config = fixtureConfig([
      service("main", "tails/worker.js", { streamingTails: ["badtail-loops", "tail"] }),
      service("badtail-loops", "tails/looping-tail.js", { streamingTails: ["tail"] }),
      COLLECTOR,
    ]);
    const warnings: string[] = [];
    const runtime = await createRuntime(config, {
      onWarning: (message) => warnings.push(message),
      // Long enough that a well-behaved tail call never reaches it on a loaded machine.
      tailCallTimeLimitMs: 1000,
    });
    open.push(runtime);
    for (let run = 0; run < 3; run++) {
      const summary = await runtime.runTests();
      expect(summary.failed).toBe(0);
    }
    await drainTails();
    const streams = invocations().map((invocation) => summarize(invocation.events));
    expect(streams.filter((stream) => stream[0] === "onset custom")).toEqual([
      EXPECTED_STREAM,
      EXPECTED_STREAM,
      EXPECTED_STREAM,
    ]);
    const stopped =
      "exception TailTimeLimitError: the tail handler ran for more than 1000 ms without returning and was stopped.";
    expect(streams.filter((stream) => stream[0] === "onset trace")).toEqual([
      ["onset trace", stopped, "outcome exceededCpu"],
    ]);
    expect(warnings).toEqual([
      'streaming tail worker "badtail-loops" failed: TailTimeLimitError: the tail handler ran for more than 1000 ms without returning and was stopped.',
      'streaming tail worker "badtail-loops" was stopped and gets no further sessions.',
    ]);
  });

  it("refuses a time limit or backlog limit that is not a number it can use", async () => {
    const config = fixtureConfig([service("main", "tails/worker.js")]);
    await expect(createRuntime(config, { tailCallTimeLimitMs: -1 })).rejects.toThrow(
      "workers-shim: tailCallTimeLimitMs must be a whole number of milliseconds (0 for no limit), received -1.",
    );
    await expect(createRuntime(config, { tailBacklogLimitBytes: 0 })).rejects.toThrow(
      "workers-shim: tailBacklogLimitBytes must be a positive number of bytes, received 0.",
    );
  });
});

describe("a tail that falls too far behind", () => {
  it("gets no session while its backlog is full, says so once, and the other tails see everything", async () => {
    const config = fixtureConfig([
      service("main", "tails/worker.js", { streamingTails: ["badtail-hangs", "tail"] }),
      service("badtail-hangs", "tails/hanging-tail.js"),
      COLLECTOR,
    ]);
    const warnings: string[] = [];
    // Every tail gets 42,000 bytes: room for two sessions (16 KiB each) and their few events.
    const runtime = await createRuntime(config, {
      onWarning: (message) => warnings.push(message),
      tailBacklogLimitBytes: 42000,
    });
    open.push(runtime);
    for (let run = 0; run < 3; run++) await runtime.runTests();
    await drainTails();
    const streams = invocations().map((invocation) => summarize(invocation.events));
    expect(streams).toEqual([EXPECTED_STREAM, EXPECTED_STREAM, EXPECTED_STREAM]);
    // The hanging tail never lets go of its first two sessions; the third invocation gets none.
    expect(warnings).toEqual([
      'streaming tail worker "badtail-hangs" is too far behind (its 0.04 MiB backlog is full): it gets no session for new invocations until it catches up.',
    ]);
  });
});

describe("a tail that fails with a revoked Proxy", () => {
  it("ends its sessions as exceptions without an unhandled rejection, and the other tails see everything", async () => {
    const config = fixtureConfig([
      service("main", "tails/worker.js", { streamingTails: ["badtail-revoked", "tail"] }),
      service("badtail-revoked", "tails/revoked-tail.js", { streamingTails: ["tail"] }),
      COLLECTOR,
    ]);
    const { runtime, warnings } = await start(config);
    open.push(runtime);
    for (let run = 0; run < 3; run++) expect((await runtime.runTests()).failed).toBe(0);
    await drainTails();
    const streams = invocations().map((invocation) => summarize(invocation.events));
    expect(streams.filter((stream) => stream[0] === "onset custom")).toEqual([
      EXPECTED_STREAM,
      EXPECTED_STREAM,
      EXPECTED_STREAM,
    ]);
    const sessions = streams.filter((stream) => stream[0] === "onset trace");
    expect(sessions).toHaveLength(3);
    for (const stream of sessions) expect(stream.at(-1)).toBe("outcome exception");
    expect(warnings.filter((warning) => warning.startsWith("Uncaught"))).toEqual([]);
    expect(warnings).toHaveLength(3);
    for (const warning of warnings) expect(warning).toMatch(/^streaming tail worker "badtail-revoked" failed: /);
  });
});
