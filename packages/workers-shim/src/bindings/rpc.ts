import { types } from "node:util";
import { type Invocation, type SpanContext, type SpanRecord, withCurrentSpan } from "@workers-tracing/core-context";
import { scopeOf } from "../delivery";
import { holdPending, isHangError } from "../hang";
import { spanContextOf } from "../runtime-spans";
import { calleeRpcCallFailure, endCalleeRpcCall, releaseRpcSession, subrequestArrival } from "../timing";
import { receiveStream, rpcStreamResult, streamToCaller } from "./rpc-stream";

/** How an RPC member is used: called, or read (`await stub.prop`). */
export type RpcOperation = "call" | "getProperty";

/** One JS-RPC call as it travels from a stub to its receiver. */
export interface RpcRequest {
  /** The member name. */
  readonly method: string;
  /** Call or property read. */
  readonly operation: RpcOperation;
  /** The call's arguments (empty for a property read). */
  readonly args: readonly unknown[];
  /** The caller's `jsRpcCall` span, parent of the callee's invocation. */
  readonly parent: SpanContext | undefined;
  /** The caller's `jsRpcCall` span id (`jsrpc.caller_span_id`). */
  readonly callerSpanId: string | undefined;
}

/** Sends an RPC request to its receiver and settles with the result. */
export type RpcSender = (request: RpcRequest) => Promise<unknown>;

/**
 * The value of `stub.name`: callable (`stub.name(...args)`, operation "call") and awaitable
 * (`await stub.name`, operation "getProperty"), as workerd's RPC properties are.
 */
export function rpcProperty(
  name: string,
  invoke: (operation: RpcOperation, args: readonly unknown[]) => Promise<unknown>,
): (...args: unknown[]) => Promise<unknown> {
  const property = (...args: unknown[]): Promise<unknown> => invoke("call", args);
  Object.defineProperty(property, "name", { value: name });
  Object.defineProperty(property, "then", {
    value: (onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) =>
      invoke("getProperty", []).then(onFulfilled, onRejected),
  });
  return property;
}

/**
 * Caller side of an RPC call: opens `jsRpcSession` and its `jsRpcCall` child (with workerd's
 * attributes), sends the request, and closes both spans shortly after the result arrived.
 * @param openSession - opens the `jsRpcSession` span (`undefined` when untraced) and, for an
 * actor stub, the `durable_object_subrequest` span around it (`outer`)
 */
export function callRpc(
  openSession: () => {
    readonly session: SpanRecord<Invocation> | undefined;
    readonly outer?: SpanRecord<Invocation> | undefined;
  },
  method: string,
  operation: RpcOperation,
  args: readonly unknown[],
  send: RpcSender,
): Promise<unknown> {
  const { session, outer } = openSession();
  const call = session?.startChild("jsRpcCall");
  if (call !== undefined) {
    call.setAttribute("jsrpc.target_kind", "fetcher");
    call.setAttribute("jsrpc.operation", operation);
    call.setAttribute("jsrpc.method", method);
  }
  const request: RpcRequest = { method, operation, args, parent: spanContextOf(call), callerSpanId: call?.spanId };
  const result = holdPending(subrequestArrival().then(() => send(request)));
  const release = (): void => releaseRpcSession(call, session, outer);
  void result.then(
    (value) => {
      const stream = rpcStreamResult(value);
      if (stream === undefined) return release();
      // A returned stream keeps the session open until the callee's invocation has ended.
      receiveStream(stream);
      releaseRpcSession(call);
      void stream.finished.then(() => {
        session?.end();
        outer?.end();
      });
    },
    (error: unknown) => {
      // A callee cancelled as hung: workerd closes the session before the caller sees the error.
      if (isHangError(error)) session?.end();
      release();
    },
  );
  return result;
}

const NOT_RPC = new Set(["constructor", "then"]);

/**
 * Names workerd never calls over RPC on an entrypoint or a Durable Object (`fetch` and `connect`
 * are the stub's own; the others are reserved by Durable Objects or the stub).
 */
export const RESERVED_RPC_NAMES: ReadonlySet<string> = new Set([
  "fetch",
  "connect",
  "alarm",
  "webSocketMessage",
  "webSocketClose",
  "webSocketError",
  "dup",
  "constructor",
]);

/**
 * The RPC methods an export offers, as a caller outside the runtime may call them: on a class
 * (a `WorkerEntrypoint`) the functions of its prototype chain, as workerd calls class members
 * only (instance properties are not RPC members); on an object, its function-valued properties.
 * Reserved names, `then` and `Object.prototype`'s members are left out; a getter counts (what it
 * returns is known only once called).
 */
export function rpcMethodNames(exported: unknown): string[] {
  const start =
    typeof exported === "function"
      ? (exported as { prototype?: unknown }).prototype
      : exported !== null && typeof exported === "object"
        ? exported
        : undefined;
  const names = new Set<string>();
  for (let object = start; object !== null && typeof object === "object"; object = Object.getPrototypeOf(object)) {
    for (const name of Object.getOwnPropertyNames(object)) {
      if (names.has(name) || NOT_RPC.has(name) || RESERVED_RPC_NAMES.has(name) || name in Object.prototype) continue;
      const descriptor = Object.getOwnPropertyDescriptor(object, name)!;
      if (descriptor.get !== undefined || typeof descriptor.value === "function") names.add(name);
    }
  }
  return [...names];
}

