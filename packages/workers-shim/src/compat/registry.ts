import { deepFreeze } from "../config/deep-freeze";

/**
 * Names of the feature fields the shim resolves from a worker's compatibility date and flags.
 * @public
 */
export type CompatFlagField =
  | "workerdExperimental"
  | "nodejsCompat"
  | "nodejsCompatV2"
  | "serviceBindingExtraHandlers"
  | "streamingTailWorker"
  | "tailWorkerUserSpans"
  | "userTracing";

/**
 * Describes one feature field of the compatibility registry, as workerd's capnp annotations do.
 * @remarks Flag names are snake_case (`<feature>` / `no_<feature>`); dates are `YYYY-MM-DD`.
 * `impliedByAfterDate.names` are field names, not flag names.
 * @public
 */
export interface CompatFlagDefinition<F extends string = CompatFlagField> {
  /** The camelCase field name used as the key of the resolved flags record. */
  readonly field: F;
  /** The flag name that turns the field on. */
  readonly enableFlag: string;
  /** The flag name that turns the field off even when its date applies. */
  readonly disableFlag?: string;
  /** The compatibility date from which the field is on by default. */
  readonly enableDate?: string;
  /** Whether the field is on for every compatibility date. */
  readonly enableAllDates?: boolean;
  /** Whether the enable flag may only be used when the runtime runs with `--experimental`. */
  readonly experimental?: boolean;
  /** Fields that turn this one on from `date` onwards (one pass, in declaration order). */
  readonly impliedByAfterDate?: { readonly names: readonly F[]; readonly date: string };
  /** One sentence on what the field changes, shown by `workers-shim flags`. */
  readonly description: string;
}

/**
 * Lists every compatibility field the shim knows, in declaration order.
 * @remarks Order matters: implications are applied in one pass in this order, so a field can
 * only be implied by fields declared before it (workerd behaves the same way). The array and
 * its entries are frozen.
 * @public
 */
export const COMPAT_FLAG_REGISTRY: readonly CompatFlagDefinition[] = deepFreeze([
  {
    field: "workerdExperimental",
    enableFlag: "experimental",
    experimental: true,
    description:
      "Turns on workerd's experimental features; also makes ctx.tracing a Tracing object at any compatibility date.",
  },
  {
    field: "nodejsCompat",
    enableFlag: "nodejs_compat",
    disableFlag: "no_nodejs_compat",
    description: "Enables the Node.js compatibility layer (node:* built-in modules).",
  },
  {
    field: "nodejsCompatV2",
    enableFlag: "nodejs_compat_v2",
    disableFlag: "no_nodejs_compat_v2",
    enableDate: "2026-08-04",
    impliedByAfterDate: { names: ["nodejsCompat"], date: "2024-09-23" },
    description: "Enables version 2 of the Node.js compatibility layer (adds Node.js globals such as process and Buffer).",
  },
  {
    field: "serviceBindingExtraHandlers",
    enableFlag: "service_binding_extra_handlers",
    experimental: true,
    description: "Gives service bindings .scheduled() and .queue() methods that call the target's scheduled() and queue() handlers.",
  },
  {
    field: "streamingTailWorker",
    enableFlag: "streaming_tail_worker",
    experimental: true,
    description: "Obsolete, has no effect: streaming tail workers need no flag; kept so old configs still load.",
  },
  {
    field: "tailWorkerUserSpans",
    enableFlag: "tail_worker_user_spans",
    experimental: true,
    description: "Obsolete, has no effect: user spans reach streaming tail workers without a flag; kept so old configs still load.",
  },
  {
    field: "userTracing",
    enableFlag: "user_tracing",
    enableDate: "2026-05-29",
    description:
      "Makes ctx.tracing a Tracing object; without it ctx.tracing is undefined (the cloudflare:workers tracing export is never gated).",
  },
]);
