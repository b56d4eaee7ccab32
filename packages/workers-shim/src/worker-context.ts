import { createTracing, type Tracing } from "@workers-tracing/user-tracing";

/**
 * The `ctx` handed to a worker's handlers (workerd's `ExecutionContext`).
 * @remarks `tracing` is an own enumerable property and comes first in `Object.keys(ctx)`; it is
 * a `Tracing` object (not the `cloudflare:workers` one) when the worker's compatibility flags
 * enable it, else `undefined` — the property exists either way (spec §2.1).
 */
export class WorkerExecutionContext {
  declare readonly tracing: Tracing | undefined;
  declare readonly props: Record<string, unknown>;
  readonly #waitUntil: (promise: unknown) => void;

  constructor(tracingEnabled: boolean, waitUntil: (promise: unknown) => void) {
    this.#waitUntil = waitUntil;
    Object.defineProperty(this, "tracing", {
      value: tracingEnabled ? createTracing() : undefined,
      enumerable: true,
      writable: false,
      configurable: false,
    });
    Object.defineProperty(this, "props", { value: {}, enumerable: true, writable: false, configurable: false });
  }

  /** Keeps the invocation open (its `outcome` waits) until `promise` settles. */
  waitUntil(promise: unknown): void {
    this.#waitUntil(promise);
  }

  /** Accepted for compatibility; there is no origin to fall back to. */
  passThroughOnException(): void {}
}

Object.defineProperty(WorkerExecutionContext.prototype, Symbol.toStringTag, {
  value: "ExecutionContext",
  configurable: true,
});
