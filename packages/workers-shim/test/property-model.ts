/**
 * Random traced programs for the property tests: a generator (fast-check arbitraries), an
 * interpreter that runs a program inside an invocation, and a model that says — at the moment
 * each operation runs — which invocation's stream its span or log must reach and under which
 * parent (spec §3.2, §3.5, §3.7, §3.8). The checker compares the model with the tail events.
 */
import fc from "fast-check";
import type { Invocation, TailEvent } from "@workers-tracing/core-context";
import type { Span, Tracing } from "@workers-tracing/user-tracing";

// ---------------------------------------------------------------------------------------------
// Programs

/** How a span made by enterSpan / withSpan / startActiveSpan / startSpan is ended. */
export type EndPolicy = "auto" | "early" | "atEnd" | "late" | "never";

/** The body of a span callback or of an invocation. */
export interface Body {
  readonly async: boolean;
  readonly ops: readonly Op[];
  /** Throws (sync) or rejects (async) after its operations. */
  readonly fail: boolean;
  /** Async only: waits on a promise that never settles after its operations. */
  readonly abandon: boolean;
}

/** One operation of a program. */
export type Op =
  | {
      readonly t: "span";
      readonly api: "enterSpan" | "startActiveSpan" | "withSpan";
      readonly body: Body;
      readonly end: EndPolicy;
      readonly attr: boolean;
      /** For an async body: whether the caller awaits the result (else it is left running). */
      readonly wait: boolean;
      readonly delay: number;
    }
  | {
      readonly t: "gen";
      readonly async: boolean;
      readonly steps: readonly (readonly Op[])[];
      readonly finish: "complete" | "break" | "throw" | "leave";
      readonly attr: boolean;
    }
  | {
      readonly t: "startSpan";
      readonly end: "early" | "late" | "never";
      readonly attr: boolean;
      readonly delay: number;
    }
  | { readonly t: "await" }
  | { readonly t: "timer"; readonly delay: number; readonly wait: boolean; readonly ops: readonly Op[] }
  | { readonly t: "micro"; readonly ops: readonly Op[] }
  | { readonly t: "then"; readonly wait: boolean; readonly ops: readonly Op[] }
  | { readonly t: "log" }
  | { readonly t: "fetch" };

/** Where an operation list runs, which decides the operations it may hold. */
interface Scope {
  /** Inside a synchronous callback: nothing may be awaited. */
  readonly sync: boolean;
  /** On the invocation's awaited chain: the invocation is live until the operation finished. */
  readonly attached: boolean;
  /** Whether runtime fetches are available (the workers-shim runs). */
  readonly fetch: boolean;
}

const rarely = (oneIn: number): fc.Arbitrary<boolean> => fc.integer({ min: 1, max: oneIn }).map((n) => n === 1);
const delayArb = fc.integer({ min: 0, max: 2 });

const cache = new Map<string, fc.Arbitrary<Op[]>>();

/** Operation lists of at most `depth` levels of nesting. */
export function opsArb(depth: number, scope: Scope, maxLength = 3): fc.Arbitrary<Op[]> {
  const key = `${depth}/${scope.sync}/${scope.attached}/${scope.fetch}/${maxLength}`;
  let arb = cache.get(key);
  if (arb === undefined) {
    arb = fc.array(opArb(depth, scope), { maxLength });
    cache.set(key, arb);
  }
  return arb;
}

function leafArb(scope: Scope): fc.Arbitrary<Op> {
  const leaves: fc.Arbitrary<Op>[] = [
    fc.constant({ t: "log" } as const),
    fc.record({
      t: fc.constant("startSpan" as const),
      end: fc.constantFrom("early", "late", "never"),
      attr: fc.boolean(),
      delay: delayArb,
    }),
  ];
  if (!scope.sync) leaves.push(fc.constant({ t: "await" } as const));
  if (!scope.sync && scope.attached && scope.fetch) leaves.push(fc.constant({ t: "fetch" } as const));
  return fc.oneof(...leaves);
}

