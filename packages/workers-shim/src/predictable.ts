import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gcFunction: (() => void) | undefined;

/**
 * V8's `gc()` function, as `workerd test --predictable` exposes it to workers: a full garbage
 * collection, returns `undefined`. Obtained without restarting Node (the `--expose-gc` flag
 * takes effect for contexts created after it is set).
 */
export function exposedGc(): () => void {
  if (gcFunction === undefined) {
    const existing = (globalThis as { gc?: unknown }).gc;
    if (typeof existing === "function") gcFunction = existing as () => void;
    else {
      setFlagsFromString("--expose-gc");
      gcFunction = runInNewContext("gc") as () => void;
    }
  }
  return gcFunction;
}

/**
 * Defines `gc` on a worker global scope as workerd's predictable mode does (writable,
 * enumerable); configurable, so that it can be removed again. Returns the function that removes
 * it (a no-op when `gc` was there already).
 */
export function installPredictableGlobals(global: Record<PropertyKey, unknown>): () => void {
  if (Object.prototype.hasOwnProperty.call(global, "gc")) return () => {};
  Object.defineProperty(global, "gc", { value: exposedGc(), writable: true, enumerable: true, configurable: true });
  return () => {
    delete global["gc"];
  };
}
