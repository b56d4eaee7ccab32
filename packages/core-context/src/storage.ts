import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The key under which the process-wide storage registry lives on `globalThis`. Versioned by
 * the 0.x minor so that two installed copies of this package share one async context.
 */
const REGISTRY_KEY = Symbol.for("@workers-tracing/core-context@0.0");

interface StorageRegistry {
  readonly storages: Map<string, AsyncLocalStorage<unknown>>;
}

function storageRegistry(): StorageRegistry {
  const holder = globalThis as { [REGISTRY_KEY]?: StorageRegistry };
  let registry = holder[REGISTRY_KEY];
  if (registry === undefined) {
    registry = { storages: new Map() };
    Object.defineProperty(globalThis, REGISTRY_KEY, { value: registry, enumerable: false });
  }
  return registry;
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

  /** Creates or joins the storage for `purpose`; prefer {@link createStorageKey}. */
  constructor(purpose: string) {
    const storages = storageRegistry().storages;
    let storage = storages.get(purpose);
    if (storage === undefined) {
      storage = new AsyncLocalStorage();
      storages.set(purpose, storage);
    }
    this.purpose = purpose;
    this.#storage = storage as AsyncLocalStorage<T>;
  }

  /** Returns the value of the current async-context frame, or `undefined` outside any `run`. */
  get(): T | undefined {
    return this.#storage.getStore();
  }

  /** Runs `fn` synchronously with `value` current for it and everything it schedules. */
  run<R, A extends unknown[]>(value: T, fn: (...args: A) => R, ...args: A): R {
    return this.#storage.run(value, fn, ...args);
  }

  /** Runs `fn` synchronously with no value current for this key. */
  exit<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): R {
    return this.#storage.exit(fn, ...args);
  }

  /** Returns `fn` bound to the current value, so that calling it later restores this frame. */
  bind<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const value = this.#storage.getStore();
    if (value === undefined) return (...args: A) => this.#storage.exit(fn, ...args);
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
