import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type HandlerKind,
  type Invocation,
  IoContext,
  reportLog,
  type TailEvent,
  type TailSink,
  traceInvocationIn,
  currentUserSpan,
  runningInvocation,
} from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import { withSpan } from "@workers-tracing/tracing-helpers";
import type { Runtime } from "../src/index";
import { fixtureConfig, service, start } from "./helpers";
import {
  Runner,
  check,
  describeOps,
  topBodyArb,
  type Body,
  type Liveness,
  type ModelInvocation,
  type Platform,
  type StreamExpectation,
} from "./property-model";

/**
 * Property tests: random traced programs run as concurrent invocations, checked against the
 * model of spec §3 and §4.6. The seed is fixed so that CI runs the same cases every time; set
 * PROPERTY_SEED (and PROPERTY_PATH, both printed on failure) to replay a failure, and
 * PROPERTY_RUNS to scale the number of cases.
 */
const SEED = Number(process.env["PROPERTY_SEED"] ?? 20261127);
const PATH = process.env["PROPERTY_PATH"];
const SCALE = Number(process.env["PROPERTY_RUNS"] ?? 1);

function runs(count: number): number {
  return Math.max(1, Math.round(count * SCALE));
}

/** Runs a property with the fixed seed; a failure names the seed and path that replay it. */
async function assertProperty<T>(
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  predicate: (value: T) => Promise<void>,
): Promise<void> {
  const parameters: fc.Parameters<[T]> = {
    numRuns,
    seed: SEED,
    endOnFailure: true,
    ...(PATH === undefined ? {} : { path: PATH }),
  };
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), parameters);
  if (details.failed) {
    const error = details.errorInstance;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `property failed after ${details.numRuns} cases; replay with PROPERTY_SEED=${details.seed} PROPERTY_PATH=${details.counterexamplePath ?? ""}\n${message}`,
    );
  }
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// core-context level: the embedder API (IoContext, traceInvocation), exact liveness

interface InvocationSpec {
  readonly body: Body;
  readonly kind: HandlerKind;
  readonly traced: boolean;
  /** -1: delivered at once; else after a timer of that many ms. */
  readonly startDelay: number;
}

function caseArb(actor: boolean): fc.Arbitrary<InvocationSpec[]> {
  return fc.array(
    fc.record({
      body: topBodyArb(false),
      // jsrpc handlers get no root frame (spec §3.3): their spans fall back to the newest live
      // invocation's root on an actor (spec §3.7).
      kind: actor
        ? fc.constantFrom<HandlerKind>("fetch", "fetch", "alarm", "jsrpc")
        : fc.constantFrom<HandlerKind>("fetch", "test", "custom"),
      traced: actor ? fc.integer({ min: 1, max: 8 }).map((n) => n !== 1) : fc.constant(true),
      startDelay: fc.integer({ min: -1, max: 2 }),
    }),
    { minLength: 1, maxLength: 4 },
  );
}

/** Liveness as the harness knows it: it starts and finishes every invocation itself. */
class HarnessLiveness implements Liveness {
  readonly #lists = new Map<ModelInvocation, ModelInvocation[]>();

  deliver(invocation: ModelInvocation, list: ModelInvocation[]): void {
    list.push(invocation);
    this.#lists.set(invocation, list);
  }

  finish(invocation: ModelInvocation): void {
    const list = this.#lists.get(invocation)!;
    list.splice(list.lastIndexOf(invocation), 1);
  }

  isLive(invocation: ModelInvocation): boolean {
    return this.#lists.get(invocation)?.includes(invocation) ?? false;
  }

  newest(invocation: ModelInvocation): ModelInvocation | undefined {
    return this.#lists.get(invocation)?.at(-1);
  }
}

/** Collects one invocation's events; a delivery after close() is a problem. */
function collectingSink(events: TailEvent[], problems: string[], label: string): TailSink {
  let closed = false;
  return {
    deliver(event) {
      if (closed) problems.push(`${label}: ${event.event.type} delivered after the sink was closed`);
      events.push(event);
    },
    close() {
      if (closed) problems.push(`${label}: sink closed twice`);
      closed = true;
    },
  };
}

