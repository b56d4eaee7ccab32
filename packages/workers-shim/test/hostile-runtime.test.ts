import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TailEvent } from "@workers-tracing/core-context";
import { createRuntime, type Runtime } from "../src/index";
import { COLLECTOR, fixtureConfig, invocations, resetRecords, results, service, summarize } from "./helpers";
import { buildHostile, encodeRecipe, hostileRecipe, type HostileRecipe } from "./hostile-values";

/*
 * Property tests: no value a worker or a tail throws, rejects with or logs breaks the runtime.
 * For every path a hostile value can take into the runtime, and any recipe: the runtime API call
 * settles as the path says, nothing escapes as an unhandled rejection or an uncaught exception
 * the runtime does not handle, every invocation ends with exactly one `outcome` (its last
 * event), every event keeps to the per-event limit, and the next ordinary request still gets its
 * exact stream. fast-check's default random seed is used: a failure prints the seed, the path
 * and the shrunk recipe; replay it with HOSTILE_SEED=<seed> HOSTILE_PATH=<path> (and `-t` for
 * the one test), or keep the recipe as a plain test.
 */

/** Cases per path; HOSTILE_RUNS scales them (e.g. HOSTILE_RUNS=10 for a long local run). */
const RUNS = Math.max(1, Math.round(30 * Number(process.env["HOSTILE_RUNS"] ?? 1)));

const LIMIT = 262144;

/** How the `dispatchFetch` call of a path settles. */
type Settles =
  /** Resolves with the worker's "done" response. */
  | "done"
  /** Rejects with exactly the value the worker threw. */
  | "rejects-thrown"
  /** Rejects (the runtime's own error or one the worker passed on); the invocation still ends. */
  | "rejects"
  /** Resolves or rejects: what the worker resolved to decides. */
  | "settles";

interface WorkerPath {
  readonly path: string;
  readonly settles: Settles;
  /** The onset types of the invocations the path makes, sorted. */
  readonly kinds: readonly string[];
  /** How many `exception` events these invocations report together (unchecked when absent). */
  readonly exceptions?: number;
  /** How many `log` events they report together, dropped ones included (unchecked when absent). */
  readonly logs?: number;
}

/**
 * Paths where a worker's hostile value reaches the runtime (see fixtures/hostile-fuzz/worker.js),
 * with the onset types of the invocations each one makes (sorted).
 */
const WORKER_PATHS: readonly WorkerPath[] = [
  { path: "/fetch-throw", settles: "rejects-thrown", kinds: ["fetch"], exceptions: 1 },
  { path: "/fetch-reject", settles: "rejects-thrown", kinds: ["fetch"], exceptions: 1 },
  { path: "/fetch-resolve", settles: "rejects", kinds: ["fetch"], exceptions: 1 },
  { path: "/timeout", settles: "done", kinds: ["fetch"], exceptions: 1 },
  { path: "/interval", settles: "done", kinds: ["fetch"], exceptions: 1 },
  { path: "/microtask", settles: "done", kinds: ["fetch"], exceptions: 1 },
  { path: "/wait-until", settles: "done", kinds: ["fetch"], exceptions: 1 },
  { path: "/wait-until-value", settles: "done", kinds: ["fetch"] },
  { path: "/log", settles: "done", kinds: ["fetch"], exceptions: 0, logs: 5 },
  { path: "/span-throw", settles: "rejects-thrown", kinds: ["fetch"], exceptions: 1 },
  { path: "/span-reject", settles: "rejects-thrown", kinds: ["fetch"], exceptions: 1 },
  { path: "/span-attribute", settles: "done", kinds: ["fetch"], exceptions: 0 },
  { path: "/scheduled-throw", settles: "done", kinds: ["fetch", "scheduled"], exceptions: 1 },
  { path: "/scheduled-reject", settles: "done", kinds: ["fetch", "scheduled"], exceptions: 1 },
  { path: "/queue-throw", settles: "done", kinds: ["fetch", "queue"], exceptions: 1 },
  { path: "/queue-reject", settles: "done", kinds: ["fetch", "queue"], exceptions: 1 },
  { path: "/rpc-throw", settles: "done", kinds: ["fetch", "jsrpc"], exceptions: 0 },
  { path: "/rpc-reject", settles: "done", kinds: ["fetch", "jsrpc"], exceptions: 0 },
  { path: "/rpc-rethrow", settles: "rejects", kinds: ["fetch", "jsrpc"], exceptions: 1 },
  { path: "/actor-throw", settles: "done", kinds: ["fetch", "fetch"], exceptions: 1 },
  { path: "/alarm", settles: "done", kinds: ["alarm", "fetch", "fetch"], exceptions: 1 },
];

