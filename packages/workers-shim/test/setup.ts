import { addWorkerGlobalHook } from "../src/loader/worker-modules";

// Every service runs in a global scope of its own, so fixture workers cannot reach the test's
// globalThis. These keys are the fixtures' channel to the tests (records, events, hooks): on every
// worker global they read and write the test's own property.
const CHANNEL_KEYS = [
  "workers-shim.test.events",
  "workers-shim.test.results",
  "workers-shim.test.faults.slow",
  "workers-shim.test.faults.late",
  "workers-shim.test.reliability",
];

addWorkerGlobalHook((global) => {
  const host = globalThis as unknown as Record<symbol, unknown>;
  for (const key of CHANNEL_KEYS) {
    const symbol = Symbol.for(key);
    Object.defineProperty(global, symbol, {
      get: () => host[symbol],
      set: (value: unknown) => {
        host[symbol] = value;
      },
      configurable: true,
    });
  }
});