function opArb(depth: number, scope: Scope): fc.Arbitrary<Op> {
  if (depth <= 0) return leafArb(scope);
  const inner = depth - 1;
  const detached: Scope = { sync: false, attached: false, fetch: scope.fetch };
  const span = fc
    .record({
      api: fc.constantFrom("enterSpan", "startActiveSpan", "withSpan"),
      async: fc.boolean(),
      waitChoice: fc.boolean(),
      abandonChoice: rarely(5),
      fail: rarely(5),
      attr: fc.boolean(),
      delay: delayArb,
    })
    .chain(({ api, async, waitChoice, abandonChoice, fail, attr, delay }) => {
      const abandon = async && abandonChoice;
      const wait = async && !abandon && !scope.sync && waitChoice;
      const bodyScope: Scope = { sync: !async, attached: scope.attached && (!async || wait), fetch: scope.fetch };
      const ends: readonly EndPolicy[] =
        api === "startActiveSpan" ? ["early", "atEnd", "late", "never"] : ["auto", "auto", "early", "late"];
      return fc.record({
        t: fc.constant("span" as const),
        api: fc.constant(api),
        body: opsArb(inner, bodyScope).map((ops): Body => ({ async, ops, fail, abandon })),
        end: fc.constantFrom(...ends),
        attr: fc.constant(attr),
        wait: fc.constant(wait),
        delay: fc.constant(delay),
      });
    });
  const gen = (scope.sync ? fc.constant(false) : fc.boolean()).chain((async) =>
    fc.record({
      t: fc.constant("gen" as const),
      async: fc.constant(async),
      steps: fc.array(opsArb(inner, { sync: !async, attached: scope.attached, fetch: scope.fetch }, 2), {
        minLength: 1,
        maxLength: 3,
      }),
      finish: fc.constantFrom("complete", "complete", "break", "throw", "leave"),
      attr: fc.boolean(),
    }),
  );
  const waited = (wait: boolean): Scope => ({ sync: false, attached: scope.attached && wait, fetch: scope.fetch });
  const timer = (scope.sync ? fc.constant(false) : fc.boolean()).chain((wait) =>
    fc.record({
      t: fc.constant("timer" as const),
      delay: delayArb,
      wait: fc.constant(wait),
      ops: opsArb(inner, waited(wait)),
    }),
  );
  const then = (scope.sync ? fc.constant(false) : fc.boolean()).chain((wait) =>
    fc.record({ t: fc.constant("then" as const), wait: fc.constant(wait), ops: opsArb(inner, waited(wait)) }),
  );
  const micro = fc.record({ t: fc.constant("micro" as const), ops: opsArb(inner, detached) });
  return fc.oneof(
    { weight: 4, arbitrary: leafArb(scope) },
    { weight: 4, arbitrary: span },
    { weight: 1, arbitrary: gen },
    { weight: 2, arbitrary: timer },
    { weight: 1, arbitrary: then },
    { weight: 1, arbitrary: micro },
  );
}

/** The handler body of one invocation: async, never abandoned, sometimes failing. */
export function topBodyArb(fetch: boolean, depth = 3): fc.Arbitrary<Body> {
  return fc
    .record({ ops: opsArb(depth, { sync: false, attached: true, fetch }, 5), fail: rarely(8) })
    .map(({ ops, fail }): Body => ({ async: true, ops, fail, abandon: false }));
}

// ---------------------------------------------------------------------------------------------
// Model

/** One invocation as the model sees it. */
export interface ModelInvocation {
  /** `c<case>.i<index>`, or `?` for an invocation the model did not start. */
  label: string;
  traced: boolean;
  stateless: boolean;
  impl: Invocation | undefined;
  onsetId: string;
  /** Set when the handler failed. */
  failed: boolean;
}

/** Whether an invocation is live, and the newest live invocation of a context (spec §3.2). */
export interface Liveness {
  isLive(invocation: ModelInvocation): boolean;
  /** The newest live invocation of the context `invocation` was delivered to. */
  newest(invocation: ModelInvocation): ModelInvocation | undefined;
}

/** What is current for the code that runs: a root frame, a handler without one, or a span. */
export type Frame =
  | { readonly kind: "root" | "bare"; readonly inv: ModelInvocation }
  | { readonly kind: "span"; readonly node: SpanNode };

