import { runOutsideInvocations, type SpanRecord, type Invocation } from "@workers-tracing/core-context";

// The workerd timing rules the shim reproduces, one name per rule. In workerd, crossing from one
// worker (or object) to another is I/O: it completes in a later turn of the event loop, after the
// sender's synchronous code and its microtasks. Tail events carry the order in which spans open
// and close and handlers start and return, so these delays are observable. Each rule names the
// conformance scenarios that pin it: moved a step earlier or later (a turn, or a microtask for
// the microtask rules), the rule breaks their goldens. `shared:` marks the shared suite's
// scenarios, the others are this repository's (`conformance/scenarios`). Everything here runs
// outside any invocation (a turn is not attributed to one).

/** Resolves a turn of the event loop later (after timers' and I/O callbacks' turn, as an immediate). */
function turn(): Promise<void> {
  return new Promise((resolve) => {
    runOutsideInvocations(() => setImmediate(resolve));
  });
}

/** Runs `fn` a turn of the event loop later, inside the immediate itself. */
function afterTurn(fn: () => void): void {
  runOutsideInvocations(() => setImmediate(fn));
}

/** Ends `spans` a turn of the event loop later, in the order given. */
function endAfterTurn(spans: readonly (SpanRecord<Invocation> | undefined)[]): void {
  afterTurn(() => {
    for (const span of spans) span?.end();
  });
}

/**
 * A subrequest (a service binding's `fetch()`, `scheduled()` or `queue()`, an RPC call) reaches
 * its callee a turn of the event loop after it was made: the caller's synchronous code and its
 * microtasks run before the callee starts.
 * @remarks Pinned by `fetch-handler-throws` and `exception-values` (earlier), `do-concurrent-start`
 * (later).
 */
export function subrequestArrival(): Promise<void> {
  return turn();
}

/**
 * A Durable Object stub's `fetch()` reaches the object two turns of the event loop after it was
 * made: a turn later than an RPC call on a stub made at the same time would.
 * @remarks Pinned by `do-concurrent-start` (earlier and later).
 */
export function actorFetchArrival(): Promise<void> {
  return turn().then(turn);
}

/**
 * A Durable Object that has not started yet starts (its constructor runs) two turns of the event
 * loop after its first request was delivered: workerd's start is I/O, so requests sent together
 * are all delivered, their onsets reported, before the constructor runs.
 * @remarks Pinned by `do-concurrent-start` (earlier; later changes no golden).
 */
export function actorStartup(): Promise<void> {
  return turn().then(turn);
}

/**
 * An RPC method on a Durable Object starts one microtask later than a fetch handler that waited
 * for the same start of the object.
 * @remarks Pinned by `do-concurrent-start` (without it; a turn later changes no golden).
 */
export function actorRpcMethodStart(): Promise<void> {
  return Promise.resolve();
}

/**
 * Settles a turn of the event loop after `handlerResult` settled: a handler that ran in a newer
 * invocation's frame (see `DurableObjectActor.inNewestFrame`) holds that invocation's `outcome`
 * until then, for the runtime spans that close a turn after the handler, as workerd's does.
 * @remarks Pinned by `do-concurrent-start` (earlier; later changes no golden).
 */
export function borrowedFrameRelease(handlerResult: unknown): Promise<void> {
  return Promise.resolve(handlerResult).then(turn, turn);
}

/**
 * Runs `fn` (report the callee's `return`, hand the result over) a turn of the event loop after
 * the callee's handler settled: work the handler left for the next turn (closing an RPC
 * session's spans, say) comes first, as the result travels back as I/O.
 * @remarks Pinned by `rpc-span-close-order`, `service-chain-a-b-c`, `do-rpc-stub`,
 * `shared:rpc-entrypoint` and nine more (earlier), `hung-subrequest` (later).
 */
export function resultReturn(fn: () => void): void {
  afterTurn(fn);
}

/**
 * Runs `fn` (report the `exception`, reject) a turn of the event loop later when a handler passed
 * on the hang error of a subrequest whose callee was cancelled as hung: workerd reports it after
 * the subrequest's span closed.
 * @remarks Pinned by `serve-hung-request` (earlier; later changes no golden).
 */
export function hungErrorReturn(fn: () => void): void {
  afterTurn(fn);
}

/**
 * Ends a service binding `fetch()` span a turn of the event loop after the response arrived: the
 * caller's continuation and its microtasks run first; reading the body (I/O) does not.
 * @remarks Pinned by `fetch-response-body`, `serve-subrequests`, `unhandled-rejections` (earlier)
 * and `exception-values` (earlier and later).
 */
