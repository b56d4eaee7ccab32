import type {
  Attribute,
  EventInfo,
  EventOutcome,
  ExecutionModel,
  FetchResponseInfo,
  Onset,
  SpanContext,
  TailEventPayload,
} from "./events";
import { RANDOM_IDS, type IdGenerator } from "./ids";
import { dateAt } from "./internal/clock";
import { describeException } from "./serialize";
import { createRootRecord, type SpanLedger, type SpanRecord } from "./span-record";
import { REGISTRY } from "./storage";
import type { TailSink } from "./tail-sink";

let createInvocation: (context: IoContext, options: InvocationOptions) => Invocation;
let removeLive: (context: IoContext, invocation: Invocation) => void;

/**
 * The kind of handler an invocation runs.
 * @public
 */
export type HandlerKind =
  | "fetch"
  | "connect"
  | "scheduled"
  | "alarm"
  | "test"
  | "queue"
  | "trace"
  | "jsrpc"
  | "hibernatableWebSocket"
  | "tailStream"
  | "email"
  | "custom";

/**
 * The handler kinds whose invocations start with their root span current (spec §3.3, workerd
 * at HEAD): fetch, connect, scheduled, alarm, test, queue and buffered tail handlers.
 * @beta
 */
export const DEFAULT_ROOT_FRAME_KINDS: ReadonlySet<HandlerKind> = new Set<HandlerKind>([
  "fetch",
  "connect",
  "scheduled",
  "alarm",
  "test",
  "queue",
  "trace",
  "custom",
]);

/**
 * Opt-in departures from workerd's tracing behaviour, one per workers-shim compatibility flag
 * (`workers_tracing_*`). Every field is off by default, which is workerd's behaviour.
 * @remarks Decided per I/O context, so that workers with different flags can share a process;
 * only traced code paths read them.
 * @beta
 */
export interface TracingImprovements {
  /**
   * `enterSpan` reports a throw or rejection of its callback on the span before ending it: an
   * `exception` event and a `spanUpdate` with status `error` (flag `workers_tracing_error_status`).
   */
  readonly errorStatus?: boolean;
  /**
   * `enterSpan` ends its span when a returned thenable settles, as for a native promise, and
   * returns what the thenable's `then` returns (flag `workers_tracing_thenable_end`).
   */
  readonly thenableEnd?: boolean;
  /**
   * Spans still open when their invocation ends get the {@link UNENDED_SPAN_ATTRIBUTE} attribute
   * (`"closed_by_teardown"` on a stateless context, `"left_open"` on an actor) and the `outcome`
   * carries their count as `unendedSpans` (flag `workers_tracing_leak_diagnostics`).
   */
  readonly leakDiagnostics?: boolean;
  /**
   * Logs, diagnostic-channel events and uncaught exceptions go to the invocation whose async
   * chain produced them while it is live, instead of the newest live invocation of the context
   * (spec §3.7); once it has finished, to the newest live one, on its onset span (flag
   * `workers_tracing_own_invocation_logs`).
   */
  readonly ownInvocationLogs?: boolean;
}

/**
 * The attribute that marks a span still open at the end of its invocation, with the
 * `leakDiagnostics` improvement: `"closed_by_teardown"` (a stateless invocation closed it) or
 * `"left_open"` (an actor's, which stays open).
 * @beta
 */
export const UNENDED_SPAN_ATTRIBUTE = "workers_tracing.unended";

const NO_IMPROVEMENTS: TracingImprovements = Object.freeze({});

/**
 * Options of an {@link IoContext}.
 * @beta
 */
export interface IoContextOptions {
  /** `"stateless"` (default) for a worker instance, `"durableObject"` for one actor. */
  readonly executionModel?: ExecutionModel;
  /** Id source; {@link RANDOM_IDS} by default. */
  readonly ids?: IdGenerator;
  /**
   * Handler kinds that get a root frame; {@link DEFAULT_ROOT_FRAME_KINDS} by default. Add
   * `"jsrpc"`, `"hibernatableWebSocket"` or `"tailStream"` to fix the cross-request
   * attribution of spec §3.7.
   */
  readonly rootFrameKinds?: Iterable<HandlerKind>;
  /** Hex id of the Durable Object, reported on every onset of an actor context. */
  readonly durableObjectId?: string;
  /** Departures from workerd's behaviour; none by default. */
  readonly improvements?: TracingImprovements;
}