/** One span the program (or the runtime, for RPC) made. */
export interface SpanNode {
  readonly name: string;
  /** `live`: reported in `owner`'s stream; `dead`: made under a finished actor invocation, reported nowhere; `noop`. */
  readonly state: "live" | "dead" | "noop";
  readonly owner: ModelInvocation | undefined;
  readonly parentId: string;
  readonly id: string;
  readonly order: number;
  readonly attrs: string[];
  ended: boolean;
  endedWhileLive: boolean;
  /** A span the runtime made (not expected in the streams by the model). */
  readonly runtime: boolean;
}

interface LogRecord {
  readonly message: string;
  readonly target: ModelInvocation | undefined;
  readonly spanId: string;
}

/** A runtime fetch from a program, and the caller span the model expects for it. */
export interface FetchRecord {
  readonly url: string;
  readonly state: "live" | "dead" | "noop";
  readonly owner: ModelInvocation | undefined;
  readonly parentId: string;
  closedWhileLive: boolean;
  done: boolean;
}

/** What the interpreter calls to reach the runtime. */
export interface Platform {
  readonly tracing: Tracing;
  withSpan(name: string, fn: (span: Span) => unknown): unknown;
  log(message: string): void;
  fetch?(url: string): Promise<Response>;
}

const never = new Promise<never>(() => {});

/** The parent the model computes for a span created now. */
interface Parent {
  readonly state: "live" | "dead" | "noop";
  readonly owner: ModelInvocation | undefined;
  readonly parentId: string;
}

/** The model state of one generated case, plus the interpreter that runs its programs. */
export class Runner {
  readonly prefix: string;
  readonly liveness: Liveness;
  readonly nodes: SpanNode[] = [];
  readonly logs: LogRecord[] = [];
  readonly fetches: FetchRecord[] = [];
  readonly problems: string[] = [];
  #pending = 0;
  #counter = 0;
  #idle: (() => void)[] = [];

  constructor(prefix: string, liveness: Liveness) {
    this.prefix = prefix;
    this.liveness = liveness;
  }

  /** Resolves once no detached work (timers, microtasks, left-running callbacks) is pending. */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #track(work: Promise<unknown>): undefined {
    this.#pending++;
    const done = (): void => {
      if (--this.#pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
    };
    work.then(done, (error: unknown) => {
      this.problems.push(`detached work failed: ${String(error)}`);
      done();
    });
    return undefined;
  }