/** The request the tails act on: the worker logs once; the tails' own failures are no exceptions of it. */
const TAIL_PATH: WorkerPath = { path: "/tail", settles: "done", kinds: ["fetch"], exceptions: 0, logs: 1 };

/** Where the streaming tail worker `badtail` (fixtures/hostile-fuzz/tail.js) throws or rejects. */
const TAIL_MODES = [
  "start-throw",
  "start-reject",
  "start-return",
  "start-resolve",
  "handler-throw",
  "handler-reject",
  "handler-object",
  "handler-return",
];

/** The same places for the runtime-wide tail (`RuntimeOptions.tail`), values built in the test's realm. */
const RUNTIME_TAIL_MODES = [
  "runtime-start-throw",
  "runtime-start-reject",
  "runtime-start-return",
  "runtime-handler-throw",
  "runtime-handler-reject",
];

/** The exact stream of the ordinary request that follows every case. */
const OK_STREAM = [
  "onset fetch",
  "spanOpen ok",
  'log ["fine"]',
  "attributes fine",
  "spanClose",
  "return",
  "outcome ok",
];

function header(onset: TailEvent, name: string): string | undefined {
  const event = onset.event;
  if (event.type !== "onset" || event.info.type !== "fetch") return undefined;
  return event.info.headers.find((entry) => entry.name === name)?.value;
}

/** The runtime-wide tail: hostile for requests with an `x-runtime-tail` header, else a no-op. */
const runtimeTail = {
  tailStream(onset: TailEvent): unknown {
    const mode = header(onset, "x-runtime-tail");
    if (mode === undefined) return () => {};
    const value = (): unknown => buildHostile(JSON.parse(header(onset, "x-recipe")!) as HostileRecipe);
    switch (mode) {
      case "runtime-start-throw":
        throw value();
      case "runtime-start-reject":
        return Promise.reject(value());
      case "runtime-start-return":
        return value();
      case "runtime-handler-throw":
        return () => {
          throw value();
        };
      default:
        return () => Promise.reject(value());
    }
  },
};

let runtime: Runtime;
const warnings: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
const LEVELS = ["log", "info", "debug", "warn", "error"] as const;
const originalConsole = LEVELS.map((level) => console[level]);
let vitestExceptionHandlers: NodeJS.UncaughtExceptionListener[] = [];

beforeAll(async () => {
  // The workers log megabytes; their consoles print through these and still report every call.
  for (const level of LEVELS) console[level] = () => {};
  // Errors thrown from a worker's timers are uncaught exceptions, which the runtime handles
  // (process-errors.ts) as workerd does; vitest's own handler would count them as test failures.
  // Without it, a runtime handler that throws ends the process, and the run fails.
  vitestExceptionHandlers = process.listeners("uncaughtException");
  for (const listener of vitestExceptionHandlers) process.off("uncaughtException", listener);
  process.on("unhandledRejection", onUnhandled);
  const config = fixtureConfig(
    [
      service("main", "hostile-fuzz/worker.js", {
        compatibilityFlags: ["service_binding_extra_handlers"],
        bindings: [
          { name: "self", service: "main" },
          { name: "api", service: { name: "main", entrypoint: "Api" } },
          { name: "actors", durableObjectNamespace: "Actor" },
        ],
        durableObjectNamespaces: [{ className: "Actor", uniqueKey: "hostile-actor" }],
        durableObjectStorage: { inMemory: true },
        streamingTails: ["tail", "badtail"],
      }),
      COLLECTOR,
      service("badtail", "hostile-fuzz/tail.js", { streamingTails: ["tail"] }),
    ],
    true,
  );
  runtime = await createRuntime(config, { onWarning: (message) => warnings.push(message), tail: runtimeTail });
});

