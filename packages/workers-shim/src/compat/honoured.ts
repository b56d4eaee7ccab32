import type { CompatFlagField } from "./registry";

/**
 * The workerd compatibility fields whose behaviour workers-shim implements, with what it does.
 * @remarks Every other workerd field is accepted and resolved like workerd does, but has no
 * effect in workers-shim ("accepted, no effect in workers-shim"). The `ctx.tracing` gate is not
 * a field: it belongs to the registry profile (see `CompatProfile`).
 * @internal
 */
export const HONOURED_FIELDS: Readonly<Partial<Record<CompatFlagField, string>>> = Object.freeze({
  nodeJsCompat: "serves node:* built-in modules to workers",
  nodeJsCompatV2: "adds the Node.js globals (process, Buffer)",
  workerdExperimental: "allows experimental features; with the seed profile, makes ctx.tracing a Tracing object",
  serviceBindingExtraHandlers: "gives service bindings .scheduled() and .queue()",
});

/**
 * How workers-shim treats a field: honoured, accepted without effect, obsolete, or its own.
 * @internal
 */
export type ShimSupport = "honoured" | "no effect" | "obsolete" | "own";

/**
 * Tells how workers-shim treats a registry entry.
 * @internal
 */
export function shimSupport(entry: {
  readonly field: string;
  readonly owner: string;
  readonly obsolete?: boolean;
}): ShimSupport {
  if (entry.owner === "workers-shim") return "own";
  if (entry.obsolete === true) return "obsolete";
  return Object.prototype.hasOwnProperty.call(HONOURED_FIELDS, entry.field) ? "honoured" : "no effect";
}