/**
 * An error another realm's RPC method threw, as a caller in the realm of `global` sees it:
 * re-created from that realm's constructors (name, message, stack and own properties kept), as
 * workerd serialises an RPC error into the caller's isolate, so that `instanceof RangeError`
 * holds. Anything but a native error is returned as it is.
 */
export function adoptRpcError(error: unknown, global: Record<PropertyKey, unknown>): unknown {
  if (!types.isNativeError(error)) return error;
  const base = global["Error"] as ErrorConstructor;
  const source: Error = error;
  if (Object.prototype.isPrototypeOf.call(base.prototype, source)) return source;
  const named = global[source.name];
  const Constructor =
    typeof named === "function" && (named === base || named.prototype instanceof base)
      ? (named as ErrorConstructor)
      : base;
  const copy = new Constructor(source.message);
  for (const key of Reflect.ownKeys(source)) {
    if (key === "message") continue;
    const descriptor = Object.getOwnPropertyDescriptor(source, key);
    if (descriptor !== undefined) Object.defineProperty(copy, key, descriptor);
  }
  if (copy.name !== source.name)
    Object.defineProperty(copy, "name", { value: source.name, writable: true, configurable: true });
  return copy;
}

function notImplemented(method: string): TypeError {
  return new TypeError(`The RPC receiver does not implement the method "${method}".`);
}

function member(receiver: unknown, method: string): unknown {
  if (receiver === null || (typeof receiver !== "object" && typeof receiver !== "function")) return undefined;
  if (NOT_RPC.has(method) || method in Object.prototype) return undefined;
  return Reflect.get(receiver, method);
}

/**
 * Callee side of an RPC call, run inside its `jsrpc` invocation: reports `jsrpc.method` on the
 * onset span, opens the callee's `jsRpcCall` span and makes it current while the method runs
 * (workerd 2026-11-17, Appendix A), and ends it a turn of the event loop after the method's
 * result arrived (after the spans of RPC calls the method made, which close a turn after their
 * results; still before the invocation's `return`; also when the method failed). A
 * returned ReadableStream reaches the caller through a pump (see `streamToCaller`).
 * @param frame - the invocation whose root the `jsRpcCall` span belongs to: on an object, the
 * newest live one when the method starts (see `DurableObjectActor.inNewestFrame`)
 */
export async function runRpcMethod(
  invocation: Invocation,
  request: RpcRequest,
  receiver: () => unknown,
  frame: Invocation = invocation,
): Promise<unknown> {
  const span = frame.traced ? frame.root.startRuntimeChild("jsRpcCall") : undefined;
  invocation.reportAttributes([{ name: "jsrpc.method", value: request.method }]);
  if (span !== undefined) {
    span.setAttribute("jsrpc.method", request.method);
    span.setAttribute("jsrpc.target_kind", "entrypoint");
    span.setAttribute("jsrpc.operation", request.operation);
    if (request.callerSpanId !== undefined) span.setAttribute("jsrpc.caller_span_id", request.callerSpanId);
  }
  const run = (): unknown => {
    const target = receiver();
    const value = member(target, request.method);
    if (request.operation === "getProperty") return value;
    if (typeof value !== "function") throw notImplemented(request.method);
    return Reflect.apply(value, target, request.args);
  };
  let value: unknown;
  try {
    value = await (span === undefined ? run() : withCurrentSpan(span, run));
  } catch (error) {
    // A rejected call has no `return`; the outcome follows the span's end.
    if (span !== undefined) {
      await calleeRpcCallFailure();
      span.end();
    }
    throw error;
  }
  endCalleeRpcCall(span);
  const scope = scopeOf(invocation);
  if (value instanceof ReadableStream && scope !== undefined) return streamToCaller(scope, value);
  return value;
}

/**
 * Wraps a binding object in a proxy that turns unknown string members into RPC properties;
 * `then` is never an RPC member (a stub is not a thenable).
 * @param rpcOnly - names that are RPC members even though the object has them
 */
export function withRpcMembers<T extends object>(
  target: T,
  invoke: (method: string, operation: RpcOperation, args: readonly unknown[]) => Promise<unknown>,
  rpcOnly: ReadonlySet<string> = new Set(),
): T {
  const cache = new Map<string, unknown>();
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === "symbol") return Reflect.get(object, property, object);
      if (property === "then") return undefined;
      const cached = cache.get(property);
      if (cached !== undefined) return cached;
      let value: unknown;
      if (property in object && !rpcOnly.has(property)) {
        value = Reflect.get(object, property, object);
        if (typeof value === "function") value = (value as (...a: unknown[]) => unknown).bind(object);
      } else {
        value = rpcProperty(property, (operation, args) => invoke(property, operation, args));
      }
      cache.set(property, value);
      return value;
    },
    set() {
      return false;
    },
  });
}