afterAll(async () => {
  await runtime.close();
  process.off("unhandledRejection", onUnhandled);
  for (const listener of vitestExceptionHandlers) process.on("uncaughtException", listener);
  LEVELS.forEach((level, i) => (console[level] = originalConsole[i]!));
});

beforeEach(() => {
  unhandled.length = 0;
});

/** Text cut at a raw byte count, without the U+FFFD a character cut in two decodes to. */
function withoutCutCharacter(text: string): string {
  return text.endsWith("\ufffd") ? text.slice(0, -1) : text;
}

/** How the code measures an event against the per-event limit (core-context serialize.ts). */
function eventBytes(event: TailEvent): number {
  const payload = event.event;
  switch (payload.type) {
    case "log": {
      // The message is measured as JSON text, or, once cut, as the raw first 262144 bytes of
      // it: a character cut in two decodes to one U+FFFD (as workerd's UTF-8 conversion does).
      if (payload.truncated === true) return Buffer.byteLength(withoutCutCharacter(payload.message));
      return Buffer.byteLength(JSON.stringify(payload.message));
    }
    case "exception":
      // A microtask's exception message is cut like a log message: raw bytes, U+FFFD at the end.
      return (
        Buffer.byteLength(payload.name) +
        Buffer.byteLength(withoutCutCharacter(payload.message)) +
        Buffer.byteLength(payload.stack ?? "")
      );
    default:
      // Other events by their content, as workerd and the span budget count it: the UTF-8 bytes of
      // every key and string, 8 bytes per other value (JSON text would count a control character
      // six times over).
      return contentBytes(payload);
  }
}

function contentBytes(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value);
  if (value === null || typeof value !== "object") return 8;
  let total = 0;
  for (const [key, member] of Object.entries(value)) total += Buffer.byteLength(key) + contentBytes(member);
  return total;
}

function isTailSession(onset: TailEvent): boolean {
  return onset.event.type === "onset" && onset.event.info.type === "trace";
}

/**
 * Waits until every invocation but the tail workers' own sessions has its outcome (those
 * sessions get a few turns more): a session whose tail code never settles never ends, in
 * workerd as here, and the helpers' drainTails() would wait a second for it.
 */
async function drain(): Promise<void> {
  let extra = 0;
  for (let turn = 0; turn < 1000 && extra < 4; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const open = invocations().filter(({ events: list }) => list.at(-1)?.event.type !== "outcome");
    if (turn >= 2 && open.every(({ onset }) => isTailSession(onset))) {
      if (open.length === 0) return;
      extra++;
    }
  }
}

/**
 * Checks every collected invocation; returns a failure description or undefined. With
 * `hangingTail`, the tail worker's code may never settle (a thenable that never calls back),
 * so its sessions may still be open: workerd never ends them either.
 */
function checkStreams(hangingTail: boolean): string | undefined {
  for (const { onset, events: list } of invocations()) {
    const types = list.map((event) => event.event.type);
    const outcomes = types.filter((type) => type === "outcome").length;
    const stillOpen = hangingTail && isTailSession(onset) && outcomes === 0;
    if (!stillOpen && (outcomes !== 1 || types.at(-1) !== "outcome" || types[0] !== "onset")) {
      return `an invocation's stream is not onset … outcome with one outcome: ${JSON.stringify(summarize(list))}`;
    }
    const sequences = list.map((event) => event.sequence);
    if (new Set(sequences).size !== sequences.length) return `repeated sequence numbers: ${JSON.stringify(sequences)}`;
    for (const event of list) {
      const size = eventBytes(event);
      if (size > LIMIT) return `a ${event.event.type} event of ${size} bytes is over the per-event limit`;
    }
  }
  return undefined;
}

function requestHeaders(recipe: HostileRecipe, extra: Record<string, string> = {}): Record<string, string> {
  return { "x-recipe": encodeRecipe(recipe), ...extra };
}

type Settled = { ok: true; value: Response } | { ok: false; error: unknown };

