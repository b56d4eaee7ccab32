import { COMPAT_FLAG_REGISTRY } from "../compat/registry";
import type { Flags } from "./gates";
import { hasNavigatorLanguage } from "./gates";
import { RUNTIME_ONLY } from "./events";
import { illegalConstructor, unsupportedError } from "./unsupported";

function guard(token: unknown): void {
  if (token !== RUNTIME_ONLY) throw illegalConstructor();
}

/** `Navigator` and the `navigator` object workerd gives every worker. */
export function createNavigator(flags: Flags) {
  class Navigator {
    constructor(token: unknown) {
      guard(token);
      if (hasNavigatorLanguage(flags)) {
        Object.assign(this, { languages: ["en"], language: "en" });
      }
      Object.assign(this, { platform: "", hardwareConcurrency: 1, userAgent: "Cloudflare-Workers" });
    }
    sendBeacon(url: unknown, body?: unknown): boolean {
      // Fire and forget, as in workerd: the result is not observable.
      fetch(String(url), { method: "POST", body: (body ?? null) as NonNullable<RequestInit["body"]> | null }).catch(
        () => undefined,
      );
      return true;
    }
  }
  return { Navigator, navigator: new Navigator(RUNTIME_ONLY) };
}

/** `scheduler` (a `Scheduler` instance) with workerd's `wait(ms, { signal })`. */
export function createScheduler(toStringTag: boolean) {
  class Scheduler {
    constructor(token: unknown) {
      guard(token);
    }
    wait(delay: unknown, options?: { signal?: AbortSignal }): Promise<void> {
      if (typeof delay !== "number") {
        return Promise.reject(
          new TypeError("Failed to execute 'wait' on 'Scheduler': parameter 1 is not of type 'number'."),
        );
      }
      const signal = options?.signal;
      if (signal?.aborted === true) return Promise.reject(signal.reason);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, delay);
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
  }
  if (toStringTag)
    Object.defineProperty(Scheduler.prototype, Symbol.toStringTag, { value: "Scheduler", configurable: true });
  return new Scheduler(RUNTIME_ONLY);
}

const NO_CACHE = "No Cache was configured";

/**
 * `Cache`, `CacheStorage` and `caches` as workerd has them without a cache service: every
 * lookup and store rejects with `Error: No Cache was configured`.
 */
export function createCaches() {
  const notImplemented = (method: string, type = "Cache"): Promise<never> =>
    Promise.reject(new Error(`Failed to execute '${method}' on '${type}': the method is not implemented.`));
  class Cache {
    constructor(token: unknown) {
      guard(token);
    }
    add(_request: unknown): Promise<never> {
      return notImplemented("add");
    }
    addAll(_requests: unknown): Promise<never> {
      return notImplemented("addAll");
    }
    delete(_request: unknown, _options?: unknown): Promise<never> {
      return Promise.reject(new Error(NO_CACHE));
    }
    match(_request: unknown, _options?: unknown): Promise<never> {
      return Promise.reject(new Error(NO_CACHE));
    }
    put(_request: unknown, _response: unknown): Promise<never> {
      return Promise.reject(new Error(NO_CACHE));
    }
    matchAll(_request?: unknown, _options?: unknown): Promise<never> {
      return notImplemented("matchAll");
    }
    keys(_request?: unknown, _options?: unknown): Promise<never> {
      return notImplemented("keys");
    }
  }
  const defaultCache = new Cache(RUNTIME_ONLY);
  class CacheStorage {
    constructor(token: unknown) {
      guard(token);
    }
    open(name: unknown): Promise<Cache> {
      if (typeof name !== "string") {
        return Promise.reject(
          new TypeError("Failed to execute 'open' on 'CacheStorage': parameter 1 is not of type 'string'."),
        );
      }
      return Promise.resolve(new Cache(RUNTIME_ONLY));
    }
    delete(_name: unknown): Promise<never> {
      return notImplemented("delete", "CacheStorage");
    }
    match(_request: unknown, _options?: unknown): Promise<never> {
      return notImplemented("match", "CacheStorage");
    }
    has(_name: unknown): Promise<never> {
      return notImplemented("has", "CacheStorage");
    }
    keys(): Promise<never> {
      return notImplemented("keys", "CacheStorage");
    }
  }
  const caches = new CacheStorage(RUNTIME_ONLY);
  // workerd shows `default` as an own, enumerable member of `caches`.
  Object.defineProperty(caches, "default", { get: () => defaultCache, enumerable: true, configurable: true });
  return { Cache, CacheStorage, caches };
}

/**
 * `Cloudflare`: `{ compatibilityFlags }`, a frozen null-prototype record of every enable flag of
 * workerd's fields and whether the worker has it on.
 */
export function createCloudflare(flags: Flags): object {
  const record: Record<string, boolean> = Object.create(null) as Record<string, boolean>;
  for (const definition of COMPAT_FLAG_REGISTRY) {
    // workerd lists its own fields that have an enable flag; ours are not workerd's to list.
    if (definition.owner !== "workerd" || definition.enableFlag === undefined) continue;
    record[definition.enableFlag] = flags[definition.field] === true;
  }
  return { compatibilityFlags: Object.freeze(record) };
}

function isByteChunk(chunk: unknown): chunk is ArrayBuffer | ArrayBufferView {
  return (
    chunk instanceof ArrayBuffer ||
    ArrayBuffer.isView(chunk) ||
    Object.prototype.toString.call(chunk) === "[object ArrayBuffer]"
  );
}

