import { COMPAT_FLAG_REGISTRY } from "./registry";
import type { CompatFlagDefinition } from "./registry";

const HEADERS = ["FLAG", "DEFAULT ON", "EXPERIMENTAL", "DISABLE FLAG", "DESCRIPTION"] as const;

/**
 * Renders the compatibility registry as a plain-text table for the `workers-shim flags` command.
 * @remarks One row per field in declaration order: enable flag, enable date (`all dates` or
 * `-`), experimental (`yes`/`no`), disable flag (or `-`) and the description, followed by the
 * implication if any. The description comes last so long texts do not pad the other columns.
 * Lines end without trailing spaces and the text has no final newline.
 * @example
 * ```ts
 * console.log(formatFlagTable());
 * // FLAG          DEFAULT ON  EXPERIMENTAL  DISABLE FLAG  DESCRIPTION
 * // experimental  -           yes           -             Turns on workerd's experimental ...
 * ```
 * @public
 */
export function formatFlagTable(): string {
  return formatTable(COMPAT_FLAG_REGISTRY);
}

/**
 * Renders any registry as the table of {@link formatFlagTable}.
 * @internal
 */
export function formatTable<F extends string>(registry: readonly CompatFlagDefinition<F>[]): string {
  const flagOf = new Map<string, string>(registry.map((entry) => [entry.field, entry.enableFlag]));
  const rows: string[][] = [[...HEADERS]];
  for (const entry of registry) {
    let description = entry.description;
    if (entry.impliedByAfterDate !== undefined) {
      const names = entry.impliedByAfterDate.names.map((name) => flagOf.get(name) ?? name).join(" or ");
      description += ` Implied by ${names} from ${entry.impliedByAfterDate.date}.`;
    }
    rows.push([
      entry.enableFlag,
      entry.enableAllDates === true ? "all dates" : (entry.enableDate ?? "-"),
      entry.experimental === true ? "yes" : "no",
      entry.disableFlag ?? "-",
      description,
    ]);
  }
  const widths = HEADERS.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
