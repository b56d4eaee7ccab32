import type { CompatFieldChange } from "./diff";
import { shimSupport } from "./honoured";
import type { ShimSupport } from "./honoured";
import { COMPAT_FLAG_REGISTRY } from "./registry";
import type { CompatFlagDefinition, CompatFlagField } from "./registry";
import { WORKERD_REGISTRY_VERSION } from "./registry-data";
import type { CompatFlagReason } from "./resolve";
import { isTracingEnabled } from "./tracing-gate";
import type { CompatProfile } from "./tracing-gate";

const SUPPORT_TEXT: Readonly<Record<ShimSupport, string>> = {
  honoured: "honoured",
  "no effect": "accepted, no effect",
  obsolete: "obsolete",
  own: "own flag",
};

const LEGEND =
  'IN WORKERS-SHIM: "honoured" = implemented in behaviour; "accepted, no effect" = accepted, no effect in workers-shim; "obsolete" = no effect in workerd either; "own flag" = a workers-shim improvement (workers_tracing_*).';

/**
 * Renders the compatibility registry as a plain-text table for the `workers-shim flags` command.
 * @remarks A summary line and a legend, then one row per field in registry order: enable flag,
 * disable flag, enable date (`all dates` or `-`), experimental (`yes`/`-`), how workers-shim
 * treats it (honoured, accepted with no effect, obsolete, own flag), the field name and notes:
 * the implication if any, or an own field's description. Lines end without trailing spaces and the text has no final newline.
 * @example
 * ```ts
 * console.log(formatFlagTable());
 * // 210 workerd fields (from workerd 1.20261123.1) and 5 own fields: 4 honoured, ...
 * ```
 * @public
 */
export function formatFlagTable(): string {
  const count = (support: ShimSupport): number =>
    COMPAT_FLAG_REGISTRY.filter((entry) => shimSupport(entry) === support).length;
  const workerd = COMPAT_FLAG_REGISTRY.filter((entry) => entry.owner === "workerd").length;
  const summary =
    `${workerd} workerd fields (from workerd ${WORKERD_REGISTRY_VERSION}) and ${count("own")} own fields: ` +
    `${count("honoured")} honoured, ${count("no effect")} accepted with no effect, ${count("obsolete")} obsolete.`;
  return `${summary}\n${LEGEND}\n\n${formatTable(COMPAT_FLAG_REGISTRY)}`;
}

/**
 * Renders any registry as the table of {@link formatFlagTable}.
 * @internal
 */
export function formatTable<F extends string>(registry: readonly CompatFlagDefinition<F>[]): string {
  const flagOf = enableFlagNames(registry);
  const rows: string[][] = [
    ["ENABLE FLAG", "DISABLE FLAG", "DEFAULT ON", "EXPERIMENTAL", "IN WORKERS-SHIM", "FIELD", "NOTES"],
  ];
  for (const entry of registry) {
    const implied = entry.impliedByAfterDate;
    rows.push([
      entry.enableFlag ?? "-",
      entry.disableFlag ?? "-",
      entry.enableAllDates === true ? "all dates" : (entry.enableDate ?? "-"),
      entry.experimental === true ? "yes" : "-",
      SUPPORT_TEXT[shimSupport(entry)],
      entry.field,
      implied !== undefined
        ? `implied by ${implied.names.map((name) => flagOf.get(name) ?? name).join(" or ")} from ${implied.date}`
        : (entry.description ?? ""),
    ]);
  }
  return alignColumns(rows);
}

/**
 * The registry as data for `workers-shim flags --json`.
 * @internal
 */
export function registryJson(profile: CompatProfile): unknown {
  return {
    workerdVersion: WORKERD_REGISTRY_VERSION,
    profile,
    fields: COMPAT_FLAG_REGISTRY.map((entry) => ({ ...entry, workersShim: shimSupport(entry) })),
  };
}

/**
 * One worker's resolved fields, for `workers-shim flags <config>`.
 * @internal
 */
export interface WorkerFlagsReport {
  readonly service: string;
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
  readonly flags: Readonly<Record<CompatFlagField, boolean>>;
  readonly reasons: Readonly<Record<CompatFlagField, CompatFlagReason>>;
}

/**
 * Renders each worker's fields: value, why, and how workers-shim treats the field.
 * @internal
 */
