import type { CompatFlags } from "./resolve";

/**
 * Tells whether `ctx.tracing` is a `Tracing` object for a worker with these flags.
 * @remarks True from compatibility date 2026-05-29 (`userTracing` by date), or at any date with
 * the `user_tracing` or `experimental` flag. The `cloudflare:workers` `tracing` export is never
 * gated.
 * @example
 * ```ts
 * const { flags } = resolveCompatibilityFlags({ compatibilityDate: "2026-05-28" });
 * isTracingEnabled(flags); // false: ctx.tracing is undefined
 * ```
 * @public
 */
export function isTracingEnabled(flags: Pick<CompatFlags, "userTracing" | "workerdExperimental">): boolean {
  return flags.userTracing || flags.workerdExperimental;
}