  #name(kind: string): string {
    return `${this.prefix}.${kind}${this.#counter++}`;
  }

  #frameInvocation(frame: Frame): ModelInvocation {
    return frame.kind === "span" ? frame.node.owner! : frame.inv;
  }

  /** Spec §3.2 (HEAD) and §3.7: the parent of a span created now under `frame`. */
  #parent(frame: Frame): Parent {
    const newest = this.liveness.newest(this.#frameInvocation(frame));
    if (newest === undefined || !newest.traced) return { state: "noop", owner: undefined, parentId: "" };
    let owner: ModelInvocation;
    let parentId: string;
    if (frame.kind === "span") [owner, parentId] = [frame.node.owner!, frame.node.id];
    else if (frame.kind === "bare") [owner, parentId] = [newest, newest.onsetId];
    else [owner, parentId] = [frame.inv, frame.inv.onsetId];
    if (!owner.traced) return { state: "noop", owner: undefined, parentId: "" };
    return { state: this.liveness.isLive(owner) ? "live" : "dead", owner, parentId };
  }

  #node(parent: Parent, name: string, span: Span): SpanNode {
    const recording = parent.state !== "noop";
    if (span.isTraced !== recording) {
      this.problems.push(`${name}: isTraced is ${span.isTraced} at creation, expected ${recording} (${parent.state})`);
    }
    const node: SpanNode = {
      name,
      state: parent.state,
      owner: parent.owner,
      parentId: parent.parentId,
      id: recording ? span.spanContext().spanId : "",
      order: this.#counter++,
      attrs: [],
      ended: false,
      endedWhileLive: false,
      runtime: false,
    };
    this.nodes.push(node);
    return node;
  }

  /** A frame for a span the runtime made current (the callee's `jsRpcCall`). */
  runtimeFrame(owner: ModelInvocation, id: string): Frame {
    const node: SpanNode = {
      name: "(runtime)",
      state: "live",
      owner,
      parentId: owner.onsetId,
      id,
      order: this.#counter++,
      attrs: [],
      ended: false,
      endedWhileLive: false,
      runtime: true,
    };
    return { kind: "span", node };
  }

  #bodyFrame(node: SpanNode, outer: Frame): Frame {
    return node.state === "noop" ? outer : { kind: "span", node };
  }

  #setAttribute(node: SpanNode, span: Span, key: string): void {
    span.setAttribute(key, node.name);
    if (node.state === "live" && !node.ended && this.liveness.isLive(node.owner!)) node.attrs.push(key);
  }

  /** Records that `node` ended now (by the program or by the API's automatic end). */
  #ended(node: SpanNode): void {
    if (node.state !== "live" || node.ended) return;
    node.ended = true;
    node.endedWhileLive = this.liveness.isLive(node.owner!);
  }

  #lateEnd(node: SpanNode, span: Span, delay: number): undefined {
    return this.#track(
      new Promise<void>((resolve) =>
        setTimeout(() => {
          this.#setAttribute(node, span, "late");
          span.end();
          this.#ended(node);
          // Ignored: the span has ended.
          span.setAttribute("after-end", 1);
          resolve();
        }, delay),
      ),
    );
  }

  /** Runs a handler body; rejects when the body fails. */
  async body(platform: Platform, body: Body, frame: Frame): Promise<void> {
    await this.#runAsync(platform, body.ops, frame);
    if (body.fail) throw new Error(`${this.prefix}: handler fails`);
  }

  #runSync(platform: Platform, ops: readonly Op[], frame: Frame): void {
    for (const op of ops) {
      if (this.#op(platform, op, frame) !== undefined) throw new Error(`generator bug: ${op.t} awaited in a sync body`);
    }
  }

  async #runAsync(platform: Platform, ops: readonly Op[], frame: Frame): Promise<void> {
    for (const op of ops) {
      const pending = this.#op(platform, op, frame);
      if (pending !== undefined) await pending;
    }
  }

  #op(platform: Platform, op: Op, frame: Frame): Promise<void> | undefined {
    switch (op.t) {
      case "log":
        this.#log(platform, frame);
        return undefined;
      case "await":
        return Promise.resolve();
      case "startSpan":
        return this.#startSpan(platform, op, frame);
      case "span":
        return this.#span(platform, op, frame);
      case "gen":
        return op.async ? this.#asyncGen(platform, op, frame) : this.#syncGen(platform, op, frame);
      case "timer": {
        const work = new Promise<void>((resolve, reject) =>
          setTimeout(() => void this.#runAsync(platform, op.ops, frame).then(resolve, reject), op.delay),
        );
        return op.wait ? work : this.#track(work);
      }
      case "micro": {
        let release!: () => void;
        this.#track(new Promise<void>((resolve) => (release = resolve)));
        queueMicrotask(() => void this.#runAsync(platform, op.ops, frame).then(release, release));
        return undefined;
      }
      case "then": {
        const work = Promise.resolve().then(() => this.#runAsync(platform, op.ops, frame));
        return op.wait ? work : this.#track(work);
      }
      case "fetch":
        return this.#fetch(platform, frame);
    }
  }

  #log(platform: Platform, frame: Frame): void {
    const message = this.#name("L");
    const newest = this.liveness.newest(this.#frameInvocation(frame));
    if (newest === undefined || !newest.traced) {
      this.logs.push({ message, target: undefined, spanId: "" });
    } else {
      // Spec §3.7: to the newest live invocation, with the current user span's id (or that
      // invocation's onset span id when no user span is current).
      this.logs.push({ message, target: newest, spanId: frame.kind === "span" ? frame.node.id : newest.onsetId });
    }
    platform.log(message);
  }

  #startSpan(platform: Platform, op: Extract<Op, { t: "startSpan" }>, frame: Frame): undefined {
    const name = this.#name("s");
    const parent = this.#parent(frame);
    const span = platform.tracing.startSpan(name);
    const node = this.#node(parent, name, span);
    if (op.attr) this.#setAttribute(node, span, "k");
    if (op.end === "early") {
      span.end();
      this.#ended(node);
    } else if (op.end === "late") {
      this.#lateEnd(node, span, op.delay);
    }
    return undefined;
  }

  #span(platform: Platform, op: Extract<Op, { t: "span" }>, frame: Frame): Promise<void> | undefined {
    const name = this.#name(op.api === "startActiveSpan" ? "a" : op.api === "withSpan" ? "w" : "e");
    const parent = this.#parent(frame);
    let node: SpanNode | undefined;
    const autoEnd = op.api !== "startActiveSpan";
    const begin = (span: Span): Frame => {
      node = this.#node(parent, name, span);
      if (op.attr) this.#setAttribute(node, span, "k");
      if (op.end === "early") {
        span.end();
        this.#ended(node);
      } else if (op.end === "late") {
        this.#lateEnd(node, span, op.delay);
      }
      return this.#bodyFrame(node, frame);
    };
    const finish = (span: Span): void => {
      if (op.end === "atEnd") {
        span.end();
        this.#ended(node!);
      }
      // enterSpan and withSpan end the span when the callback returns or its promise settles;
      // that happens in this same turn (synchronously, or in the microtasks that follow).
      if (autoEnd) this.#ended(node!);
    };
    const body = op.body;
    const callback: (span: Span) => unknown = body.async
      ? async (span: Span): Promise<string> => {
          const inner = begin(span);
          await this.#runAsync(platform, body.ops, inner);
          if (body.abandon) await never;
          finish(span);
          if (body.fail) throw new Error(`${name} rejects`);
          return name;
        }
      : (span: Span): string => {
          const inner = begin(span);
          this.#runSync(platform, body.ops, inner);
          finish(span);
          if (body.fail) throw new Error(`${name} throws`);
          return name;
        };
    let result: unknown;
    try {
      result =
        op.api === "enterSpan"
          ? platform.tracing.enterSpan(name, callback)
          : op.api === "withSpan"
            ? platform.withSpan(name, callback)
            : platform.tracing.startActiveSpan(name, callback);
    } catch (error) {
      if (!body.fail || body.async) this.problems.push(`${name}: unexpected throw ${String(error)}`);
      return undefined;
    }
    if (!body.async) {
      if (body.fail) this.problems.push(`${name}: a throwing callback did not throw`);
      else if (result !== name) this.problems.push(`${name}: returned ${String(result)}`);
      return undefined;
    }
    if (!(result instanceof Promise)) {
      this.problems.push(`${name}: an async callback's result is not a promise`);
      return undefined;
    }
    const settled = result.then(
      (value: unknown) => {
        if (body.fail) this.problems.push(`${name}: a rejecting callback resolved`);
        else if (value !== name) this.problems.push(`${name}: resolved ${String(value)}`);
      },
      (error: unknown) => {
        if (!body.fail) this.problems.push(`${name}: unexpected rejection ${String(error)}`);
      },
    );
    if (body.abandon) return undefined;
    return op.wait ? settled : this.#track(settled);
  }

  #syncGen(platform: Platform, op: Extract<Op, { t: "gen" }>, frame: Frame): undefined {
    const name = this.#name("g");
    const parent = this.#parent(frame);
    let node: SpanNode | undefined;
    let span: Span | undefined;
    const steps = op.steps;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a generator cannot be an arrow function; its body reaches the model through runner
    const runner = this;
    // The parameter initialiser runs when withSpan calls the function, i.e. when the span opens.
    const generator = platform.withSpan(name, function* (opened: Span, _ = (span = opened)) {
      const inner = runner.#bodyFrame(node!, frame);
      for (const step of steps) {
        runner.#runSync(platform, step, inner);
        yield step.length;
      }
      if (op.finish === "throw") throw new Error(`${name} throws`);
      return name;
    }) as Generator<number, string, undefined>;
    node = this.#node(parent, name, span!);
    if (op.attr) this.#setAttribute(node, span!, "k");
    try {
      if (op.finish === "leave") {
        generator.next();
        return undefined;
      }
      if (op.finish === "break") {
        generator.next();
        generator.return(name);
      } else {
        for (const _ of generator) {
          // Every step runs inside the span.
        }
      }
      if (op.finish === "throw") this.problems.push(`${name}: a throwing generator finished`);
    } catch (error) {
      if (op.finish !== "throw") this.problems.push(`${name}: unexpected throw ${String(error)}`);
    }
    this.#ended(node);
    return undefined;
  }

  async #asyncGen(platform: Platform, op: Extract<Op, { t: "gen" }>, frame: Frame): Promise<void> {
    const name = this.#name("g");
    const parent = this.#parent(frame);
    let node: SpanNode | undefined;
    let span: Span | undefined;
    const steps = op.steps;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a generator cannot be an arrow function; its body reaches the model through runner
    const runner = this;
    const generator = platform.withSpan(name, async function* (opened: Span, _ = (span = opened)) {
      const inner = runner.#bodyFrame(node!, frame);
      for (const step of steps) {
        await runner.#runAsync(platform, step, inner);
        yield step.length;
      }
      if (op.finish === "throw") throw new Error(`${name} throws`);
      return name;
    }) as AsyncGenerator<number, string, undefined>;
    node = this.#node(parent, name, span!);
    if (op.attr) this.#setAttribute(node, span!, "k");
    try {
      if (op.finish === "leave") {
        await generator.next();
        return;
      }
      if (op.finish === "break") {
        await generator.next();
        await generator.return(name);
      } else {
        for await (const _ of generator) {
          // Every step runs inside the span.
        }
      }
      if (op.finish === "throw") this.problems.push(`${name}: a throwing generator finished`);
    } catch (error) {
      if (op.finish !== "throw") this.problems.push(`${name}: unexpected throw ${String(error)}`);
    }
    this.#ended(node);
  }

  async #fetch(platform: Platform, frame: Frame): Promise<void> {
    const url = `http://callee/${this.#name("f")}`;
    const parent = this.#parent(frame);
    const record: FetchRecord = {
      url,
      state: parent.state,
      owner: parent.owner,
      parentId: parent.parentId,
      closedWhileLive: false,
      done: false,
    };
    this.fetches.push(record);
    const response = await platform.fetch!(url);
    // The fetch span ends once the response head is processed, in the microtasks that lead here.
    record.closedWhileLive = parent.owner !== undefined && this.liveness.isLive(parent.owner);
    record.done = true;
    const text = await response.text();
    if (text !== `callee ${url}`) this.problems.push(`${url}: callee answered ${JSON.stringify(text)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Checker

/** What the checker needs to know about one invocation besides its events. */
export interface StreamExpectation {
  readonly invocation: ModelInvocation;
  readonly events: readonly TailEvent[];
  /** Whether a `return` event follows a successful handler. */
  readonly returns: boolean;
  /** The outcome and whether an `exception` event is reported when the handler failed. */
  readonly failure: { readonly outcome: string; readonly exception: boolean };
}

function key(...parts: string[]): string {
  return parts.join(" ");
}

/** Groups a stream's `attributes` + `spanClose` pairs as `close <id> [names]`. */
function closes(events: readonly TailEvent[]): { key: string; id: string; index: number }[] {
  const list: { key: string; id: string; index: number }[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    if (event.event.type !== "spanClose") continue;
    const id = event.spanContext.spanId ?? "";
    const before = events[i - 1];
    const names =
      before !== undefined && before.event.type === "attributes" && before.spanContext.spanId === id
        ? before.event.info.map((attribute) => attribute.name).join(",")
        : "";
    list.push({ key: key("close", id, `[${names}]`), id, index: i });
  }
  return list;
}

function multisetDiff(expected: readonly string[], actual: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const item of expected) counts.set(item, (counts.get(item) ?? 0) + 1);
  for (const item of actual) counts.set(item, (counts.get(item) ?? 0) - 1);
  const diff: string[] = [];
  for (const [item, count] of counts) {
    if (count > 0) diff.push(`missing ${count}× ${item}`);
    if (count < 0) diff.push(`unexpected ${-count}× ${item}`);
  }
  return diff;
}

/**
 * Checks every stream against the model: the per-invocation invariants of spec §4.6, and the
 * exact multiset of program spans (with parents), span closes (with attributes) and logs (with
 * span ids) each stream must hold. Returns the problems found.
 */
export function check(
  runner: Runner,
  streams: readonly StreamExpectation[],
  calleeOnsets: ReadonlyMap<string, TailEvent>,
): string[] {
  const problems = [...runner.problems];
  const prefix = `${runner.prefix}.`;
  const isProgramSpanName = (name: string): boolean => name.startsWith(prefix);
  const programIds = new Set(runner.nodes.filter((node) => node.state === "live").map((node) => node.id));

  for (const stream of streams) {
    const { invocation, events } = stream;
    const label = invocation.label;
    const fail = (message: string): void => void problems.push(`${label}: ${message}`);
    if (!invocation.traced) {
      if (events.length > 0) fail(`untraced invocation has ${events.length} events`);
      continue;
    }
    // Spec §4.6: onset first, outcome last and once, sequence 0..n-1, one invocation and trace.
    if (events.length < 2) {
      fail(`only ${events.length} events`);
      continue;
    }
    events.forEach((event, i) => {
      if (event.sequence !== i) fail(`event ${i} (${event.event.type}) has sequence ${event.sequence}`);
      if (event.invocationId !== events[0]!.invocationId) fail(`event ${i} has another invocationId`);
      if (event.spanContext.traceId !== events[0]!.spanContext.traceId) fail(`event ${i} has another traceId`);
    });
    const first = events[0]!.event;
    const last = events.at(-1)!.event;
    if (first.type !== "onset") fail(`first event is ${first.type}`);
    if (first.type === "onset" && first.spanId !== invocation.onsetId)
      fail(`onset span id ${first.spanId}, expected ${invocation.onsetId}`);
    if (last.type !== "outcome") fail(`last event is ${last.type}`);
    if (events.filter((event) => event.event.type === "outcome").length !== 1) fail("more than one outcome");
    const expectedOutcome = invocation.failed ? stream.failure.outcome : "ok";
    if (last.type === "outcome" && last.outcome !== expectedOutcome)
      fail(`outcome ${last.outcome}, expected ${expectedOutcome}`);
    const returns = events.filter((event) => event.event.type === "return").length;
    const exceptions = events.filter((event) => event.event.type === "exception").length;
    const expectReturn = !invocation.failed && stream.returns ? 1 : 0;
    const expectException = invocation.failed && stream.failure.exception ? 1 : 0;
    if (returns !== expectReturn) fail(`${returns} return events, expected ${expectReturn}`);
    if (exceptions !== expectException) fail(`${exceptions} exception events, expected ${expectException}`);

    // The program's items in this stream, as keys.
    const actual: string[] = [];
    const openIds = new Set<string>();
    for (const event of events) {
      const payload = event.event;
      if (payload.type === "spanOpen") {
        if (openIds.has(payload.spanId)) fail(`span ${payload.spanId} opened twice`);
        openIds.add(payload.spanId);
        if (isProgramSpanName(payload.name))
          actual.push(key("open", payload.name, event.spanContext.spanId ?? "", payload.spanId));
        else if (payload.name === "fetch") {
          const callee = calleeOnsets.get(payload.spanId);
          if (callee !== undefined && callee.event.type === "onset" && callee.event.info.type === "fetch") {
            actual.push(key("fetch", callee.event.info.url, event.spanContext.spanId ?? ""));
          }
        }
      } else if (payload.type === "log") {
        const message = payload.message;
        if (Array.isArray(message) && typeof message[0] === "string" && message[0].startsWith(prefix)) {
          actual.push(key("log", message[0], event.spanContext.spanId ?? ""));
        }
      }
    }
    const streamCloses = closes(events);
    for (const close of streamCloses) {
      if (programIds.has(close.id)) actual.push(close.key);
      if (!openIds.has(close.id)) fail(`${close.key} without spanOpen`);
    }

    // What the model expects in this stream.
    const expected: string[] = [];
    const teardown: SpanNode[] = [];
    for (const node of runner.nodes) {
      if (node.state !== "live" || node.owner !== invocation) continue;
      expected.push(key("open", node.name, node.parentId, node.id));
      const closeKey = key("close", node.id, `[${node.attrs.join(",")}]`);
      if (node.endedWhileLive) expected.push(closeKey);
      else if (invocation.stateless) {
        // Spec §3.8: a stateless invocation closes its open spans before its outcome.
        expected.push(closeKey);
        teardown.push(node);
      }
    }
    for (const log of runner.logs) if (log.target === invocation) expected.push(key("log", log.message, log.spanId));
    for (const fetch of runner.fetches) {
      if (fetch.state === "live" && fetch.owner === invocation) expected.push(key("fetch", fetch.url, fetch.parentId));
    }
    for (const diff of multisetDiff(expected, actual)) fail(diff);

    // Spec §3.8: the teardown closes come last, newest span first, right before the outcome.
    // After a `return` only they may follow; after a handler failure, work already queued may
    // still run (and close spans) before the invocation ends.
    const expectedTail = teardown.sort((a, b) => b.order - a.order).map((node) => node.id);
    const end = events.findLastIndex((event) => event.event.type === "return");
    let start = events.length - 1;
    while (
      start > 0 &&
      (events[start - 1]!.event.type === "spanClose" || events[start - 1]!.event.type === "attributes")
    )
      start--;
    if (end >= 0) {
      const between = events
        .slice(end + 1, -1)
        .filter((event) => event.event.type !== "attributes" && event.event.type !== "spanClose");
      if (between.length > 0) fail(`events between return and outcome: ${between.map((e) => e.event.type).join(", ")}`);
      start = Math.max(start, end + 1);
    }
    const tail = streamCloses
      .filter((close) => close.index >= start && programIds.has(close.id))
      .map((close) => close.id);
    const suffix = tail.slice(Math.max(0, tail.length - expectedTail.length));
    if ((end >= 0 ? tail : suffix).join() !== expectedTail.join()) {
      fail(`teardown closes [${tail.join()}], expected [${expectedTail.join()}]`);
    }
  }

  // Logs the model routes nowhere must not appear anywhere: covered by the per-stream multisets
  // for the program's own streams; runtime fetches: the callee's onset names the caller's span.
  for (const fetch of runner.fetches) {
    const callee = [...calleeOnsets.values()].find(
      (event) =>
        event.event.type === "onset" && event.event.info.type === "fetch" && event.event.info.url === fetch.url,
    );
    if (callee === undefined) {
      problems.push(`${fetch.url}: no callee invocation`);
      continue;
    }
    const parent = callee.spanContext.spanId;
    if (fetch.state === "noop" && parent !== undefined)
      problems.push(`${fetch.url}: callee has parent ${parent}, expected none`);
    if (fetch.state !== "noop") {
      if (parent === undefined) problems.push(`${fetch.url}: callee has no parent span`);
      if (callee.spanContext.traceId !== fetch.owner!.impl!.traceId)
        problems.push(`${fetch.url}: callee is on another trace`);
    }
  }
  return problems;
}

/** A one-line-per-operation dump of a program, for failure messages. */
export function describeOps(ops: readonly Op[], indent = "  "): string {
  return ops
    .map((op) => {
      switch (op.t) {
        case "span":
          return `${indent}${op.api}(${op.body.async ? "async" : "sync"}${op.body.fail ? ",fail" : ""}${op.body.abandon ? ",abandon" : ""}, end=${op.end}${op.wait ? ",wait" : ""}${op.attr ? ",attr" : ""})\n${describeOps(op.body.ops, indent + "  ")}`;
        case "gen":
          return `${indent}withSpan(${op.async ? "async " : ""}generator, ${op.finish})\n${op.steps.map((step, i) => `${indent}  step ${i}\n${describeOps(step, indent + "    ")}`).join("\n")}`;
        case "timer":
          return `${indent}setTimeout(${op.delay}${op.wait ? ",wait" : ""})\n${describeOps(op.ops, indent + "  ")}`;
        case "micro":
          return `${indent}queueMicrotask\n${describeOps(op.ops, indent + "  ")}`;
        case "then":
          return `${indent}then(${op.wait ? "wait" : ""})\n${describeOps(op.ops, indent + "  ")}`;
        case "startSpan":
          return `${indent}startSpan(end=${op.end}${op.attr ? ",attr" : ""})`;
        default:
          return `${indent}${op.t}`;
      }
    })
    .filter((line) => line.trim() !== "")
    .join("\n");
}
