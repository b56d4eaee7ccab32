import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gcFunction: (() => void) | undefined;

/**
 * V8's `gc()` function, as `workerd test --predictable` exposes it to workers: a full garbage
 * collection, returns `undefined`. Obtained without restarting Node (the `--expose-gc` flag
 * takes effect for contexts created while it is set).
 */
export function exposedGc(): () => void {
  if (gcFunction === undefined) {
    const existing = (globalThis as { gc?: unknown }).gc;
    if (typeof existing === "function") gcFunction = existing as () => void;
    else {
      // The flag gives gc() to contexts created while it is set: set it for one context only,
      // so that later workers' global scopes do not get gc() unless they ask for it.
      setFlagsFromString("--expose-gc");
      try {
        gcFunction = runInNewContext("gc") as () => void;
      } finally {
        setFlagsFromString("--no-expose-gc");
      }
    }
  }
  return gcFunction;
}

/**
 * Defines `gc` on a worker's global scope as workerd's predictable mode does: writable,
 * enumerable, not configurable.
 */
export function installPredictableGlobals(global: Record<PropertyKey, unknown>): void {
  Object.defineProperty(global, "gc", { value: exposedGc(), writable: true, enumerable: true, configurable: false });
}
