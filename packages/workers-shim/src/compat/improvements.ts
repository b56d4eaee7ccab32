import type { IoContextOptions, TracingImprovements } from "@workers-tracing/core-context";
import type { CompatFlags } from "./resolve";

/**
 * The departures from workerd's tracing behaviour that a worker's own `workers_tracing_*` flags
 * turn on, for the I/O contexts of its invocations; frozen.
 * @internal
 */
export function tracingImprovements(flags: CompatFlags): TracingImprovements {
  return Object.freeze({
    errorStatus: flags.workersTracingErrorStatus,
    thenableEnd: flags.workersTracingThenableEnd,
    leakDiagnostics: flags.workersTracingLeakDiagnostics,
  });
}

/**
 * The I/O context options of every invocation of a worker with these flags: `ids` and the
 * improvements its own flags turn on.
 * @internal
 */
export function contextOptionsFor(flags: CompatFlags, ids: IoContextOptions["ids"]): IoContextOptions {
  return Object.freeze({ ...(ids === undefined ? {} : { ids }), improvements: tracingImprovements(flags) });
}
