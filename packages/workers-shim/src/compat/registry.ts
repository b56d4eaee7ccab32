import { deepFreeze } from "../config/deep-freeze";
import { OWN_COMPAT_FIELDS, checkOwnFields } from "./own-flags";
import type { OwnCompatField, OwnCompatFieldFacts } from "./own-flags";
import { WORKERD_COMPAT_FIELDS } from "./registry-data";
import type { WorkerdCompatField } from "./registry-data";
import type { CompatFieldFacts, WorkerdCompatFieldFacts } from "./registry-types";

/**
 * Names of the compatibility fields the shim resolves: every field of workerd's
 * compatibility-date.capnp, plus the shim's own `workers_tracing_*` fields.
 * @public
 */
export type CompatFlagField = WorkerdCompatField | OwnCompatField;

/**
 * Describes one field of the compatibility registry, as workerd's capnp annotations do.
 * @remarks Flag names are as workerd spells them (mostly snake_case); dates are `YYYY-MM-DD`.
 * `impliedByAfterDate.names` are field names, not flag names. Obsolete workerd fields keep
 * their enable flag (if they had one) so that old configs still load; a field without an
 * enable flag cannot be named in a config at all.
 * @public
 */
export interface CompatFlagDefinition<F extends string = CompatFlagField> extends CompatFieldFacts<F> {
  /** Who defines the field: workerd, or the shim itself (`workers_tracing_*` flags). */
  readonly owner: "workerd" | "workers-shim";
  /** One sentence on what the field changes (the shim's own fields only). */
  readonly description?: string;
}

/**
 * Builds a registry from workerd's fields (ordinal order) followed by the shim's own fields.
 * @internal
 */
export function buildRegistry<F extends string>(
  workerd: readonly WorkerdCompatFieldFacts<F>[],
  own: readonly OwnCompatFieldFacts<F>[],
): readonly CompatFlagDefinition<F>[] {
  checkOwnFields(own, workerd);
  const entries: CompatFlagDefinition<F>[] = [];
  for (const facts of workerd) {
    const { ordinal: _ordinal, ...rest } = facts;
    entries.push({ ...rest, owner: "workerd" });
  }
  for (const facts of own) entries.push({ ...facts, owner: "workers-shim" });
  return deepFreeze(entries);
}

/**
 * Lists every compatibility field the shim knows: workerd's (generated from workerd's
 * compatibility-date.capnp, in ordinal order) followed by the shim's own fields.
 * @remarks Order matters: implications are applied in one pass in this order, so a field can
 * only be implied by a field whose value is final when it is reached (workerd behaves the same
 * way). The array and its entries are frozen.
 * @public
 */
export const COMPAT_FLAG_REGISTRY: readonly CompatFlagDefinition[] = buildRegistry<CompatFlagField>(
  WORKERD_COMPAT_FIELDS,
  OWN_COMPAT_FIELDS,
);
