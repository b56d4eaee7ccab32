import {
  type TraceParent,
  type EventInfo,
  type EventOutcome,
  type FetchResponseInfo,
  type HandlerKind,
  type IdGenerator,
  type Invocation,
  IoContext,
  type IoContextOptions,
  runInInvocation,
  type SpanContext,
  type TailSink,
} from "@workers-tracing/core-context";
import { isHangError, watchForHang } from "./hang";
import { hungErrorReturn, resultReturn } from "./timing";
import { mapErrorStack } from "./loader/source-maps";

/** Reports `error` as an `exception` event, its stack mapped back to the user's sources first. */
function reportMapped(invocation: { reportException(error: unknown): void }, error: unknown): void {
  mapErrorStack(error);
  invocation.reportException(error);
}

/** The W3C trace context of a request from outside (read in trace-context.ts): the caller's span and its `tracestate`. */
export interface IncomingTraceContext {
  /** The caller's trace id, span id and trace flags; the invocation's parent. */
  readonly parent: TraceParent;
  /** The validated `tracestate`, passed on to the worker's outgoing requests. */
  readonly traceState: string | undefined;
}

/** What a delivery needs from the service that receives it. */
export interface DeliveryReceiver {
  /** Where the ids of fresh stateless contexts come from. */
  readonly ids: IdGenerator;
  /** What a fresh I/O context of the receiver is made with (its ids and improvements). */
  readonly contextOptions: IoContextOptions;
  /** A new tail sink for one invocation, or `undefined` when the service is not traced. */
  openTailSink(): TailSink | undefined;
}

/** How one event is delivered and reported. */
export interface DeliveryOptions<R> {
  /** The handler kind (decides the root frame, spec §3.3). */
  readonly kind: HandlerKind;
  /** Onset info. */
  readonly info: EventInfo;
  /** The caller's runtime span, when a traced invocation caused this one. */
  readonly parent?: SpanContext | undefined;
  /** The named export or Durable Object class; absent for the default export. */
  readonly entrypoint?: string | undefined;
  /** The actor's context; a fresh stateless context when absent. */
  readonly context?: IoContext | undefined;
  /** The `return` event for a result: `false` for none, `undefined` for one without info. */
  readonly returnInfo: (result: R) => FetchResponseInfo | undefined | false;
  /** The outcome when the handler throws or rejects. */
  readonly failureOutcome: EventOutcome;
  /** Whether a failing handler is reported as an `exception` event (not for JS RPC). */
  readonly reportFailure: boolean;
  /** The invocation's tail sink, when not the receiver's usual one (`undefined`: untraced). */
  readonly sink?: TailSink | undefined;
  /**
   * The W3C trace context of a request from outside, when the service reads it: the caller's
   * span becomes the invocation's parent (unless `parent` is given).
   */
  readonly incomingTraceContext?: IncomingTraceContext | undefined;
}

/** A delivered invocation: its result (when the handler finished) and its end (after `outcome`). */
export interface Delivery<R> {
  /** The invocation. */
  readonly invocation: Invocation;
  /** Settles with the handler's result (after the `return` event) or its error. */
  readonly result: Promise<R>;
  /** Resolves once `outcome` was reported: handler finished and `waitUntil` work settled. */
  readonly done: Promise<void>;
  /** Whether the handler failed; meaningful once `result` settled. */
  readonly failed: () => boolean;
  /**
   * Cancels the invocation as workerd cancels a hung request: a pending `result` rejects with
   * `error`, `waitUntil` work is no longer awaited, `outcome` follows. Nothing happens once the
   * outcome was reported.
   */
  readonly cancel: (error: Error) => void;
  /** The error the invocation was cancelled with, if it was. */
  readonly cancelled: () => Error | undefined;
}

const scopes = new WeakMap<Invocation, InvocationScope>();

/** The per-invocation state the runtime keeps besides the core-context invocation. */
export class InvocationScope {
  readonly invocation: Invocation;
  /** The URL of the request a fetch invocation handles (the `"same-origin"` trace context policy compares with it). */
  requestUrl: string | undefined = undefined;
  /** The W3C trace context of the request from outside that started the invocation, if read. */
  incomingTraceContext: IncomingTraceContext | undefined = undefined;
  #pending: Promise<unknown>[] = [];
  #unsettled = 0;
  #abandon: (() => void) | undefined;
  #abandoned = false;
  #atEnd: (() => void)[] = [];
  #outcome: EventOutcome | undefined;