const CORE_PLATFORM: Platform = {
  tracing,
  withSpan: (name, fn) => withSpan(name, fn),
  log: (message) => void reportLog("log", [message]),
};

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let caseCounter = 0;

async function runCoreCase(specs: readonly InvocationSpec[], actor: boolean): Promise<void> {
  const liveness = new HarnessLiveness();
  const runner = new Runner(`c${caseCounter++}`, liveness);
  const actorContext = actor
    ? new IoContext({ executionModel: "durableObject", durableObjectId: "d".repeat(64) })
    : undefined;
  const actorList: ModelInvocation[] = [];
  const streams: StreamExpectation[] = [];
  const sinkProblems: string[] = [];

  const deliver = (spec: InvocationSpec, index: number): Promise<void> => {
    const invocation: ModelInvocation = {
      label: `${runner.prefix}.i${index}`,
      traced: spec.traced,
      stateless: !actor,
      impl: undefined,
      onsetId: "",
      failed: false,
    };
    const events: TailEvent[] = [];
    streams.push({
      invocation,
      events,
      returns: spec.kind !== "test",
      failure: { outcome: spec.kind === "test" ? "ok" : "exception", exception: true },
    });
    const context = actorContext ?? new IoContext();
    const tail = spec.traced ? collectingSink(events, sinkProblems, invocation.label) : undefined;
    return traceInvocationIn(context, { tail, kind: spec.kind }, async () => {
      const impl = runningInvocation()!;
      invocation.impl = impl;
      invocation.onsetId = impl.onsetSpanId;
      liveness.deliver(invocation, actor ? actorList : []);
      const frame =
        spec.kind === "jsrpc"
          ? ({ kind: "bare", inv: invocation } as const)
          : ({ kind: "root", inv: invocation } as const);
      let failure: unknown;
      try {
        await runner.body(CORE_PLATFORM, spec.body, frame);
      } catch (error) {
        invocation.failed = true;
        failure = error;
      }
      // traceInvocation reports the outcome in the microtasks after this function returns,
      // so the model's view of the invocation's end is exact.
      await nextTurn();
      liveness.finish(invocation);
      if (invocation.failed) throw failure;
    }).then(
      () => {
        if (invocation.failed)
          runner.problems.push(`${invocation.label}: traceInvocation resolved for a failed handler`);
      },
      () => {
        if (!invocation.failed) runner.problems.push(`${invocation.label}: traceInvocation rejected`);
      },
    );
  };

  const started = specs.map(
    (spec, index) =>
      new Promise<void>((resolve) => {
        const begin = (): void => void deliver(spec, index).then(resolve);
        if (spec.startDelay < 0) begin();
        else setTimeout(begin, spec.startDelay);
      }),
  );
  await Promise.all(started);
  await runner.idle();
  await nextTurn();
  const problems = [...sinkProblems, ...check(runner, streams, new Map())];
  if (problems.length > 0) {
    const programs = specs.map(
      (spec, i) =>
        `invocation ${i} (${spec.kind}${spec.traced ? "" : ", untraced"}, start ${spec.startDelay}${spec.body.fail ? ", fails" : ""}):\n${describeOps(spec.body.ops)}`,
    );
    throw new Error(`${problems.slice(0, 12).join("\n")}\n--- programs (${runner.prefix})\n${programs.join("\n")}`);
  }
}

describe("random traced programs on core-context", () => {
  it(
    "keep every stateless invocation's spans and logs in its own stream, closed before its outcome",
    { timeout: 120000 },
    async () => {
      await assertProperty(caseArb(false), runs(1000), (specs) => runCoreCase(specs, false));
    },
  );

  it(
    "attribute spans and logs on one actor as spec §3.7 says, with the newest live invocation as fallback",
    { timeout: 120000 },
    async () => {
      await assertProperty(caseArb(true), runs(1000), (specs) => runCoreCase(specs, true));
    },
  );
});

// ---------------------------------------------------------------------------------------------
// workers-shim level: the same programs in a worker run by the runtime, with console.log,
// runtime fetches through a service binding, and a Durable Object reached by fetch and RPC

