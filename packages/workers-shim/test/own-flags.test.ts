import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TailEvent } from "@workers-tracing/core-context";
import type { Runtime } from "../src/index";
import { COLLECTOR, drainTails, eventLines, fixtureConfig, invocations, resetRecords, service, start } from "./helpers";

beforeEach(resetRecords);

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

/** Runs the test() handler of `fixture` with `flags`; returns the events of its invocations, in onset order. */
async function runAll(
  fixture: string,
  flags: readonly string[],
  worker: Record<string, unknown> = {},
): Promise<(readonly TailEvent[])[]> {
  const config = fixtureConfig([
    service("main", `own-flags/${fixture}`, { compatibilityFlags: [...flags], streamingTails: ["tail"], ...worker }),
    COLLECTOR,
  ]);
  runtime = (await start(config)).runtime;
  const summary = await runtime.runTests();
  expect(summary.failed).toBe(0);
  await drainTails();
  return invocations().map((invocation) => invocation.events);
}

/** The events of the test() invocation of `fixture` run with `flags`. */
async function runWith(fixture: string, flags: readonly string[]): Promise<readonly TailEvent[]> {
  return (await runAll(fixture, flags))[0]!;
}

describe("workers_tracing_error_status", () => {
  it("leaves failing spans closing ok without the flag, as workerd does", async () => {
    expect(eventLines(await runWith("error-status.js", []))).toStrictEqual([
      "onset",
      "spanOpen sync-throw under (onset)",
      "attributes sync-throw step=1",
      "spanClose sync-throw ok",
      "spanOpen async-reject under (onset)",
      "spanClose async-reject ok",
      "spanOpen fine under (onset)",
      "spanClose fine ok",
      "outcome ok",
    ]);
  });

  it("reports an exception and status error on each failing span with the flag", async () => {
    expect(eventLines(await runWith("error-status.js", ["workers_tracing_error_status"]))).toStrictEqual([
      "onset",
      "spanOpen sync-throw under (onset)",
      "exception sync-throw TypeError: bad input",
      'spanUpdate sync-throw status error "bad input"',
      "attributes sync-throw step=1",
      "spanClose sync-throw ok",
      "spanOpen async-reject under (onset)",
      "exception async-reject Error: later",
      'spanUpdate async-reject status error "later"',
      "spanClose async-reject ok",
      "spanOpen fine under (onset)",
      "spanClose fine ok",
      "outcome ok",
    ]);
  });

  it("is turned off again by workers_tracing_no_error_status", async () => {
    const events = await runWith("error-status.js", ["workers_tracing_no_error_status"]);
    expect(events.filter((e) => e.event.type === "spanUpdate" || e.event.type === "exception")).toStrictEqual([]);
  });
});

describe("workers_tracing_thenable_end", () => {
  it("ends a span at once and returns the thenable itself without the flag, as workerd does", async () => {
    expect(eventLines(await runWith("thenable-end.js", []))).toStrictEqual([
      "onset",
      "spanOpen query under (onset)",
      "spanClose query ok",
      'log (onset) ["same object",true,"a Query",true]',
      'log (onset) ["query done"]',
      'log (onset) ["rows",3]',
      "outcome ok",
    ]);
  });

  it("ends the span when the thenable settles and returns the same kind of value with the flag", async () => {
    expect(eventLines(await runWith("thenable-end.js", ["workers_tracing_thenable_end"]))).toStrictEqual([
      "onset",
      "spanOpen query under (onset)",
      'log (onset) ["same object",false,"a Query",true]',
      'log (onset) ["query done"]',
      "spanClose query ok",
      'log (onset) ["rows",3]',
      "outcome ok",
    ]);
  });
});