async function settle(pending: Promise<Response>): Promise<Settled> {
  try {
    return { ok: true, value: await pending };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Runs one hostile request, then an ordinary one, and checks every property of the run. */
async function runCase(
  { path, settles, kinds, exceptions, logs }: WorkerPath,
  recipe: HostileRecipe,
  headers: Record<string, string> = {},
): Promise<void> {
  resetRecords();
  warnings.length = 0;
  const outcome = await settle(
    runtime.dispatchFetch("main", `http://main${path}`, { headers: requestHeaders(recipe, headers) }),
  );
  if (outcome.ok) {
    const text = await outcome.value.text();
    if (settles === "done" && (outcome.value.status !== 200 || text !== "done")) {
      throw new Error(
        `${path} answered ${outcome.value.status} ${JSON.stringify(text.slice(0, 200))}, expected 200 "done"`,
      );
    }
    if (settles === "rejects" || settles === "rejects-thrown")
      throw new Error(`${path} resolved, expected a rejection`);
  } else {
    if (settles === "done") throw new Error(`${path} rejected, expected the "done" response`, { cause: outcome.error });
    // Compared with Object.is: formatting a hostile value could throw.
    if (settles === "rejects-thrown" && !Object.is(outcome.error, results()[0])) {
      throw new Error(`${path} rejected with another value than the one the worker threw`);
    }
  }
  const ok = await runtime.dispatchFetch("main", "http://main/ok");
  expect(await ok.text()).toBe("ok");
  await drain();
  // A then() that never calls back, as tailStream()'s result or a handler's, leaves the session open.
  const hangingTail = ["start-return", "start-resolve", "handler-return"].includes(headers["x-tail-mode"] ?? "");
  const failure = checkStreams(hangingTail);
  if (failure !== undefined) throw new Error(`${path}: ${failure}`);
  // Every invocation the path makes took place (the hostile value reached its handler), and the
  // ordinary request after it got its exact stream.
  const isOk = (onset: TailEvent): boolean =>
    onset.event.type === "onset" && onset.event.info.type === "fetch" && header(onset, "x-recipe") === undefined;
  const hostileInvocations = invocations().filter(
    ({ onset }) => !isOk(onset) && onset.event.type === "onset" && onset.event.info.type !== "trace",
  );
  const made = hostileInvocations
    .map(({ onset }) => (onset.event.type === "onset" ? onset.event.info.type : "?"))
    .sort();
  if (JSON.stringify(made) !== JSON.stringify(kinds))
    throw new Error(`${path} made invocations ${JSON.stringify(made)}, expected ${JSON.stringify(kinds)}`);
  const count = (type: string): number =>
    hostileInvocations.reduce((n, { events: list }) => n + list.filter((event) => event.event.type === type).length, 0);
  if (exceptions !== undefined && count("exception") !== exceptions) {
    throw new Error(
      `${path} reported ${count("exception")} exception events, expected ${exceptions}: ${JSON.stringify(hostileInvocations.map((i) => summarize(i.events)))}`,
    );
  }
  // Logs of errors carry their whole message and stack in errorInfo (uncut, as in workerd), so a
  // few huge ones can overflow the tail's 4 MiB queue: a dropped log is counted instead.
  const dropped = hostileInvocations.reduce(
    (n, { events: list }) =>
      n +
      list.reduce((m, event) => m + (event.event.type === "streamDiagnostic" ? event.event.diagnostic.count : 0), 0),
    0,
  );
  if (logs !== undefined && count("log") + dropped !== logs)
    throw new Error(`${path} reported ${count("log")} log events (${dropped} dropped), expected ${logs}`);
  const normal = invocations().filter(({ onset }) => isOk(onset));
  expect(normal.map((invocation) => summarize(invocation.events))).toEqual([OK_STREAM]);
  expect(unhandled).toEqual([]);
  for (const warning of warnings) expect(typeof warning).toBe("string");
}

const SEED = process.env["HOSTILE_SEED"];
const PATH = process.env["HOSTILE_PATH"];

function assertRuns(property: fc.IAsyncPropertyWithHooks<[HostileRecipe]>): Promise<void> {
  return fc.assert(property, {
    numRuns: RUNS,
    ...(SEED === undefined ? {} : { seed: Number(SEED) }),
    ...(PATH === undefined ? {} : { path: PATH }),
  });
}

/** A promise whose `constructor` getter throws (the shrunk counterexample of two bugs). */
const hostilePromise: HostileRecipe = {
  k: "object",
  proto: "promise",
  fields: [["constructor", { how: "throw", v: { k: "array", items: [], cycle: false } }]],
  cycle: false,
  frozen: false,
};

describe("hostile values from worker code", () => {
  // Found by the /wait-until-value property: `Promise.resolve()` of such a promise reads its
  // `constructor` and threw out of `ctx.waitUntil()` into the worker (its request failed).
  // Found by the /log property: five logs of an error with a 425 KB message overflow the tail's
  // queue (errorInfo keeps message and stack whole); the dropped log is counted, not lost.
  it("delivers a huge error's errorInfo whole, and counts every log the tail's queue had no room for", async () => {
    const recipe: HostileRecipe = {
      k: "error",
      ctor: "Error",
      message: { prefix: "\ud800", text: "  ", repeat: 212672 },
      members: [],
      fields: [],
      cycle: true,
      proto: "null",
      frozen: false,
    };
    await runCase(
      WORKER_PATHS.find((entry) => entry.path === "/log")!,
      recipe,
    );
    const [main] = invocations();
    const list = main!.events;
    const withErrorInfo = list.filter((event) => event.event.type === "log" && "errorInfo" in event.event);
    expect(withErrorInfo.length).toBeGreaterThan(0);
    // How many events the queue dropped depends on how far the tail got meanwhile; each one
    // dropped is a sequence number missing before the diagnostic, and the diagnostic counts it.
    const diagnostic = list.find((event) => event.event.type === "streamDiagnostic");
    if (diagnostic === undefined) {
      expect(list.map((event) => event.sequence)).toEqual(list.map((_, i) => i));
    } else {
      const before = list.filter((event) => event.sequence < diagnostic.sequence).length;
      expect(diagnostic.event).toEqual({
        type: "streamDiagnostic",
        diagnostic: { diagnosticsType: "droppedEvents", count: diagnostic.sequence - before },
      });
    }
  });

  it("waits for a promise whose constructor getter throws, passed to ctx.waitUntil()", async () => {
    await runCase(
      WORKER_PATHS.find((entry) => entry.path === "/wait-until-value")!,
      hostilePromise,
    );
  });

  it.for(WORKER_PATHS)("leave the runtime working: $path", { timeout: 120_000 }, async (path) => {
    await assertRuns(fc.asyncProperty(hostileRecipe, (recipe) => runCase(path, recipe)));
  });
});

describe("hostile values from streaming tail workers", () => {
  it.for(TAIL_MODES)("leave the runtime working: %s", { timeout: 120_000 }, async (mode) => {
    await assertRuns(fc.asyncProperty(hostileRecipe, (recipe) => runCase(TAIL_PATH, recipe, { "x-tail-mode": mode })));
  });

  it.for(RUNTIME_TAIL_MODES)("leave the runtime working: %s", { timeout: 120_000 }, async (mode) => {
    await assertRuns(
      fc.asyncProperty(hostileRecipe, (recipe) => runCase(TAIL_PATH, recipe, { "x-runtime-tail": mode })),
    );
  });

  // Found by the properties above: tailStream() returning a promise whose `constructor` getter
  // throws (Promise.resolve() reads it), or whose `then` getter throws when read again.
  it.for([
    { header: "x-tail-mode", mode: "start-return" },
    { header: "x-runtime-tail", mode: "runtime-start-return" },
  ])(
    "leave the runtime working when tailStream() returns a promise whose constructor getter throws ($mode)",
    async ({ header: name, mode }) => {
      await runCase(TAIL_PATH, hostilePromise, { [name]: mode });
    },
  );

  const promiseWithFlippingThen: HostileRecipe = {
    k: "object",
    proto: "promise",
    fields: [["then", { how: "flip", v: { k: "function", kind: "arrow", fields: [] } }]],
    cycle: false,
    frozen: false,
  };
  it("leave the runtime working when tailStream() returns a promise whose then getter throws when read again", async () => {
    await runCase(TAIL_PATH, promiseWithFlippingThen, { "x-runtime-tail": "runtime-start-return" });
  });
});