function byteLength(chunk: ArrayBuffer | ArrayBufferView): number {
  return chunk.byteLength;
}

function toBytes(chunk: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(chunk)
    ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    : new Uint8Array(chunk);
}

const NOT_BYTES =
  "This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.";

/** workerd's byte-only `IdentityTransformStream` and `FixedLengthStream`. */
export function createByteStreams() {
  class IdentityTransformStream extends TransformStream<unknown, Uint8Array> {
    /** `check` returns an error that errors the readable side (the write itself succeeds, as in workerd). */
    constructor(check?: (chunk: Uint8Array) => Error | undefined, flush?: () => void) {
      super({
        transform(chunk: unknown, controller) {
          // workerd writes a string as its UTF-8 bytes.
          const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
          if (!isByteChunk(bytes)) throw new TypeError(NOT_BYTES);
          const error = check?.(toBytes(bytes));
          if (error !== undefined) controller.error(error);
          else if (byteLength(bytes) > 0) controller.enqueue(toBytes(bytes));
        },
        flush() {
          flush?.();
        },
      });
    }
  }
  class FixedLengthStream extends IdentityTransformStream {
    constructor(expectedLength: unknown) {
      if (typeof expectedLength !== "number" && typeof expectedLength !== "bigint") {
        throw new TypeError(
          "Failed to construct 'FixedLengthStream': constructor parameter 1 is not of type 'bigint'.",
        );
      }
      const expected = Number(expectedLength);
      if (!Number.isSafeInteger(expected) || expected < 0) {
        throw new TypeError("The maximum length for a FixedLengthStream is 9007199254740991 bytes.");
      }
      let seen = 0;
      super(
        (bytes) => {
          seen += bytes.byteLength;
          return seen > expected
            ? new TypeError("Attempt to write too many bytes through a FixedLengthStream.")
            : undefined;
        },
        () => {
          if (seen < expected) throw new TypeError("FixedLengthStream did not see all expected bytes before close().");
        },
      );
    }
  }
  return { IdentityTransformStream, FixedLengthStream };
}

/**
 * `WebSocket`, `WebSocketPair` and `WebSocketRequestResponsePair`: a pair's two ends deliver
 * messages to each other in memory once both are accepted; `new WebSocket(url)` (outgoing
 * connections) is not supported.
 */
export function createWebSockets(events: {
  CloseEvent: new (type: string, init?: Record<string, unknown>) => Event;
}): Readonly<Record<"WebSocket" | "WebSocketPair" | "WebSocketRequestResponsePair", object>> {
  const peers = new WeakMap<object, WebSocket>();
  const DELIVER = Symbol("deliver");
  class WebSocket extends EventTarget {
    static readonly READY_STATE_CONNECTING = 0;
    static readonly READY_STATE_OPEN = 1;
    static readonly READY_STATE_CLOSING = 2;
    static readonly READY_STATE_CLOSED = 3;
    #accepted = false;
    #state = 1;
    readonly #pending: Event[] = [];
    constructor(url: unknown, token?: unknown) {
      if (token !== RUNTIME_ONLY) throw unsupportedError("WebSocket");
      super();
      void url;
    }
    get readyState(): number {
      return this.#state;
    }
    accept(): void {
      if (this.#accepted) return;
      this.#accepted = true;
      for (const event of this.#pending.splice(0)) this.dispatchEvent(event);
    }
    send(message: unknown): void {
      if (!this.#accepted)
        throw new TypeError(
          "You must call one of accept() or state.acceptWebSocket() on this WebSocket before sending messages.",
        );
      if (this.#state !== 1) throw new TypeError("Can't call WebSocket send() after close().");
      peers.get(this)?.[DELIVER](new MessageEvent("message", { data: message }));
    }
    close(code?: number, reason?: string): void {
      if (this.#state === 3 || this.#state === 2) return;
      this.#state = 2;
      const peer = peers.get(this);
      peer?.[DELIVER](new events.CloseEvent("close", { code: code ?? 1005, reason: reason ?? "", wasClean: true }));
      if (peer !== undefined && peer.#state === 2) {
        peer.#state = 3;
        this.#state = 3;
      }
    }
    [DELIVER](event: Event): void {
      if (event.type === "close" && this.#state === 1) this.#state = 2;
      if (this.#accepted) queueMicrotask(() => this.dispatchEvent(event));
      else this.#pending.push(event);
    }
  }
  class WebSocketPair {
    0: WebSocket;
    1: WebSocket;
    constructor() {
      const a = new WebSocket(undefined, RUNTIME_ONLY);
      const b = new WebSocket(undefined, RUNTIME_ONLY);
      peers.set(a, b);
      peers.set(b, a);
      this[0] = a;
      this[1] = b;
    }
  }
  class WebSocketRequestResponsePair {
    readonly #request: string;
    readonly #response: string;
    constructor(request: unknown, response: unknown) {
      if (typeof request !== "string") {
        throw new TypeError(
          "Failed to construct 'WebSocketRequestResponsePair': constructor parameter 1 is not of type 'string'.",
        );
      }
      if (typeof response !== "string") {
        throw new TypeError(
          "Failed to construct 'WebSocketRequestResponsePair': constructor parameter 2 is not of type 'string'.",
        );
      }
      this.#request = request;
      this.#response = response;
    }
    get request(): string {
      return this.#request;
    }
    get response(): string {
      return this.#response;
    }
  }
  return { WebSocket, WebSocketPair, WebSocketRequestResponsePair };
}