const HOST = Symbol.for("workers-shim.test.reliability");

interface ShimSpec {
  readonly body: Body;
  readonly kind: "fetch" | "rpc";
  readonly startDelay: number;
}

function shimCaseArb(actor: boolean): fc.Arbitrary<ShimSpec[]> {
  return fc.array(
    fc.record({
      body: topBodyArb(true),
      kind: actor ? fc.constantFrom<"fetch" | "rpc">("fetch", "rpc") : fc.constant<"fetch" | "rpc">("fetch"),
      startDelay: fc.integer({ min: -1, max: 2 }),
    }),
    { minLength: 1, maxLength: 3 },
  );
}

/** Liveness as the runtime decides it: the model reads it when an operation runs. */
class RuntimeLiveness implements Liveness {
  readonly #models = new Map<Invocation, ModelInvocation>();

  modelOf(impl: Invocation): ModelInvocation {
    let model = this.#models.get(impl);
    if (model === undefined) {
      model = {
        label: "?",
        traced: impl.traced,
        stateless: impl.context.executionModel === "stateless",
        impl,
        onsetId: impl.onsetSpanId,
        failed: false,
      };
      this.#models.set(impl, model);
    }
    return model;
  }

  isLive(invocation: ModelInvocation): boolean {
    return invocation.impl!.isLive;
  }

  newest(invocation: ModelInvocation): ModelInvocation | undefined {
    const newest = invocation.impl!.context.newestLive;
    return newest === undefined ? undefined : this.modelOf(newest);
  }
}

interface ShimCase {
  readonly runner: Runner;
  readonly liveness: RuntimeLiveness;
  readonly specs: readonly ShimSpec[];
  readonly programs: ModelInvocation[];
}

const shimCases = new Map<string, ShimCase>();
const tailEvents: TailEvent[] = [];

function parseProgramUrl(url: string): { shimCase: ShimCase; index: number; caseId: string } {
  const [caseId, index] = new URL(url).pathname.split("/").slice(-2);
  return { shimCase: shimCases.get(caseId!)!, index: Number(index), caseId: caseId! };
}

async function runProgram(url: string, platform: Platform, rpcFrame: boolean): Promise<string> {
  const { shimCase, index } = parseProgramUrl(url);
  const model = shimCase.liveness.modelOf(runningInvocation()!);
  model.label = `${shimCase.runner.prefix}.i${index}`;
  shimCase.programs[index] = model;
  // An RPC method runs with the callee's jsRpcCall span current (as workerd 2026-11-17 does).
  const frame = rpcFrame
    ? shimCase.runner.runtimeFrame(model, currentUserSpan()!.spanId)
    : ({ kind: "root", inv: model } as const);
  try {
    await shimCase.runner.body(platform, shimCase.specs[index]!.body, frame);
  } catch (error) {
    model.failed = true;
    // The runtime ends a failed invocation in the microtasks that follow the rejection; failing
    // at the start of a turn keeps the model's view of that moment exact (as for a return).
    await nextTurn();
    throw error;
  }
  return "done";
}

/** The worker's own console: a worker logs through the global scope of its service. */
type WorkerConsole = Pick<Console, "log">;

function platformFor(
  tracingObject: typeof tracing,
  env: Record<string, unknown>,
  workerConsole: WorkerConsole,
): Platform {
  const callee = env["CALLEE"] as { fetch(url: string): Promise<Response> };
  return {
    tracing: tracingObject,
    withSpan: (name, fn) => withSpan(name, fn),
    log: (message) => workerConsole.log(message),
    fetch: (url) => callee.fetch(url),
  };
}

