import { shimSupport } from "./honoured";
import type { ShimSupport } from "./honoured";
import { COMPAT_FLAG_REGISTRY } from "./registry";
import type { CompatFlagField } from "./registry";
import { explainWithRegistry } from "./resolve";
import type { CompatFlagReason } from "./resolve";

/**
 * One setting of a worker's compatibility: a date and flags, as `flags --diff` takes it.
 * @internal
 */
export interface CompatSetting {
  /** `YYYY-MM-DD`; absent when the setting names only flags (it then takes the other side's). */
  readonly date?: string;
  readonly flags: readonly string[];
}

const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses `2026-05-01`, `2026-05-01,nodejs_compat` or `nodejs_compat,workers_tracing_error_status`:
 * comma-separated items, the one shaped like a date is the compatibility date.
 * @returns the setting, or a problem to report (one sentence).
 * @internal
 */
export function parseCompatSetting(text: string): CompatSetting | string {
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  const dates = items.filter((item) => DATE_SHAPE.test(item));
  if (dates.length > 1)
    return `"${text}" names ${dates.length} compatibility dates (${dates.join(", ")}); give at most one`;
  const flags = items.filter((item) => !DATE_SHAPE.test(item));
  if (dates.length === 0 && flags.length === 0) return `"${text}" names neither a compatibility date nor a flag`;
  return dates[0] === undefined ? { flags } : { date: dates[0], flags };
}

/**
 * One field whose value differs between two settings.
 * @internal
 */
export interface CompatFieldChange {
  readonly field: CompatFlagField;
  readonly enableFlag: string | undefined;
  readonly before: boolean;
  readonly after: boolean;
  readonly beforeReason: CompatFlagReason;
  readonly afterReason: CompatFlagReason;
  readonly workersShim: ShimSupport;
}

/**
 * The fields whose value differs between two settings, in registry order: first those that
 * change what workers-shim does (honoured workerd fields and own flags), then the others.
 * @throws the resolver's `WorkersShimError` (workerd's message) for an invalid setting.
 * @internal
 */
export function diffCompatSettings(
  before: { readonly date: string; readonly flags: readonly string[] },
  after: { readonly date: string; readonly flags: readonly string[] },
  options: { readonly experimental?: boolean; readonly today?: string } = {},
): CompatFieldChange[] {
  const resolve = (setting: typeof before) =>
    explainWithRegistry(COMPAT_FLAG_REGISTRY, {
      compatibilityDate: setting.date,
      compatibilityFlags: setting.flags,
      experimental: options.experimental === true,
      ...(options.today === undefined ? {} : { today: options.today }),
    });
  const a = resolve(before);
  const b = resolve(after);
  const changes: CompatFieldChange[] = [];
  for (const entry of COMPAT_FLAG_REGISTRY) {
    if (a.flags[entry.field] === b.flags[entry.field]) continue;
    changes.push({
      field: entry.field,
      enableFlag: entry.enableFlag,
      before: a.flags[entry.field],
      after: b.flags[entry.field],
      beforeReason: a.reasons[entry.field],
      afterReason: b.reasons[entry.field],
      workersShim: shimSupport(entry),
    });
  }
  const behaves = (change: CompatFieldChange) => change.workersShim === "honoured" || change.workersShim === "own";
  return [...changes.filter(behaves), ...changes.filter((change) => !behaves(change))];
}
