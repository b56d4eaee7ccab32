import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TailEvent } from "@workers-tracing/core-context";
import { HANG_MESSAGE } from "../src/hang";
import type { Runtime } from "../src/index";
import {
  COLLECTOR,
  drainTails,
  events,
  fixtureConfig,
  invocations,
  resetRecords,
  service,
  start,
  summarize,
} from "./helpers";

const SLOW = Symbol.for("workers-shim.test.faults.slow");
const LATE = Symbol.for("workers-shim.test.faults.late");

type SlowState = { received: TailEvent[]; processed: number };
type Registry = { [SLOW]?: SlowState; [LATE]?: () => void };
const registry = globalThis as Registry;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
const open: Runtime[] = [];
const LEVELS = ["log", "info", "debug", "warn", "error"] as const;
const originals = LEVELS.map((level) => console[level]);

beforeEach(() => {
  // The workers log a lot; their consoles print through these and still report every call.
  for (const level of LEVELS) console[level] = () => {};
  resetRecords();
  delete registry[SLOW];
  delete registry[LATE];
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});

afterEach(async () => {
  for (const runtime of open.splice(0)) await runtime.close();
  LEVELS.forEach((level, i) => (console[level] = originals[i]!));
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

const COUNTERS = {
  bindings: [{ name: "COUNTERS", durableObjectNamespace: "Counter" }],
  durableObjectNamespaces: [{ className: "Counter", uniqueKey: "counter" }],
  durableObjectStorage: { inMemory: true },
};

async function startWith(tails: readonly { name: string; module: string }[]) {
  const config = fixtureConfig([
    service("main", "faults/worker.js", { ...COUNTERS, streamingTails: tails.map((tail) => tail.name) }),
    ...tails.map((tail) => (tail.name === "tail" ? COLLECTOR : service(tail.name, tail.module))),
  ]);
  const started = await start(config);
  open.push(started.runtime);
  return started;
}

/** The requests every fault run makes, one after the other. */
const SCRIPT = [
  "/work?n=1",
  "/throw-sync",
  "/work?n=2",
  "/reject",
  "/hang-past",
  "/actor/a",
  "/actor/throw",
  "/actor/b",
  "/work?n=3",
];

async function describeResponse(pending: Promise<Response>): Promise<string> {
  try {
    const response = await pending;
    return `${response.status} ${response.headers.get("x-kind") ?? "-"} ${await response.text()}`;
  } catch (error) {
    return `rejects ${String(error)}`;
  }
}

async function runScript(runtime: Runtime): Promise<string[]> {
  const responses: string[] = [];
  for (const path of SCRIPT)
    responses.push(await describeResponse(runtime.dispatchFetch("main", `http://main${path}`)));
  return responses;
}

const EXPECTED_RESPONSES = [
  "201 work worked 1",
  "rejects Error: thrown synchronously",
  "201 work worked 2",
  "rejects TypeError: rejected",
  "200 - responded",
  "200 - count 1",
  "rejects Error: actor fails",
  "200 - count 2",
  "201 work worked 3",
];

/** What the collecting tail sees for SCRIPT, invocation by invocation (onset order). */
const EXPECTED_STREAMS = [
  [
    "onset fetch",
    "spanOpen work",
    'log ["working"]',
    "spanOpen inner",
    'log ["inner"]',
    "spanClose",
    "attributes path",
    "spanClose",
    "return",
    "outcome ok",
  ],
  ["onset fetch", "spanOpen left-open", "exception Error: thrown synchronously", "spanClose", "outcome exception"],
  [
    "onset fetch",
    "spanOpen work",
    'log ["working"]',
    "spanOpen inner",
    'log ["inner"]',
    "spanClose",
    "attributes path",
    "spanClose",
    "return",
    "outcome ok",
  ],
  ["onset fetch", "spanOpen rejecting", "spanClose", "exception TypeError: rejected", "outcome exception"],
  // Teardown closes the spans /hang-past left open, newest first, before its outcome.
  [
    "onset fetch",
    "spanOpen abandoned",
    "spanOpen never-ended",
    "spanOpen timer-owner",
    "spanClose",
    "return",
    "attributes k",
    "spanClose",
    "spanClose",
    "outcome ok",
  ],
  [
    "onset fetch",
    "spanOpen durable_object_subrequest",
    "spanOpen fetch",
    "attributes network.protocol.name,network.protocol.version,http.request.method,url.full,http.response.status_code,http.response.body.size",
    "spanClose",
    "attributes objectId",
    "spanClose",
    "return",
    "outcome ok",
  ],
  ["onset fetch", "spanOpen actor-work", "spanClose", "return", "outcome ok"],
  // A failed subrequest's spans close a turn later, after the caller's exception (as in workerd).
  [
    "onset fetch",
    "spanOpen durable_object_subrequest",
    "spanOpen fetch",
    "exception Error: actor fails",
    "attributes network.protocol.name,network.protocol.version,http.request.method,url.full",
    "spanClose",
    "attributes objectId",
    "spanClose",
    "outcome exception",
  ],
  // An actor does not close the span its failed request left open (spec §3.8).
  ["onset fetch", "spanOpen actor-left-open", "exception Error: actor fails", "outcome exception"],
  [
    "onset fetch",
    "spanOpen durable_object_subrequest",
    "spanOpen fetch",
    "attributes network.protocol.name,network.protocol.version,http.request.method,url.full,http.response.status_code,http.response.body.size",
    "spanClose",
    "attributes objectId",
    "spanClose",
    "return",
    "outcome ok",
  ],
  ["onset fetch", "spanOpen actor-work", "spanClose", "return", "outcome ok"],
  [
    "onset fetch",
    "spanOpen work",
    'log ["working"]',
    "spanOpen inner",
    'log ["inner"]',
    "spanClose",
    "attributes path",
    "spanClose",
    "return",
    "outcome ok",
  ],
];

/** Waits until the hang-past request's late timer has fired (it logs from a finished request). */
function lateTimerFired(): Promise<void> {
  return new Promise((resolve) => (registry[LATE] = resolve));
}

describe("streaming tail faults", () => {
  it("leave responses and the other tail's streams unchanged, without unhandled rejections", async () => {
    const { runtime: bare } = await startWith([]);
    const late = lateTimerFired();
    expect(await runScript(bare)).toEqual(EXPECTED_RESPONSES);
    await late;

    const faulty = [
      { name: "badtail-throw-onset", module: "faults/throw-onset.js" },
      { name: "badtail-throw-every", module: "faults/throw-every.js" },
      { name: "badtail-reject-every", module: "faults/reject-every.js" },
      { name: "badtail-never-start", module: "faults/never-start.js" },
      { name: "badtail-then-getter", module: "faults/then-getter.js" },
      { name: "badtail-hangs", module: "tails/hanging-tail.js" },
      { name: "badtail-slow", module: "faults/slow.js" },
    ];
    for (const bad of [undefined, ...faulty]) {
      resetRecords();
      const { runtime, warnings } = await startWith(bad === undefined ? [COLLECTOR_TAIL] : [bad, COLLECTOR_TAIL]);
      const fired = lateTimerFired();
      expect(await runScript(runtime), bad?.name).toEqual(EXPECTED_RESPONSES);
      await fired;
      await drainTails();
      expect(
        invocations().map((invocation) => summarize(invocation.events)),
        bad?.name,
      ).toEqual(EXPECTED_STREAMS);
      // The late timer's span and log went nowhere: its request had ended.
      expect(events().some((event) => event.event.type === "spanOpen" && event.event.name === "after-response")).toBe(
        false,
      );
      for (const warning of warnings)
        expect(warning).toMatch(
          /^streaming tail worker "badtail-[a-z-]+" failed: Error: (tailStream throws|handler throws|handler rejects|then getter throws)$/,
        );
      if (
        ["badtail-throw-every", "badtail-reject-every", "badtail-throw-onset", "badtail-then-getter"].includes(
          bad?.name ?? "",
        )
      ) {
        expect(warnings).toHaveLength(EXPECTED_STREAMS.length);
      } else {
        expect(warnings).toEqual([]);
      }
      // The streams were checked above; the hanging tail would hold the close for its grace.
      await runtime.close(0);
    }
  });

  it(
    "does not hold up a request while a slow tail falls behind, and counts its dropped events in one streamDiagnostic",
    { timeout: 30000 },
    async () => {
      const { runtime } = await startWith([{ name: "badtail-slow", module: "faults/slow.js" }, COLLECTOR_TAIL]);
      const response = await runtime.dispatchFetch("main", "http://main/burst");
      // The response is there while the slow tail has handled only part of the stream.
      const processedAtResponse = registry[SLOW]!.processed;
      expect(await response.text()).toBe("burst done");
      expect(processedAtResponse).toBeLessThan(603);

      await drainTails();
      const [fast] = invocations();
      expect(fast!.events).toHaveLength(603);
      expect(fast!.events.map((event) => event.sequence)).toEqual(fast!.events.map((_, i) => i));
      expect(fast!.events.filter((event) => event.event.type === "log")).toHaveLength(600);

      for (let turn = 0; turn < 5000 && registry[SLOW]!.received.at(-1)?.event.type !== "outcome"; turn++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const slow = registry[SLOW]!.received;
      const outcome = slow.at(-1)!;
      expect(outcome.event).toMatchObject({ type: "outcome", outcome: "ok" });
      const diagnostics = slow.filter((event) => event.event.type === "streamDiagnostic");
      expect(diagnostics).toHaveLength(1);
      const diagnostic = diagnostics[0]!;
      expect(slow.at(-2)).toBe(diagnostic);
      expect(diagnostic.sequence).toBe(outcome.sequence - 1);
      expect(diagnostic.spanContext.spanId).toBe(fast!.onset.event.type === "onset" ? fast!.onset.event.spanId : "");
      // Every sequence number below the diagnostic's was either delivered or counted as dropped.
      const sequences = slow.slice(0, -2).map((event) => event.sequence);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      expect(new Set(sequences).size).toBe(sequences.length);
      const dropped = diagnostic.sequence - sequences.length;
      expect(dropped).toBeGreaterThan(0);
      expect(diagnostic.event).toEqual({
        type: "streamDiagnostic",
        diagnostic: { diagnosticsType: "droppedEvents", count: dropped },
      });
      // `return` and `outcome` are never dropped (spec §4.7).
      expect(slow.filter((event) => event.event.type === "return")).toHaveLength(1);
    },
  );
});

const COLLECTOR_TAIL = { name: "tail", module: "shared/collect-tail.js" };

describe("worker handler faults", () => {
  it("cancel a hung request with workerd's error while its neighbours end normally", async () => {
    const { runtime } = await startWith([COLLECTOR_TAIL]);
    const hanging = describeResponse(runtime.dispatchFetch("main", "http://main/hang-forever"));
    expect(await describeResponse(runtime.dispatchFetch("main", "http://main/work?n=9"))).toBe("201 work worked 9");
    expect(await describeResponse(runtime.dispatchFetch("main", "http://main/throw-sync"))).toBe(
      "rejects Error: thrown synchronously",
    );
    expect(await hanging).toBe(`rejects Error: ${HANG_MESSAGE}`);
    await drainTails();
    const [hung, work, thrown] = invocations();
    expect(summarize(hung!.events)).toEqual([
      "onset fetch",
      "spanOpen hung",
      `exception Error: ${HANG_MESSAGE}`,
      "spanClose",
      "outcome exception",
    ]);
    expect(summarize(work!.events)).toEqual(EXPECTED_STREAMS[0]);
    expect(summarize(thrown!.events)).toEqual(EXPECTED_STREAMS[1]);
  });

  it("report nothing after the outcome of a request whose timer runs after it ended", async () => {
    const { runtime } = await startWith([COLLECTOR_TAIL]);
    const fired = lateTimerFired();
    expect(await describeResponse(runtime.dispatchFetch("main", "http://main/hang-past"))).toBe("200 - responded");
    await drainTails();
    const before = summarize(events());
    await fired;
    await drainTails();
    expect(summarize(events())).toEqual(before);
    expect(before).toEqual(EXPECTED_STREAMS[4]);
  });
});