/**
 * One I/O context, as workerd calls it: a stateless worker's per-request context, or one actor
 * (Durable Object) that serves many invocations, possibly concurrently. It keeps its live
 * invocations in delivery order; the newest one is the fallback for "current span" lookups
 * (spec §3.2). (Not the Workers `ExecutionContext`, the `ctx` handed to handlers.)
 *
 * @example
 * ```ts
 * const actor = new IoContext({ executionModel: "durableObject" });
 * const inv = actor.startInvocation({ kind: "fetch", sink: toTailSink(events) });
 * runInInvocation(inv, () => handler());
 * inv.finish("ok");
 * ```
 * @beta
 */
export class IoContext {
  /** Stateless worker or actor. */
  readonly executionModel: ExecutionModel;
  /** Where ids come from. */
  readonly ids: IdGenerator;
  /** Handler kinds whose invocations get a root frame. */
  readonly rootFrameKinds: ReadonlySet<HandlerKind>;
  /** Reported on every onset of this context, for actors. */
  readonly durableObjectId: string | undefined;
  /** Departures from workerd's behaviour this context makes (frozen; empty by default). */
  readonly improvements: TracingImprovements;
  readonly #live: Invocation[] = [];
  #newest: Invocation | undefined = undefined;

  /** Creates an execution context with no live invocation. */
  constructor(options: IoContextOptions = {}) {
    this.executionModel = options.executionModel ?? "stateless";
    this.ids = options.ids ?? RANDOM_IDS;
    this.rootFrameKinds =
      options.rootFrameKinds === undefined ? DEFAULT_ROOT_FRAME_KINDS : new Set<HandlerKind>(options.rootFrameKinds);
    this.durableObjectId = options.durableObjectId;
    this.improvements =
      options.improvements === undefined ? NO_IMPROVEMENTS : Object.freeze({ ...options.improvements });
  }

  /** The most recently delivered invocation that has not finished, if any. */
  get newestLive(): Invocation | undefined {
    return this.#newest;
  }

  /** The live invocations in delivery order. */
  get liveInvocations(): readonly Invocation[] {
    return this.#live;
  }

  /**
   * Delivers a new invocation to this context: it becomes the newest live one and, if it has a
   * tail sink, reports its `onset`.
   */
  startInvocation(options: InvocationOptions): Invocation {
    const invocation = createInvocation(this, options);
    this.#live.push(invocation);
    this.#newest = invocation;
    return invocation;
  }

  static {
    removeLive = (context, invocation) => {
      const live = context.#live;
      const index = live.lastIndexOf(invocation);
      if (index === -1) return;
      live.splice(index, 1);
      context.#newest = live.length === 0 ? undefined : live[live.length - 1];
    };
  }
}

/**
 * What an {@link IoContext} needs to deliver an invocation.
 * @beta
 */
export interface InvocationOptions {
  /** The handler kind; decides whether the root span is made current (spec §3.3). */
  readonly kind: HandlerKind;
  /** Onset info; `{ type: "custom" }` by default. */
  readonly info?: EventInfo;
  /** Where the events go; without a sink the invocation is untraced and all spans are no-ops. */
  readonly sink?: TailSink | undefined;
  /**
   * The caller's span when another traced invocation caused this one (spec §3.9), or a remote
   * caller's (a W3C `traceparent`): the onset's `spanContext` is the trace id, this span id and,
   * when given, these `traceFlags`.
   */
  readonly parent?: SpanContext | undefined;
  /** The named export or actor class that handles the event; omit for the default export. */
  readonly entrypoint?: string | undefined;
  /** Worker-level attributes for the onset. */
  readonly attributes?: readonly Attribute[] | undefined;
}

/**
 * The span ledger of one invocation: its tail sink, its event sequence and its open spans. Its
 * records report through it; consumers only see the {@link Invocation}.
 */
class InvocationLedger implements SpanLedger<Invocation> {
  readonly host: Invocation;
  readonly #ids: IdGenerator;
  sink: TailSink | null;
  #sequence = 0;
  #open: SpanRecord<Invocation>[] = [];
  #compactAt = 64;
  openCount = 0;
  finished = false;