  constructor(invocation: Invocation) {
    this.invocation = invocation;
    scopes.set(invocation, this);
  }

  /**
   * Adds work the invocation's `outcome` waits for; a rejection is reported as an exception.
   * @param io - `true` for I/O the runtime itself waits for (a response body being sent): it
   * is pending work, so the invocation is not hung while it lasts
   */
  waitUntil(value: unknown, io = false): void {
    const invocation = this.invocation;
    const counted = io ? 0 : 1;
    let settled: Promise<unknown>;
    try {
      settled = Promise.resolve(value);
    } catch {
      // A promise whose `constructor` getter throws: adopted through its `then`, which does
      // not read it, so that `ctx.waitUntil()` never throws into the worker.
      settled = new Promise((resolve) => resolve(value));
    }
    this.#unsettled += counted;
    this.#pending.push(
      settled.then(
        () => {
          this.#unsettled -= counted;
        },
        (error: unknown) => {
          this.#unsettled -= counted;
          if (!this.#abandoned) reportMapped(invocation, error);
        },
      ),
    );
  }

  /** The outcome the invocation ends with whatever its handler did (set by {@link InvocationScope.fail}). */
  get forcedOutcome(): EventOutcome | undefined {
    return this.#outcome;
  }

  /** Reports `error` as an `exception` event and makes the invocation's outcome `outcome`. */
  fail(error: unknown, outcome: EventOutcome): void {
    reportMapped(this.invocation, error);
    this.#outcome = outcome;
  }

  /** Adds work the invocation's `outcome` waits for, without reporting its failure. */
  hold(value: Promise<unknown>): void {
    this.#pending.push(value.then(noop, noop));
  }

  /** Whether a `waitUntil` promise is still pending. */
  get waitingUntil(): boolean {
    return this.#unsettled > 0 && !this.#abandoned;
  }

  /** Stops waiting for `waitUntil` work (the invocation was cancelled); settle() resolves. */
  abandon(): void {
    this.#abandoned = true;
    this.#abandon?.();
  }

  /** Registers `callback` to run once the invocation has ended (after its `outcome`). */
  atEnd(callback: () => void): void {
    this.#atEnd.push(callback);
  }

