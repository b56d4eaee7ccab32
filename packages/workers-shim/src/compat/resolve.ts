import { WorkersShimError } from "../config/errors";
import { isValidCompatibilityDate, toUtcDateString } from "./date";
import { COMPAT_FLAG_REGISTRY } from "./registry";
import type { CompatFlagDefinition, CompatFlagField } from "./registry";

/**
 * Newest compatibility date this build of the shim supports (workerd's `SUPPORTED_COMPATIBILITY_DATE`).
 * @public
 */
export const SUPPORTED_COMPATIBILITY_DATE = "2026-11-23";

/**
 * Resolved value of every compatibility field, keyed by field name; the record is frozen.
 * @public
 */
export type CompatFlags = Readonly<Record<CompatFlagField, boolean>>;

/**
 * Inputs of {@link resolveCompatibilityFlags}: a worker's date and flags plus the runtime switches.
 * @public
 */
export interface CompatibilityInput {
  /** The worker's compatibility date, `YYYY-MM-DD`. */
  readonly compatibilityDate: string;
  /** The worker's compatibility flags; defaults to none. */
  readonly compatibilityFlags?: readonly string[];
  /** Whether the runtime runs with `--experimental`; defaults to `false`. */
  readonly experimental?: boolean;
  /** Today's date: a `Date` (its UTC day is used) or `YYYY-MM-DD`; defaults to the current time. */
  readonly today?: Date | string;
  /** Newest date the runtime supports; defaults to {@link SUPPORTED_COMPATIBILITY_DATE}. */
  readonly maxDate?: string;
}

/**
 * Result of {@link resolveCompatibilityFlags}: frozen flags plus warnings about redundant flags.
 * @public
 */
export interface ResolvedCompatibilityFlags<F extends string = CompatFlagField> {
  /** One boolean per registry field, in registry order (frozen). */
  readonly flags: Readonly<Record<F, boolean>>;
  /** workerd's texts for enable flags that the date already turns on (frozen). */
  readonly warnings: readonly string[];
}

/**
 * Resolves a worker's compatibility date and flags into one boolean per field, as workerd does.
 * @remarks Follows spec §6.2: validate the date, check it against `maxDate` and `today`, check
 * the flags, compute each field in declaration order, then apply implications in one pass. The
 * disable flag wins over the date, the enable flag wins over both. Resolve once per worker at
 * start-up; afterwards gating is a property read.
 * @throws {@link WorkersShimError} with code `ERR_COMPAT_FLAGS` for the first problem found;
 * its message is workerd's text, e.g. `No such compatibility flag: tracing_v2`.
 * @example
 * ```ts
 * const { flags, warnings } = resolveCompatibilityFlags({
 *   compatibilityDate: "2026-11-01",
 *   compatibilityFlags: ["nodejs_compat"],
 * });
 * flags.nodeJsCompatV2; // true: implied by nodejs_compat
 * ```
 * @public
 */
export function resolveCompatibilityFlags(input: CompatibilityInput): ResolvedCompatibilityFlags {
  const { flags, warnings } = explainWithRegistry(COMPAT_FLAG_REGISTRY, input);
  return Object.freeze({ flags, warnings });
}

/**
 * Why a field has its value: listed enable flag, listed disable flag, date, all dates,
 * implication, or nothing (off by default).
 * @internal
 */
export type CompatFlagReason<F extends string = CompatFlagField> =
  | { readonly kind: "flag"; readonly flag: string }
  | { readonly kind: "disableFlag"; readonly flag: string }
  | { readonly kind: "date"; readonly date: string }
  | { readonly kind: "allDates" }
  | { readonly kind: "implied"; readonly by: F; readonly date: string }
  | { readonly kind: "default" };

/**
 * {@link ResolvedCompatibilityFlags} plus the reason of every field's value.
 * @internal
 */
export interface ExplainedCompatibilityFlags<F extends string = CompatFlagField> extends ResolvedCompatibilityFlags<F> {
  /** One reason per field (frozen). */
  readonly reasons: Readonly<Record<F, CompatFlagReason<F>>>;
}

/**
 * Runs the §6.2 algorithm against any registry and reports why each field has its value.
 * @internal
 */
export function explainWithRegistry<F extends string>(
  registry: readonly CompatFlagDefinition<F>[],
  input: CompatibilityInput,
): ExplainedCompatibilityFlags<F> {
  const reasons = {} as Record<F, CompatFlagReason<F>>;
  const resolved = resolveInto(registry, input, reasons);
  return Object.freeze({ ...resolved, reasons: Object.freeze(reasons) });
}