  constructor(host: Invocation, ids: IdGenerator, sink: TailSink | null) {
    this.host = host;
    this.#ids = ids;
    this.sink = sink;
  }

  newSpanId(): string {
    return this.#ids.spanId();
  }

  emit(spanContext: SpanContext, event: TailEventPayload, timestamp: number): void {
    const sink = this.sink;
    if (sink === null) return;
    sink.deliver({
      spanContext,
      invocationId: this.host.invocationId,
      timestamp: dateAt(timestamp),
      sequence: this.#sequence++,
      event,
    });
  }

  trackOpen(span: SpanRecord<Invocation>): void {
    if (this.finished) return;
    const open = this.#open;
    if (open.length >= this.#compactAt) {
      // Ended spans stay in the list until it grows; compaction keeps teardown order.
      let kept = 0;
      for (let i = 0; i < open.length; i++) {
        const s = open[i]!;
        if (s.isOpen) open[kept++] = s;
      }
      open.length = kept;
      this.#compactAt = Math.max(64, kept * 2);
    }
    open.push(span);
    this.openCount++;
  }

  untrackOpen(): void {
    if (!this.finished) this.openCount--;
  }

  /** Calls `fn` on each span still open, newest first; returns how many there were. */
  #eachOpen(fn: (span: SpanRecord<Invocation>) => void): number {
    const open = this.#open;
    let count = 0;
    for (let i = open.length - 1; i >= 0; i--) {
      const span = open[i]!;
      if (!span.isOpen) continue;
      count++;
      fn(span);
    }
    return count;
  }

  /**
   * Ends the spans still open, newest first; with `mark`, each first gets the
   * {@link UNENDED_SPAN_ATTRIBUTE} attribute. Returns how many were open.
   */
  endOpen(mark: boolean): number {
    return this.#eachOpen((span) => {
      if (mark) span.setAttribute(UNENDED_SPAN_ATTRIBUTE, "closed_by_teardown");
      span.end();
    });
  }

  /**
   * Reports the {@link UNENDED_SPAN_ATTRIBUTE} attribute `"left_open"` for each span still open,
   * newest first, leaving them open. Returns how many were open.
   */
  markLeftOpen(): number {
    return this.#eachOpen((span) =>
      span.reportEvent({ type: "attributes", info: [{ name: UNENDED_SPAN_ATTRIBUTE, value: "left_open" }] }),
    );
  }

  /** Forgets the spans still open, leaving them open. */
  forgetOpen(): void {
    this.#open = [];
    this.openCount = 0;
  }
}

/**
 * One delivered event to a worker, with its trace identity, its root span, its tail sink and
 * its event sequence counter.
 * @remarks Created by {@link IoContext.startInvocation}; run code in it with `runInInvocation`;
 * ended by {@link Invocation.finish}.
 * @beta
 */
export class Invocation {
  /** The context this invocation was delivered to. */
  readonly context: IoContext;
  /** The handler kind. */
  readonly kind: HandlerKind;
  /** 32 hex digits; inherited from the parent when there is one. */
  readonly traceId: string;
  /** 32 hex digits, new for every invocation. */
  readonly invocationId: string;
  /** The invocation (onset) span id, parent of top-level spans. */
  readonly onsetSpanId: string;
  /** `true` if the invocation had a tail sink when it started. */
  readonly traced: boolean;
  /** The root user span: the parent of spans created directly in the handler. */
  readonly root: SpanRecord<Invocation>;
  readonly #ledger: InvocationLedger;
  #onsetContext: SpanContext | undefined = undefined;