const host = {
  async main(
    request: Request,
    env: Record<string, unknown>,
    ctx: { tracing: typeof tracing },
    workerConsole: WorkerConsole,
  ): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/warm/")) {
      const namespace = env["ACTORS"] as {
        idFromName(name: string): unknown;
        get(id: unknown): Record<string, () => Promise<unknown>>;
      };
      return new Response(
        String(await namespace.get(namespace.idFromName(url.pathname.slice("/warm/".length)))["warm"]!()),
      );
    }
    if (url.pathname.startsWith("/front/")) {
      const { shimCase, index, caseId } = parseProgramUrl(request.url);
      const namespace = env["ACTORS"] as {
        idFromName(name: string): unknown;
        get(id: unknown): Record<string, (...args: unknown[]) => Promise<unknown>>;
      };
      const stub = namespace.get(namespace.idFromName(caseId));
      const target = `http://actor/${caseId}/${index}`;
      if (shimCase.specs[index]!.kind === "rpc") return new Response(String(await stub["run"]!(target)));
      return (await stub["fetch"]!(target)) as Response;
    }
    return new Response(await runProgram(request.url, platformFor(ctx.tracing, env, workerConsole), false));
  },
  async actor(
    url: string,
    env: Record<string, unknown>,
    tracingObject: typeof tracing,
    kind: "fetch" | "rpc",
    workerConsole: WorkerConsole,
  ): Promise<unknown> {
    const result = await runProgram(url, platformFor(tracingObject, env, workerConsole), kind === "rpc");
    return kind === "rpc" ? result : new Response(result);
  },
  callee(request: Request, ctx: { tracing: typeof tracing }, workerConsole: WorkerConsole): Response {
    ctx.tracing.enterSpan("callee", () => workerConsole.log(`callee:${request.url}`));
    return new Response(`callee ${request.url}`);
  },
  tail(event: TailEvent): void {
    tailEvents.push(event);
  },
};