/**
 * Runs the §6.2 algorithm against any registry (the public function uses {@link COMPAT_FLAG_REGISTRY}).
 * @internal
 */
export function resolveWithRegistry<F extends string>(
  registry: readonly CompatFlagDefinition<F>[],
  input: CompatibilityInput,
): ResolvedCompatibilityFlags<F> {
  return resolveInto(registry, input, undefined);
}

function resolveInto<F extends string>(
  registry: readonly CompatFlagDefinition<F>[],
  input: CompatibilityInput,
  reasons: Record<F, CompatFlagReason<F>> | undefined,
): ResolvedCompatibilityFlags<F> {
  const date = input.compatibilityDate;
  const listed = input.compatibilityFlags ?? [];

  // Step 1.
  if (!isValidCompatibilityDate(date)) fail(`Invalid compatibility date: ${date}`);

  // Step 2.
  const maxDate = input.maxDate ?? SUPPORTED_COMPATIBILITY_DATE;
  if (date > maxDate) {
    fail(
      `This Worker requires compatibility date "${date}", but the newest date supported by this server binary is "${maxDate}".`,
    );
  }
  const today = typeof input.today === "string" ? input.today : toUtcDateString(input.today ?? new Date());
  if (date > today) {
    fail(`Can't set compatibility date in the future: "${date}". Today's date (UTC) is "${today}".`);
  }

  // Step 3. Duplicates are checked before unknown names because workerd reports them first.
  const flagSet = new Set<string>();
  for (const flag of listed) {
    if (flagSet.has(flag)) fail(`Compatibility flag specified multiple times: ${flag}`);
    flagSet.add(flag);
  }
  const known = new Set<string>();
  for (const entry of registry) {
    if (entry.enableFlag !== undefined) known.add(entry.enableFlag);
    if (entry.disableFlag !== undefined) known.add(entry.disableFlag);
  }
  for (const flag of listed) {
    if (!known.has(flag)) fail(`No such compatibility flag: ${flag}`);
  }

  // Step 4.
  const flags = {} as Record<F, boolean>;
  const warnings: string[] = [];
  for (const entry of registry) {
    const enableListed = entry.enableFlag !== undefined && flagSet.has(entry.enableFlag);
    const disableListed = entry.disableFlag !== undefined && flagSet.has(entry.disableFlag);
    const byDate = entry.enableAllDates === true || (entry.enableDate !== undefined && date >= entry.enableDate);
    if (enableListed && disableListed) {
      fail(`Compatibility flags are mutually contradictory: ${entry.enableFlag ?? ""} vs ${entry.disableFlag ?? ""}`);
    }
    if (enableListed && entry.experimental === true && input.experimental !== true) {
      fail(
        `The compatibility flag ${entry.enableFlag ?? ""} is experimental and may break or be removed in a future version of workerd. To use this flag, you must pass --experimental on the command line.`,
      );
    }
    if (enableListed && byDate) {
      warnings.push(
        entry.enableDate !== undefined && entry.enableAllDates !== true
          ? `The compatibility flag ${entry.enableFlag ?? ""} became the default as of ${entry.enableDate} so does not need to be specified anymore.`
          : `The compatibility flag ${entry.enableFlag ?? ""} is the default, so does not need to be specified anymore.`,
      );
    }
    flags[entry.field] = enableListed || (byDate && !disableListed);
    if (reasons !== undefined) {
      reasons[entry.field] = enableListed
        ? { kind: "flag", flag: entry.enableFlag ?? "" }
        : disableListed
          ? { kind: "disableFlag", flag: entry.disableFlag ?? "" }
          : byDate
            ? entry.enableAllDates === true || entry.enableDate === undefined
              ? { kind: "allDates" }
              : { kind: "date", date: entry.enableDate }
            : { kind: "default" };
    }
  }

  // Step 5: a single pass, so a field is only implied by fields declared before it.
  for (const entry of registry) {
    const implied = entry.impliedByAfterDate;
    if (implied === undefined || date < implied.date) continue;
    if (entry.disableFlag !== undefined && flagSet.has(entry.disableFlag)) continue;
    if (flags[entry.field]) continue;
    const by = implied.names.find((name) => flags[name]);
    if (by === undefined) continue;
    flags[entry.field] = true;
    if (reasons !== undefined) reasons[entry.field] = { kind: "implied", by, date: implied.date };
  }

  return Object.freeze({ flags: Object.freeze(flags), warnings: Object.freeze(warnings) });
}

function fail(message: string): never {
  throw new WorkersShimError("ERR_COMPAT_FLAGS", message);
}
