/**
 * Prefix of every compatibility flag that workers-shim defines itself; workerd knows no such names.
 * @public
 */
export const OWN_FLAG_PREFIX = "workers_tracing_";

/**
 * One of the shim's own compatibility fields: an improvement over workerd that a worker opts into.
 * @remarks Both flag names start with {@link OWN_FLAG_PREFIX}. Own fields have no enable date:
 * they are never on by default, so a config that runs on workerd keeps its meaning.
 * @internal
 */
export interface OwnCompatFieldFacts<F extends string = string> {
  /** The camelCase field name. */
  readonly field: F;
  /** The flag name that turns the field on, e.g. `workers_tracing_example`. */
  readonly enableFlag: string;
  /** The flag name that turns the field off again, e.g. `workers_tracing_no_example`. */
  readonly disableFlag: string;
  /** Whether the enable flag needs `--experimental`. */
  readonly experimental?: boolean;
  /** One sentence on what the field changes, shown by `workers-shim flags`. */
  readonly description: string;
}

/**
 * Names of the shim's own compatibility fields; each is listed in the registry.
 * @public
 */
export type OwnCompatField =
  | "workersTracingErrorStatus"
  | "workersTracingThenableEnd"
  | "workersTracingLeakDiagnostics"
  | "workersTracingRootFrames"
  | "workersTracingOwnInvocationLogs";

/**
 * The shim's own compatibility fields, after workerd's in the registry. None has an enable date
 * yet: each is opt-in until the project decides one.
 * @internal
 */
export const OWN_COMPAT_FIELDS: readonly OwnCompatFieldFacts<OwnCompatField>[] = [
  {
    field: "workersTracingErrorStatus",
    enableFlag: "workers_tracing_error_status",
    disableFlag: "workers_tracing_no_error_status",
    description:
      "a span whose enterSpan callback throws or rejects gets an exception event and status error before it closes",
  },
  {
    field: "workersTracingThenableEnd",
    enableFlag: "workers_tracing_thenable_end",
    disableFlag: "workers_tracing_no_thenable_end",
    description:
      "enterSpan ends its span when a returned thenable settles, not only a native promise, and returns what its then() returns",
  },
  {
    field: "workersTracingLeakDiagnostics",
    enableFlag: "workers_tracing_leak_diagnostics",
    disableFlag: "workers_tracing_no_leak_diagnostics",
    description:
      "spans still open at the end of an invocation get a workers_tracing.unended attribute (closed_by_teardown or left_open) and the outcome counts them (unendedSpans)",
  },
  {
    field: "workersTracingRootFrames",
    enableFlag: "workers_tracing_root_frames",
    disableFlag: "workers_tracing_no_root_frames",
    description:
      "JS-RPC methods, hibernatable WebSocket handlers and tail handlers get a root frame, so their spans belong to their own invocation on an actor",
  },
  {
    field: "workersTracingOwnInvocationLogs",
    enableFlag: "workers_tracing_own_invocation_logs",
    disableFlag: "workers_tracing_no_own_invocation_logs",
    description:
      "console.* calls and uncaught exceptions go to the invocation of the async chain that produced them, not the newest live one on an actor",
  },
];

/**
 * Checks own fields against workerd's: the prefix, no clash of field or flag names.
 * @throws Error naming the first bad entry (a mistake in the shim itself, found when it loads).
 * @internal
 */
export function checkOwnFields(
  own: readonly OwnCompatFieldFacts[],
  workerd: readonly { readonly field: string; readonly enableFlag?: string; readonly disableFlag?: string }[],
): void {
  const fields = new Set(workerd.map((entry) => entry.field));
  const flags = new Set<string>();
  for (const entry of workerd) {
    if (entry.enableFlag !== undefined) flags.add(entry.enableFlag);
    if (entry.disableFlag !== undefined) flags.add(entry.disableFlag);
  }
  for (const entry of own) {
    if (fields.has(entry.field)) fail(`own field "${entry.field}" clashes with a workerd field of that name`);
    fields.add(entry.field);
    for (const flag of [entry.enableFlag, entry.disableFlag]) {
      if (!flag.startsWith(OWN_FLAG_PREFIX) || flag.length === OWN_FLAG_PREFIX.length) {
        fail(
          `own flag "${flag}" of field "${entry.field}" must start with "${OWN_FLAG_PREFIX}" (names workerd does not know are reserved for them)`,
        );
      }
      if (flags.has(flag)) fail(`own flag "${flag}" of field "${entry.field}" is already used`);
      flags.add(flag);
    }
  }
}

function fail(message: string): never {
  throw new Error(`workers-shim: compatibility registry: ${message}`);
}