/** Waits until every invocation the tail has seen reported its outcome. */
async function drainStreams(): Promise<void> {
  for (let turn = 0; turn < 2000; turn++) {
    const open = new Set<string>();
    for (const event of tailEvents) {
      if (event.event.type === "onset") open.add(event.invocationId);
      else if (event.event.type === "outcome") open.delete(event.invocationId);
    }
    if (open.size === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error("streams did not end");
}

function byInvocation(events: readonly TailEvent[]): Map<string, TailEvent[]> {
  const groups = new Map<string, TailEvent[]>();
  for (const event of events) {
    let group = groups.get(event.invocationId);
    if (group === undefined) groups.set(event.invocationId, (group = []));
    group.push(event);
  }
  return groups;
}

describe("random traced programs in the workers-shim", () => {
  let runtime: Runtime;
  let warnings: string[];
  const silenced = ["log", "info", "debug", "warn", "error"] as const;
  const originals = silenced.map((level) => console[level]);

  beforeAll(async () => {
    (globalThis as Record<symbol, unknown>)[HOST] = host;
    // The programs log a lot; the workers' consoles print through these and still report every call.
    for (const level of silenced) console[level] = () => {};
    const config = fixtureConfig([
      service("main", "reliability/worker.js", {
        bindings: [
          { name: "CALLEE", service: "callee" },
          { name: "ACTORS", durableObjectNamespace: "Actor" },
        ],
        durableObjectNamespaces: [{ className: "Actor", uniqueKey: "actor" }],
        durableObjectStorage: { inMemory: true },
        streamingTails: ["tail"],
      }),
      service("callee", "reliability/callee.js", { streamingTails: ["tail"] }),
      service("tail", "reliability/tail.js"),
    ]);
    ({ runtime, warnings } = await start(config));
  });

  afterAll(async () => {
    await runtime.close();
    silenced.forEach((level, i) => (console[level] = originals[i]!));
    delete (globalThis as Record<symbol, unknown>)[HOST];
  });

  async function runShimCase(specs: readonly ShimSpec[], actor: boolean): Promise<void> {
    const caseId = `c${caseCounter++}`;
    const liveness = new RuntimeLiveness();
    const shimCase: ShimCase = { runner: new Runner(caseId, liveness), liveness, specs, programs: [] };
    shimCases.set(caseId, shimCase);
    if (actor) {
      // The model describes a started object: start it first, outside the case's events.
      await (await runtime.dispatchFetch("main", `http://main/warm/${caseId}`)).text();
      await drainStreams();
    }
    tailEvents.length = 0;
    const outcomes = await Promise.all(
      specs.map(
        (spec, index) =>
          new Promise<{ ok: boolean; text: string }>((resolve) => {
            const url = actor ? `http://main/front/${caseId}/${index}` : `http://main/${caseId}/${index}`;
            const begin = (): void =>
              void runtime
                .dispatchFetch("main", url)
                .then((response) => response.text())
                .then(
                  (text) => resolve({ ok: true, text }),
                  (error: unknown) => resolve({ ok: false, text: String(error) }),
                );
            if (spec.startDelay < 0) begin();
            else setTimeout(begin, spec.startDelay);
          }),
      ),
    );
    await shimCase.runner.idle();
    await drainStreams();
    shimCases.delete(caseId);

    const problems: string[] = [...warnings.splice(0).map((warning) => `runtime warning: ${warning}`)];
    outcomes.forEach((outcome, index) => {
      const expected = specs[index]!.body.fail
        ? { ok: false, text: `Error: ${caseId}: handler fails` }
        : { ok: true, text: "done" };
      if (outcome.ok !== expected.ok || outcome.text !== expected.text) {
        problems.push(`request ${index}: ${JSON.stringify(outcome)}, expected ${JSON.stringify(expected)}`);
      }
    });
    const groups = byInvocation(tailEvents);
    const calleeOnsets = new Map<string, TailEvent>();
    const streams: StreamExpectation[] = [];
    const programIds = new Set(shimCase.programs.map((model) => model?.impl?.invocationId));
    for (const [invocationId, events] of groups) {
      const onset = events[0]!.event;
      const url = onset.type === "onset" && onset.info.type === "fetch" ? onset.info.url : "";
      if (programIds.has(invocationId)) continue;
      if (url.startsWith("http://callee/")) {
        calleeOnsets.set(events[0]!.spanContext.spanId ?? "(none)", events[0]!);
        const types = events.map((event) =>
          event.event.type === "log" ? `log ${JSON.stringify(event.event.message)}` : event.event.type,
        );
        const expectedTypes = [
          "onset",
          "spanOpen",
          `log ${JSON.stringify([`callee:${url}`])}`,
          "spanClose",
          "return",
          "outcome",
        ];
        if (types.join() !== expectedTypes.join()) problems.push(`callee ${url}: ${types.join(", ")}`);
      }
      // Front requests and callees: the invariants, and none of the program's spans or logs.
      const index = url.startsWith("http://main/front/") ? Number(url.split("/").at(-1)) : -1;
      const model: ModelInvocation = {
        label: url,
        traced: true,
        stateless: true,
        impl: undefined,
        onsetId: onset.type === "onset" ? onset.spanId : "",
        failed: index >= 0 && specs[index]!.body.fail,
      };
      streams.push({ invocation: model, events, returns: true, failure: { outcome: "exception", exception: true } });
    }
    shimCase.programs.forEach((model, index) => {
      if (model === undefined) {
        problems.push(`program ${index} never ran`);
        return;
      }
      const rpc = specs[index]!.kind === "rpc";
      streams.push({
        invocation: model,
        events: groups.get(model.impl!.invocationId) ?? [],
        returns: true,
        // A failing RPC method's error goes to the caller: no exception event, outcome ok.
        failure: rpc ? { outcome: "ok", exception: false } : { outcome: "exception", exception: true },
      });
    });
    problems.push(...check(shimCase.runner, streams, calleeOnsets));
    if (problems.length > 0) {
      const programs = specs.map(
        (spec, i) =>
          `invocation ${i} (${spec.kind}, start ${spec.startDelay}${spec.body.fail ? ", fails" : ""}):\n${describeOps(spec.body.ops)}`,
      );
      throw new Error(`${problems.slice(0, 12).join("\n")}\n--- programs (${caseId})\n${programs.join("\n")}`);
    }
  }

  it(
    "keep each stateless request's spans, logs and runtime fetch spans in its own stream",
    { timeout: 120000 },
    async () => {
      await assertProperty(shimCaseArb(false), runs(200), (specs) => runShimCase(specs, false));
    },
  );

  it(
    "attribute a Durable Object's concurrent fetch and RPC invocations as spec §3.7 says",
    { timeout: 120000 },
    async () => {
      await assertProperty(shimCaseArb(true), runs(200), (specs) => runShimCase(specs, true));
    },
  );
});