describe("workers_tracing_leak_diagnostics", () => {
  const keeper = {
    bindings: [{ name: "keepers", durableObjectNamespace: "Keeper" }],
    durableObjectNamespaces: [{ className: "Keeper", uniqueKey: "keeper" }],
    durableObjectStorage: { inMemory: true },
  };
  /** The test() invocation's and the object's events, without the runtime spans of the call. */
  async function leftOpen(flags: readonly string[]): Promise<[string[], string[]]> {
    const [test, object] = await runAll("leak-diagnostics.js", flags, keeper);
    const userOnly = (lines: string[]) =>
      lines.filter((line) => !/durable_object_subrequest|fetch|return|opened/.test(line));
    return [userOnly(eventLines(test!)), userOnly(eventLines(object!))];
  }

  it("closes a stateless invocation's spans unmarked and leaves an actor's silently open without the flag, as workerd does", async () => {
    expect(await leftOpen([])).toStrictEqual([
      [
        "onset",
        "spanOpen never-ended under (onset)",
        "spanOpen abandoned under (onset)",
        "spanOpen closed under (onset)",
        "spanClose closed ok",
        "spanClose abandoned ok",
        "attributes never-ended a=1",
        "spanClose never-ended ok",
        "outcome ok",
      ],
      [
        "onset",
        "spanOpen object-never-ended under (onset)",
        "spanOpen object-abandoned under (onset)",
        "spanOpen object-closed under (onset)",
        "spanClose object-closed ok",
        "outcome ok",
      ],
    ]);
  });

  it("marks each leftover span, closed by teardown or left open, and counts them in the outcome with the flag", async () => {
    expect(await leftOpen(["workers_tracing_leak_diagnostics"])).toStrictEqual([
      [
        "onset",
        "spanOpen never-ended under (onset)",
        "spanOpen abandoned under (onset)",
        "spanOpen closed under (onset)",
        "spanClose closed ok",
        'attributes abandoned workers_tracing.unended="closed_by_teardown"',
        "spanClose abandoned ok",
        'attributes never-ended a=1 workers_tracing.unended="closed_by_teardown"',
        "spanClose never-ended ok",
        "outcome ok unendedSpans=2",
      ],
      [
        "onset",
        "spanOpen object-never-ended under (onset)",
        "spanOpen object-abandoned under (onset)",
        "spanOpen object-closed under (onset)",
        "spanClose object-closed ok",
        'attributes object-abandoned workers_tracing.unended="left_open"',
        'attributes object-never-ended workers_tracing.unended="left_open"',
        "outcome ok unendedSpans=2",
      ],
    ]);
  });
});

describe("workers_tracing_root_frames", () => {
  const rooms = {
    bindings: [{ name: "rooms", durableObjectNamespace: "Room" }],
    durableObjectNamespaces: [{ className: "Room", uniqueKey: "room" }],
    durableObjectStorage: { inMemory: true },
  };
  /** The user spans and logs of the object's invocations for visit('A') and visit('B'). */
  async function objectStreams(flags: readonly string[]): Promise<string[][]> {
    const [, a, b] = await runAll("root-frames.js", flags, rooms);
    const user = (events: readonly TailEvent[]) =>
      eventLines(events).filter((line) => /^(spanOpen visit|spanClose visit|log|onset|outcome)/.test(line));
    return [user(a!), user(b!)];
  }

  it("puts both methods' spans in the newest invocation without the flag, as workerd does", async () => {
    expect(await objectStreams([])).toStrictEqual([
      ["onset", "outcome ok"],
      [
        "onset",
        "spanOpen visit-A under jsRpcCall",
        'log visit-A ["A","in span"]',
        "spanOpen visit-B under jsRpcCall",
        'log visit-B ["B","in span"]',
        "spanClose visit-B ok",
        "spanClose visit-A ok",
        "outcome ok",
      ],
    ]);
  });

  it("keeps each method's spans in its own invocation with the flag; logs still go to the newest", async () => {
    expect(await objectStreams(["workers_tracing_root_frames"])).toStrictEqual([
      ["onset", "spanOpen visit-A under jsRpcCall", "spanClose visit-A ok", "outcome ok"],
      [
        "onset",
        'log - ["A","in span"]',
        "spanOpen visit-B under jsRpcCall",
        'log visit-B ["B","in span"]',
        "spanClose visit-B ok",
        "outcome ok",
      ],
    ]);
  });
});

describe("workers_tracing_own_invocation_logs", () => {
  const clocks = {
    bindings: [{ name: "clocks", durableObjectNamespace: "Clock" }],
    durableObjectNamespaces: [{ className: "Clock", uniqueKey: "clock" }],
    durableObjectStorage: { inMemory: true },
  };
  /** The logs and exceptions of the object's fetch and alarm invocations. */
  async function fetchAndAlarm(flags: readonly string[]): Promise<string[][]> {
    const [, fetch, alarm] = await runAll("own-invocation-logs.js", flags, clocks);
    const reported = (events: readonly TailEvent[]) =>
      eventLines(events).filter((line) => /^(log|exception)/.test(line));
    return [reported(fetch!), reported(alarm!)];
  }

  it("sends fetch's late logs and timer error to the newer alarm invocation without the flag, as workerd does", async () => {
    expect(await fetchAndAlarm([])).toStrictEqual([
      [],
      [
        'log (onset) ["A1-log"]',
        'log (onset) ["W2-log"]',
        'log - ["log-inside-W2"]',
        "exception (onset) Error: timer error in fetch's chain",
        'log (onset) ["alarm-end-log"]',
      ],
    ]);
  });

  it("keeps them in fetch's own invocation with the flag", async () => {
    expect(await fetchAndAlarm(["workers_tracing_own_invocation_logs"])).toStrictEqual([
      [
        'log (onset) ["W2-log"]',
        'log W2-span ["log-inside-W2"]',
        "exception (onset) Error: timer error in fetch's chain",
      ],
      ['log (onset) ["A1-log"]', 'log (onset) ["alarm-end-log"]'],
    ]);
  });
});