export function endFetchSpanAfterResponse(span: SpanRecord<Invocation> | undefined): void {
  endAfterTurn([span]);
}

/**
 * Ends the spans of a failed subrequest a turn of the event loop later: workerd notices the
 * failure only after the caller's next events (the span closes late, without response
 * attributes).
 * @remarks Pinned by `fetch-handler-throws` (earlier and later), `hung-subrequest`,
 * `exception-values`, `tail-handler-object` (earlier) and `serve-hung-request` (later).
 */
export function endFailedSubrequest(...spans: (SpanRecord<Invocation> | undefined)[]): void {
  endAfterTurn(spans);
}

/**
 * Ends `jsRpcCall` (and, when given, its `jsRpcSession` and a Durable Object's
 * `durable_object_subrequest`) a turn of the event loop after the caller got the call's result.
 * @remarks Pinned by `rpc-span-close-order`, `rpc-entrypoints-extra`, `rpc-stream-result` (earlier
 * and later), `do-rpc-stub`, `service-chain-a-b-c` and more (earlier).
 */
export function releaseRpcSession(...spans: (SpanRecord<Invocation> | undefined)[]): void {
  endAfterTurn(spans);
}

/**
 * Ends the callee's `jsRpcCall` span a turn of the event loop after the method's result arrived:
 * after the spans of RPC calls the method made (which close a turn after their results), still
 * before the invocation's `return`.
 * @remarks Pinned by `rpc-span-close-order`, `rpc-entrypoints-extra` (earlier and later),
 * `do-rpc-stub`, `service-chain-a-b-c`, `shared:rpc-entrypoint` and more (later).
 */
export function endCalleeRpcCall(span: SpanRecord<Invocation> | undefined): void {
  endAfterTurn([span]);
}

/**
 * Resolves when the callee's `jsRpcCall` span of a method that failed is to end: a turn of the
 * event loop later, as after a result; the `outcome` waits for it.
 * @remarks Pinned by `rpc-span-close-order` (earlier) and `rpc-entrypoints-extra` (two turns later;
 * one turn later changes no golden).
 */
export function calleeRpcCallFailure(): Promise<void> {
  return turn();
}

/**
 * Runs `fn` (end a Durable Object's `durable_object_subrequest`) two microtasks after the reader
 * of the response body saw its end: one for the body's close to reach the reader's pending read,
 * one for that reader to continue. When a fetch handler returns this response, its `return`
 * comes first, as in workerd.
 * @remarks Pinned by `fetch-response-body` (earlier), `do-two-objects`, `do-storage-spans`,
 * `do-alarm-lifecycle`, `shared:do-concurrent-interleave` and more (a turn later).
 */
export function afterBodyReaderContinues(fn: () => void): void {
  void Promise.resolve().then(() => queueMicrotask(fn));
}

/**
 * Resolves when a chunk read from another worker's body (a service binding response, a stream an
 * RPC method returned) completes: a turn of the event loop after it was read, as reads across
 * workers are I/O in workerd (`await response.text()` never completes within the current turn).
 * @remarks Pinned by `fetch-response-body`, `rpc-stream-result`, `service-chain-a-b-c`,
 * `shared:fetch-in-span` and more (earlier), `hung-subrequest` (later).
 */
export function crossWorkerRead(): Promise<void> {
  return turn();
}

/**
 * Resolves when a stream an RPC method returned is done for its callee: a turn of the event loop
 * after the caller's last read or cancel, so that the caller's continuation comes first.
 * @remarks No golden pins it yet: ending at once, or after three turns instead of one, changes
 * none.
 */
export function rpcStreamEnd(): Promise<void> {
  return turn();
}

/**
 * Resolves when a Durable Object storage operation answers (from memory, a microtask later); its
 * span closes then. A transaction's closure starts the same step later.
 * @remarks Pinned by `do-alarm-lifecycle` (a turn later; a microtask later changes no golden).
 */
export function storageAnswer(): Promise<void> {
  return Promise.resolve();
}

/**
 * Ends the span of an object's first alarm call, when it is a `getAlarm()`, a turn of the event
 * loop later: workerd asks the alarm manager (I/O), though the call resolves at once.
 * @remarks Pinned by `do-alarm-lifecycle` (earlier and later).
 */
export function endFirstAlarmRead(span: SpanRecord<Invocation> | undefined): void {
  endAfterTurn([span]);
}
