import {
  DEFAULT_ROOT_FRAME_KINDS,
  type HandlerKind,
  type IoContextOptions,
  type TracingImprovements,
} from "@workers-tracing/core-context";
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
    ownInvocationLogs: flags.workersTracingOwnInvocationLogs,
  });
}

/**
 * The handler kinds that get a root frame with `workers_tracing_root_frames` (spec §3.3): workerd's,
 * plus JS-RPC methods, hibernatable WebSocket handlers and streaming tail handlers.
 * @internal
 */
export const ALL_ROOT_FRAME_KINDS: ReadonlySet<HandlerKind> = new Set<HandlerKind>([
  ...DEFAULT_ROOT_FRAME_KINDS,
  "jsrpc",
  "hibernatableWebSocket",
  "tailStream",
]);

/**
 * The I/O context options of every invocation of a worker with these flags: `ids`, the handler
 * kinds that get a root frame and the improvements its own flags turn on.
 * @internal
 */
export function contextOptionsFor(flags: CompatFlags, ids: IoContextOptions["ids"]): IoContextOptions {
  return Object.freeze({
    ...(ids === undefined ? {} : { ids }),
    ...(flags.workersTracingRootFrames ? { rootFrameKinds: ALL_ROOT_FRAME_KINDS } : {}),
    improvements: tracingImprovements(flags),
  });
}