  private constructor(context: IoContext, options: InvocationOptions) {
    const ids = context.ids;
    this.context = context;
    this.kind = options.kind;
    this.traceId = options.parent?.traceId ?? ids.traceId();
    this.invocationId = ids.invocationId();
    this.onsetSpanId = ids.spanId();
    const sink = options.sink ?? null;
    this.traced = sink !== null;
    const ledger = (this.#ledger = new InvocationLedger(this, ids, sink));
    this.root = createRootRecord(ledger, this.onsetSpanId);
    if (sink === null) return;
    // Built in delivery order: type, executionModel, spanId, entrypoint?, durableObjectId?,
    // scriptTags, info, attributes?.
    const onset: Record<string, unknown> = {
      type: "onset",
      executionModel: context.executionModel,
      spanId: this.onsetSpanId,
    };
    if (options.entrypoint !== undefined) onset["entrypoint"] = options.entrypoint;
    if (context.durableObjectId !== undefined) onset["durableObjectId"] = context.durableObjectId;
    onset["scriptTags"] = [];
    onset["info"] = options.info ?? { type: "custom" };
    if (options.attributes !== undefined && options.attributes.length > 0) {
      onset["attributes"] = options.attributes;
    }
    const parentSpan = options.parent?.spanId;
    const parentFlags = options.parent?.traceFlags;
    const onsetContext: { traceId: string; spanId?: string; traceFlags?: number } =
      parentSpan === undefined ? { traceId: this.traceId } : { traceId: this.traceId, spanId: parentSpan };
    // An upstream sampling decision (a W3C traceparent's flags); never there in workerd.
    if (parentFlags !== undefined) onsetContext.traceFlags = parentFlags;
    ledger.emit(onsetContext, onset as unknown as Onset, Date.now());
    REGISTRY.tracedLive++;
  }

  static {
    createInvocation = (context, options) => new Invocation(context, options);
  }

  /** `true` until {@link Invocation.finish} ran. */
  get isLive(): boolean {
    return !this.#ledger.finished;
  }

  /** `true` if the handler kind starts with the root span current (spec §3.3). */
  get hasRootFrame(): boolean {
    return this.context.rootFrameKinds.has(this.kind);
  }

  /**
   * Reports one event for this invocation, attributed to `spanId`; dropped silently once the
   * invocation has finished or when it is untraced.
   */
  report(spanId: string, event: TailEventPayload, timestamp: number = Date.now()): void {
    const ledger = this.#ledger;
    if (ledger.sink === null) return;
    const spanContext =
      spanId === this.onsetSpanId
        ? (this.#onsetContext ??= { traceId: this.traceId, spanId })
        : { traceId: this.traceId, spanId };
    ledger.emit(spanContext, event, timestamp);
  }

  /** Reports attributes of the invocation itself (e.g. `jsrpc.method`) on the onset span. */
  reportAttributes(attributes: readonly Attribute[]): void {
    // Typed mutable in events, as in workers-types; tails treat delivered events as read-only.
    this.report(this.onsetSpanId, { type: "attributes", info: attributes as Attribute[] });
  }

  /** Reports the `return` event: the handler produced its result. */
  reportReturn(info?: FetchResponseInfo): void {
    this.report(this.onsetSpanId, info === undefined ? { type: "return" } : { type: "return", info });
  }

  /** Reports an uncaught error as an `exception` event on the onset span. */
  reportException(error: unknown): void {
    this.report(this.onsetSpanId, describeException(error));
  }

  /**
   * Ends the invocation: a stateless one first closes its still-open spans newest first (with
   * the `leakDiagnostics` improvement they are marked and counted; an actor's are only marked); then
   * `outcome` is reported, the sink is closed, and the invocation leaves its context. Later
   * reports from spans of this invocation are dropped. Calling it again does nothing.
   */
  finish(outcome: EventOutcome = "ok"): void {
    const ledger = this.#ledger;
    if (ledger.finished) return;
    const diagnose = this.context.improvements.leakDiagnostics === true;
    let unended = 0;
    if (this.context.executionModel === "stateless") unended = ledger.endOpen(diagnose);
    else if (diagnose) unended = ledger.markLeftOpen();
    ledger.forgetOpen();
    this.report(
      this.onsetSpanId,
      diagnose
        ? { type: "outcome", outcome, cpuTime: 0, wallTime: 0, unendedSpans: unended }
        : { type: "outcome", outcome, cpuTime: 0, wallTime: 0 },
    );
    ledger.finished = true;
    if (this.traced) REGISTRY.tracedLive--;
    const sink = ledger.sink;
    ledger.sink = null;
    removeLive(this.context, this);
    if (sink !== null) sink.close();
  }

  /** The number of spans of this invocation that are open. */
  get openSpanCount(): number {
    return this.#ledger.openCount;
  }
}