  /** Runs the {@link InvocationScope.atEnd} callbacks; called once, after the `outcome`. */
  ended(): void {
    for (const callback of this.#atEnd.splice(0)) callback();
  }

  /** Resolves once every `waitUntil` promise (also ones added meanwhile) settled. */
  async settle(): Promise<void> {
    const abandoned = new Promise<void>((resolve) => {
      this.#abandon = resolve;
    });
    while (this.#pending.length > 0 && !this.#abandoned) {
      const batch = this.#pending.splice(0);
      await Promise.race([Promise.all(batch), abandoned]);
    }
  }
}

/** The runtime state of an invocation started by {@link deliver}. */
export function scopeOf(invocation: Invocation): InvocationScope | undefined {
  return scopes.get(invocation);
}

const noop = (): void => {};

/** An invocation {@link deliver} started that has not reported its `outcome` yet. */
interface LiveDelivery {
  readonly receiver: DeliveryReceiver;
  /** Ends the invocation now (reported like a cancellation, outcome "canceled"). */
  close(error: Error): void;
}

const liveDeliveries = new Set<LiveDelivery>();

/**
 * Ends every invocation of these receivers that has not reported its `outcome` yet: fetch and
 * RPC invocations report `error` as an `exception`, open spans close, and the outcome is
 * "canceled", so that every tail still gets each invocation's final events.
 */
export function closeLiveDeliveries(receivers: Iterable<DeliveryReceiver>, error: Error): void {
  const closing = new Set(receivers);
  for (const live of [...liveDeliveries]) if (closing.has(live.receiver)) live.close(error);
}

/** How many invocations of `receivers` are still running (their outcome not reported yet). */
export function countLiveDeliveries(receivers: Iterable<DeliveryReceiver>): number {
  const counted = new Set(receivers);
  let count = 0;
  for (const live of liveDeliveries) if (counted.has(live.receiver)) count++;
  return count;
}

/**
 * Delivers one event as an invocation: reports its onset, runs `body` inside it, reports
 * `return` or `exception`, waits for `waitUntil` work and reports `outcome`.
 * @remarks Nothing here awaits a tail worker; the tail sinks never block.
 */
export function deliver<R>(
  receiver: DeliveryReceiver,
  options: DeliveryOptions<Awaited<R>>,
  body: (scope: InvocationScope) => R,
): Delivery<Awaited<R>> {
  const context = options.context ?? new IoContext(receiver.contextOptions);
  const invocation = context.startInvocation({
    kind: options.kind,
    info: options.info,
    sink: "sink" in options ? options.sink : receiver.openTailSink(),
    parent: options.parent ?? options.incomingTraceContext?.parent,
    entrypoint: options.entrypoint,
  });
  const scope = new InvocationScope(invocation);
  if (options.info.type === "fetch") scope.requestUrl = options.info.url;
  scope.incomingTraceContext = options.incomingTraceContext;
  let handlerPending = true;
  let cancelledWith: Error | undefined;
  let handlerCancelled = false;
  let rejectStarted: (error: Error) => void = noop;
  let ended = false;
  let closedOutcome: EventOutcome | undefined;
  const cancel = (error: Error): void => {
    if (ended || cancelledWith !== undefined) return;
    cancelledWith = error;
    // workerd: an `exception` with the cancellation error for fetch and RPC (not for test(),
    // scheduled() or queue()), open spans closed; outcome "exception" when the handler itself
    // never finished (a test(): "ok"), whatever the kind reports for a throw; "ok" when only
    // `waitUntil` work was left.
    if (options.kind === "fetch" || options.kind === "jsrpc") reportMapped(invocation, error);
    if (handlerPending) {
      handlerCancelled = true;
      rejectStarted(error);
    }
    scope.abandon();
  };
  const live: LiveDelivery = {
    receiver,
    close(error) {
      if (ended || cancelledWith !== undefined) return;
      // The runtime closes under the invocation: it ends now, as canceled.
      closedOutcome = "canceled";
      cancel(error);
    },
  };
  liveDeliveries.add(live);
  const unwatch =
    invocation.context.executionModel === "stateless"
      ? watchForHang(invocation, { waiting: () => handlerPending || scope.waitingUntil, cancel })
      : noop;
  let started: R | Promise<never>;
  try {
    started = runInInvocation(invocation, body, scope);
  } catch (error) {
    started = Promise.reject(error);
  }
  const settled = new Promise<Awaited<R>>((resolve, reject) => {
    rejectStarted = reject;
    Promise.resolve(started).then(resolve, reject);
  });
  let failed = false;
  const result = settled.then(
    (value) => {
      handlerPending = false;
      return new Promise<Awaited<R>>((resolve) => {
        resultReturn(() => {
          const info = options.returnInfo(value);
          if (info !== false) invocation.reportReturn(info);
          resolve(value);
        });
      });
    },
    (error: unknown) => {
      handlerPending = false;
      failed = true;
      if (!options.reportFailure || (cancelledWith !== undefined && error === cancelledWith)) throw error;
      if (isHangError(error)) {
        // A subrequest's callee was cancelled as hung and the handler passed its error on.
        return new Promise<never>((_, reject) => {
          hungErrorReturn(() => {
            reportMapped(invocation, error);
            reject(error);
          });
        });
      }
      reportMapped(invocation, error);
      throw error;
    },
  );
  const done = result
    .then(noop, noop)
    .then(() => scope.settle())
    .then(() => {
      ended = true;
      liveDeliveries.delete(live);
      unwatch();
      let outcome: EventOutcome = scope.forcedOutcome ?? (failed ? options.failureOutcome : "ok");
      if (handlerCancelled) outcome = options.kind === "test" ? "ok" : "exception";
      if (closedOutcome !== undefined) outcome = closedOutcome;
      invocation.finish(outcome);
      scope.ended();
    });
  return { invocation, result, done, failed: () => failed, cancel, cancelled: () => cancelledWith };
}