export function formatWorkerFlags(workers: readonly WorkerFlagsReport[], profile: CompatProfile): string {
  const flagOf = enableFlagNames(COMPAT_FLAG_REGISTRY);
  const sections = workers.map((worker) => {
    const listed =
      worker.compatibilityFlags.length === 0 ? "no flags" : `flags ${worker.compatibilityFlags.join(", ")}`;
    const head = `service ${worker.service}: compatibility date ${worker.compatibilityDate}, ${listed}`;
    const rows: string[][] = [["FLAG", "VALUE", "WHY", "IN WORKERS-SHIM", "FIELD"]];
    for (const entry of COMPAT_FLAG_REGISTRY) {
      rows.push([
        entry.enableFlag ?? "-",
        worker.flags[entry.field] ? "on" : "off",
        describeReason(worker.reasons[entry.field], flagOf),
        SUPPORT_TEXT[shimSupport(entry)],
        entry.field,
      ]);
    }
    const tracing = isTracingEnabled(worker.flags, profile)
      ? "ctx.tracing: a Tracing object"
      : "ctx.tracing: undefined (the seed profile gates it on the experimental flag)";
    return `${head}\n${alignColumns(rows)}\n${tracing} (profile ${profile})`;
  });
  return [LEGEND, ...sections].join("\n\n");
}

/**
 * Each worker's fields as data for `workers-shim flags --json <config>`.
 * @internal
 */
export function workerFlagsJson(workers: readonly WorkerFlagsReport[], profile: CompatProfile): unknown {
  return {
    workerdVersion: WORKERD_REGISTRY_VERSION,
    profile,
    services: workers.map((worker) => ({
      name: worker.service,
      compatibilityDate: worker.compatibilityDate,
      compatibilityFlags: worker.compatibilityFlags,
      ctxTracing: isTracingEnabled(worker.flags, profile),
      fields: COMPAT_FLAG_REGISTRY.map((entry) => ({
        field: entry.field,
        ...(entry.enableFlag !== undefined ? { enableFlag: entry.enableFlag } : {}),
        value: worker.flags[entry.field],
        reason: worker.reasons[entry.field],
        workersShim: shimSupport(entry),
      })),
    })),
  };
}

/**
 * Renders {@link diffCompatSettings}' result for `workers-shim flags --diff`: a summary line, then
 * one row per changed field (flag, before, after, how workers-shim treats it, field, why after).
 * @internal
 */
export function formatFlagDiff(before: string, after: string, changes: readonly CompatFieldChange[]): string {
  const flagOf = enableFlagNames(COMPAT_FLAG_REGISTRY);
  const behaviours = changes.filter((change) => change.workersShim === "honoured" || change.workersShim === "own");
  const head = `${before} -> ${after}: ${changes.length} field${changes.length === 1 ? "" : "s"} change, ${behaviours.length} of them in workers-shim's behaviour (honoured or own flag).`;
  if (changes.length === 0) return head;
  const rows: string[][] = [["FLAG", "BEFORE", "AFTER", "IN WORKERS-SHIM", "FIELD", "WHY (BEFORE / AFTER)"]];
  for (const change of changes) {
    rows.push([
      change.enableFlag ?? "-",
      change.before ? "on" : "off",
      change.after ? "on" : "off",
      SUPPORT_TEXT[change.workersShim],
      change.field,
      `${describeReason(change.beforeReason, flagOf)} / ${describeReason(change.afterReason, flagOf)}`,
    ]);
  }
  return `${head}
${LEGEND}

${alignColumns(rows)}`;
}

function describeReason(reason: CompatFlagReason, flagOf: ReadonlyMap<string, string>): string {
  switch (reason.kind) {
    case "flag":
      return `flag ${reason.flag}`;
    case "disableFlag":
      return `disabled by flag ${reason.flag}`;
    case "date":
      return `date (on from ${reason.date})`;
    case "allDates":
      return "on at all dates";
    case "implied":
      return `implied by ${flagOf.get(reason.by) ?? reason.by} (from ${reason.date})`;
    case "default":
      return "default";
  }
}

function enableFlagNames<F extends string>(registry: readonly CompatFlagDefinition<F>[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const entry of registry) names.set(entry.field, entry.enableFlag ?? entry.field);
  return names;
}

function alignColumns(rows: readonly (readonly string[])[]): string {
  const columns = rows[0]?.length ?? 0;
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
