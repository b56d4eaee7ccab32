import { AsyncLocalStorage, executionAsyncResource } from "node:async_hooks";
import { version as PACKAGE_VERSION } from "../package.json";
import { emitWarning, type WarningCode } from "./internal/warnings";

const KEY_PREFIX = "@workers-tracing/core-context@";

/**
 * The name of the `Symbol.for()` key under which the process-wide storage registry lives on
 * `globalThis`: `@workers-tracing/core-context@<major>`, or `@0.<minor>` while the major is 0.
 * Copies of this package whose versions give the same name are compatible and share one async
 * context; copies with different names keep separate ones.
 */
export function registryKeyName(version: string): string {
  const match = /^(\d+)\.(\d+)\./.exec(version);
  if (match === null)
    throw new Error(`core-context: registryKeyName() expects a semver version, received ${JSON.stringify(version)}.`);
  return KEY_PREFIX + (match[1] === "0" ? `0.${match[2]}` : match[1]!);
}

/** The process-wide state every compatible copy of this package shares through `globalThis`. */
export interface StorageRegistry {
  readonly storages: Map<string, AsyncLocalStorage<unknown>>;
  /**
   * Traced invocations started and not yet finished, counted by every copy of this package:
   * while it is 0 no span can record, so span APIs skip the async-context lookup.
   */
  tracedLive: number;
  /** The version of the copy that created the registry (absent when an older copy did). */
  readonly version?: string;
}

/**
 * Finds or creates the registry on `holder` (`globalThis`) for a copy of version `version`, and
 * checks the copies loaded before it: a registry made by a copy that does not count its traced
 * invocations makes the count useless (it becomes Infinity: every span lookup reads the async
 * context, slower but still correct), and a registry of another, incompatible version means that
 * spans of the one copy are never current in the other. Both are reported through `warn`, once
 * per call.
 */
export function openRegistry(
  holder: object,
  version: string,
  warn: (code: WarningCode, message: string) => void = emitWarning,
): StorageRegistry {
  const keyName = registryKeyName(version);
  const key = Symbol.for(keyName);
  const slots = holder as { [key: symbol]: StorageRegistry | undefined };
  for (const other of Object.getOwnPropertySymbols(holder)) {
    const name = Symbol.keyFor(other);
    if (name === undefined || name === keyName || !name.startsWith(KEY_PREFIX)) continue;
    const otherVersion = slots[other]?.version ?? name.slice(KEY_PREFIX.length);
    warn(
      "WORKERS_TRACING_SEPARATE_COPY",
      `core-context ${version}: another copy of @workers-tracing/core-context (${otherVersion}) is loaded in this process; their versions are incompatible, so spans opened through one are not current in the other. Install one version of the @workers-tracing packages.`,
    );
    break;
  }
  let registry = slots[key];
  if (registry === undefined) {
    registry = { storages: new Map(), tracedLive: 0, version };
    Object.defineProperty(holder, key, { value: registry, enumerable: false });
  } else if (typeof registry.tracedLive !== "number") {
    // Made by a copy that does not count its invocations: the count can never be trusted.
    registry.tracedLive = Number.POSITIVE_INFINITY;
    warn(
      "WORKERS_TRACING_INCOMPATIBLE_COPY",
      `core-context ${version}: another copy of @workers-tracing/core-context (${registry.version ?? "an older version"}) shares this process's async context but does not count its traced invocations; span lookups can no longer skip the async context while nothing is traced (slower, still correct). Install one version of the @workers-tracing packages.`,
    );
  }
  return registry;
}

/** The process-wide registry, shared through `globalThis` by every copy of this package. */
export const REGISTRY: StorageRegistry = openRegistry(globalThis, PACKAGE_VERSION);

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
    if (
      key === undefined ||
      !(storage as unknown as { enabled: boolean }).enabled ||
      (!this.#checked && !this.#canWrite(key))
    ) {
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
