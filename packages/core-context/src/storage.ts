import { AsyncLocalStorage, executionAsyncResource } from "node:async_hooks";

/**
 * The key under which the process-wide storage registry lives on `globalThis`. Versioned by
 * the 0.x minor so that two installed copies of this package share one async context.
 */
const REGISTRY_KEY = Symbol.for("@workers-tracing/core-context@0.0");

interface StorageRegistry {
  readonly storages: Map<string, AsyncLocalStorage<unknown>>;
  /**
   * Traced invocations started and not yet finished, counted by every copy of this package:
   * while it is 0 no span can record, so span APIs skip the async-context lookup.
   */
  tracedLive: number;
}

function storageRegistry(): StorageRegistry {
  const holder = globalThis as { [REGISTRY_KEY]?: StorageRegistry };
  let registry = holder[REGISTRY_KEY];
  if (registry === undefined) {
    registry = { storages: new Map(), tracedLive: 0 };
    Object.defineProperty(globalThis, REGISTRY_KEY, { value: registry, enumerable: false });
  } else if (typeof registry.tracedLive !== "number") {
    // Made by a copy that does not count its invocations: the count can never be trusted.
    registry.tracedLive = Number.POSITIVE_INFINITY;
  }
  return registry;
}

/** The process-wide registry, shared through `globalThis` by every copy of this package. */
export const REGISTRY: StorageRegistry = storageRegistry();

type Resource = Record<symbol, unknown>;

/**
 * The symbol under which Node's `AsyncLocalStorage` (before `AsyncContextFrame`) keeps its
 * value on the current async resource; `undefined` for any other implementation.
 */
function resourceKeyOf(storage: AsyncLocalStorage<unknown>): symbol | undefined {
  const key = (storage as unknown as { kResourceStore?: unknown }).kResourceStore;
  return typeof key === "symbol" ? key : undefined;
}

/**
 * An async-context slot backed by one `AsyncLocalStorage` per purpose, shared by every copy of
 * this package loaded in the process.
 *
 * @remarks Values are captured when asynchronous work is scheduled (promise reactions, timers,
 * `queueMicrotask`) and restored when it runs, exactly as `AsyncLocalStorage` does.
 *
 * @example
 * ```ts
 * const requestId = createStorageKey<string>("request-id");
 * requestId.run("r1", async () => {
 *   await null;
 *   requestId.get(); // "r1"
 * });
 * ```
 * @public
 */
export class StorageKey<T> {
  /** The purpose this key was created for; keys with the same purpose share storage. */
  readonly purpose: string;
  readonly #storage: AsyncLocalStorage<T>;
  /** Where `run()` may write the value itself (see `run`); `undefined` when it must not. */
  #resourceKey: symbol | undefined;
  #checked = false;

  /** Creates or joins the storage for `purpose`; prefer {@link createStorageKey}. */
  constructor(purpose: string) {
    const storages = REGISTRY.storages;
    let storage = storages.get(purpose);
    if (storage === undefined) {
      storage = new AsyncLocalStorage();
      storages.set(purpose, storage);
    }
    this.purpose = purpose;
    this.#storage = storage as AsyncLocalStorage<T>;
    this.#resourceKey = resourceKeyOf(storage);
  }

  /** Returns the value of the current async-context frame, or `undefined` outside any `run`. */
  get(): T | undefined {
    return this.#storage.getStore();
  }

  /** Runs `fn` synchronously with `value` current for it and everything it schedules. */
  run<R, A extends unknown[]>(value: T, fn: (...args: A) => R, ...args: A): R {
    const storage = this.#storage;
    const key = this.#resourceKey;
    // What AsyncLocalStorage.prototype.run does once its storage is enabled, minus its
    // getStore() and _enable() calls: every span that is made current goes through here.
    if (key === undefined || !(storage as unknown as { enabled: boolean }).enabled || (!this.#checked && !this.#canWrite(key))) {
      return storage.run(value, fn, ...args);
    }
    const resource = executionAsyncResource() as Resource;
    const previous = resource[key];
    resource[key] = value;
    try {
      return Reflect.apply(fn, null, args);
    } finally {
      resource[key] = previous;
    }
  }

  /** Checks once that a value written under `key` is what the storage reads back. */
  #canWrite(key: symbol): boolean {
    const resource = executionAsyncResource() as Resource;
    const previous = resource[key];
    const probe = {};
    resource[key] = probe;
    const works = this.#storage.getStore() === probe;
    resource[key] = previous;
    if (works) this.#checked = true;
    else this.#resourceKey = undefined;
    return works;
  }

  /**
   * Runs `fn` synchronously with no value current for this key.
   * @remarks Runs with `undefined` as the value rather than through `AsyncLocalStorage.exit`,
   * which disables the storage for the call; on Node 20, when it is the process's only storage,
   * that turns the promise hooks off and on again (about 1.3 µs instead of 20 ns).
   */
  exit<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): R {
    return this.run(undefined as T, fn, ...args);
  }

  /** Returns `fn` bound to the current value, so that calling it later restores this frame. */
  bind<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const value = this.#storage.getStore();
    if (value === undefined) return (...args: A) => this.exit(fn, ...args);
    return (...args: A) => this.#storage.run(value, fn, ...args);
  }
}

/**
 * Returns the process-wide {@link StorageKey} for `purpose`, creating its storage on first use.
 * @example
 * ```ts
 * const tenant = createStorageKey<string>("tenant");
 * tenant.run("acme", () => tenant.get()); // "acme"
 * ```
 * @public
 */
export function createStorageKey<T>(purpose: string): StorageKey<T> {
  return new StorageKey<T>(purpose);
}
