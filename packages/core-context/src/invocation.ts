import type {
  Attribute,
  EventInfo,
  EventOutcome,
  FetchResponseInfo,
  Onset,
  SpanContext,
  TailEventPayload,
} from "./events";
import type { ExecutionContext, HandlerKind } from "./execution-context";
import { describeException } from "./serialize";
import { SpanRecord } from "./span-record";
import type { TailSink } from "./tail-sink";
import { USER_SPAN } from "./current";
import { dateAt } from "./internal/clock";
import { REGISTRY } from "./storage";

/**
 * What an {@link ExecutionContext} needs to deliver an invocation.
 * @public
 */
export interface InvocationOptions {
  /** The handler kind; decides whether the root span is made current (spec §3.3). */
  readonly kind: HandlerKind;
  /** Onset info; `{ type: "custom" }` by default. */
  readonly info?: EventInfo;
  /** Where the events go; without a sink the invocation is untraced and all spans are no-ops. */
  readonly sink?: TailSink | undefined;
  /** The caller's span when another traced invocation caused this one (spec §3.9). */
  readonly parent?: SpanContext | undefined;
  /** The named export or actor class that handles the event; omit for the default export. */
  readonly entrypoint?: string | undefined;
  /** Worker-level attributes for the onset. */
  readonly attributes?: readonly Attribute[] | undefined;
}

/**
 * One delivered event to a worker, with its trace identity, its root span, its tail sink and
 * its event sequence counter.
 * @remarks Created by {@link ExecutionContext.startInvocation}; ended by {@link Invocation.finish}.
 * @public
 */
export class Invocation {
  /** The context this invocation was delivered to. */
  readonly context: ExecutionContext;
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
  readonly root: SpanRecord;
  #sink: TailSink | null;
  #sequence = 0;
  #open: SpanRecord[] = [];
  #openCount = 0;
  #compactAt = 64;
  #finished = false;
  #bare: SpanRecord | undefined = undefined;

  /** @internal */
  constructor(context: ExecutionContext, options: InvocationOptions) {
    const ids = context.ids;
    this.context = context;
    this.kind = options.kind;
    this.traceId = options.parent?.traceId ?? ids.traceId();
    this.invocationId = ids.invocationId();
    this.onsetSpanId = ids.spanId();
    this.#sink = options.sink ?? null;
    this.traced = this.#sink !== null;
    this.root = SpanRecord._root(this);
    if (this.#sink === null) return;
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
    this._emit(
      parentSpan === undefined ? { traceId: this.traceId } : { traceId: this.traceId, spanId: parentSpan },
      onset as unknown as Onset,
      Date.now(),
    );
    REGISTRY.tracedLive++;
  }

  /** `true` until {@link Invocation.finish} ran. */
  get isLive(): boolean {
    return !this.#finished;
  }

  /**
   * Runs `fn` synchronously inside this invocation: with the root span current if the handler
   * kind gets a root frame, else with only the execution context known (spec §3.3).
   */
  run<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): R {
    let frame = this.root;
    if (!this.context.rootFrameKinds.has(this.kind)) frame = this.#bare ??= SpanRecord._bare(this);
    return USER_SPAN.run(frame, fn, ...args);
  }

  /**
   * Reports one event for this invocation, attributed to `spanId`; dropped silently once the
   * invocation has finished or when it is untraced.
   */
  report(spanId: string, event: TailEventPayload, timestamp: number = Date.now()): void {
    if (this.#sink === null) return;
    const spanContext = spanId === this.onsetSpanId ? this.root._spanContext() : { traceId: this.traceId, spanId };
    this._emit(spanContext, event, timestamp);
  }

  /**
   * Delivers one event with a ready `spanContext` (shared by the events of one span) and a
   * millisecond timestamp; used by {@link SpanRecord}.
   * @internal
   */
  _emit(spanContext: SpanContext, event: TailEventPayload, timestamp: number): void {
    const sink = this.#sink;
    if (sink === null) return;
    sink.deliver({
      spanContext,
      invocationId: this.invocationId,
      timestamp: dateAt(timestamp),
      sequence: this.#sequence++,
      event,
    });
  }

  /** Reports attributes of the invocation itself (e.g. `jsrpc.method`) on the onset span. */
  reportAttributes(attributes: readonly Attribute[]): void {
    this.report(this.onsetSpanId, { type: "attributes", info: attributes });
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
   * Ends the invocation: a stateless one first closes its still-open spans newest first; then
   * `outcome` is reported, the sink is closed, and the invocation leaves its context. Later
   * reports from spans of this invocation are dropped. Calling it again does nothing.
   */
  finish(outcome: EventOutcome = "ok"): void {
    if (this.#finished) return;
    if (this.context.executionModel === "stateless") {
      const open = this.#open;
      for (let i = open.length - 1; i >= 0; i--) open[i]!.end();
    }
    this.#open = [];
    this.#openCount = 0;
    this.report(this.onsetSpanId, { type: "outcome", outcome, cpuTime: 0, wallTime: 0 });
    this.#finished = true;
    if (this.traced) REGISTRY.tracedLive--;
    const sink = this.#sink;
    this.#sink = null;
    this.context._remove(this);
    if (sink !== null) sink.close();
  }

  /**
   * Records a newly opened span so teardown can close it; used by {@link SpanRecord}.
   * @internal
   */
  _trackOpen(span: SpanRecord): void {
    if (this.#finished) return;
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
    this.#openCount++;
  }

  /**
   * Counts one tracked span as ended; used by {@link SpanRecord}.
   * @internal
   */
  _untrackOpen(): void {
    if (!this.#finished) this.#openCount--;
  }

  /** The number of spans of this invocation that are open. */
  get openSpanCount(): number {
    return this.#openCount;
  }
}
