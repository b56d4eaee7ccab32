import type { CompatFlags } from "./resolve";

/**
 * Registry profiles: which workerd build's `ctx.tracing` gate the shim reproduces.
 * @remarks `head` (the default) follows the pinned workerd: `ctx.tracing` is a `Tracing` object
 * at every compatibility date (the gate was removed upstream on 2026-05-29). `seed` reproduces
 * the first release of the API: `ctx.tracing` only with the `experimental` flag.
 * @public
 */
export type CompatProfile = "head" | "seed";

/**
 * Every {@link CompatProfile}, the default first.
 * @public
 */
export const COMPAT_PROFILES: readonly CompatProfile[] = Object.freeze(["head", "seed"] as const);

/**
 * Tells whether `ctx.tracing` is a `Tracing` object for a worker with these flags.
 * @remarks Always true with the `head` profile (the default); with `seed`, only when the
 * worker enables `experimental`. The `cloudflare:workers` `tracing` export is never gated.
 * @example
 * ```ts
 * const { flags } = resolveCompatibilityFlags({ compatibilityDate: "2026-05-28" });
 * isTracingEnabled(flags); // true
 * isTracingEnabled(flags, "seed"); // false: ctx.tracing is undefined
 * ```
 * @public
 */
export function isTracingEnabled(
  flags: Pick<CompatFlags, "workerdExperimental">,
  profile: CompatProfile = "head",
): boolean {
  return profile === "seed" ? flags.workerdExperimental : true;
}
