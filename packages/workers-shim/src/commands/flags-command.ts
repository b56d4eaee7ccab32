import { diffCompatSettings, parseCompatSetting, type CompatSetting } from "../compat/diff";
import { formatFlagDiff, formatFlagTable, formatWorkerFlags, registryJson, workerFlagsJson } from "../compat/format";
import type { WorkerFlagsReport } from "../compat/format";
import { COMPAT_FLAG_REGISTRY } from "../compat/registry";
import { WORKERD_REGISTRY_VERSION } from "../compat/registry-data";
import { explainWithRegistry, resolveCompatibilityFlags } from "../compat/resolve";
import { COMPAT_PROFILES } from "../compat/tracing-gate";
import type { CompatProfile } from "../compat/tracing-gate";
import { WorkersShimError, loadConfig } from "../config/index";
import { isWranglerConfigFile, readWranglerConfig, type WranglerWorker } from "../config/wrangler";
import { parseConfigOption } from "./project-config";
import { CommandError, type CommandIo } from "./command";

/** `workers-shim flags --help`. */
export const FLAGS_USAGE = `usage: workers-shim flags [--json] [--profile seed] [--experimental]
                          [config.json | -c <wrangler config>... [--env NAME]]
       workers-shim flags --diff BEFORE AFTER [--json] [--experimental]

Without a config: prints every compatibility field of the registry (workerd's, generated from
workerd ${WORKERD_REGISTRY_VERSION}, then the shim's own workers_tracing_* flags): enable flag,
disable flag, default-on date, whether it needs --experimental, and whether workers-shim honours
it in behaviour or only accepts it ("accepted, no effect in workers-shim").
With a config (the shim's config.json, or wrangler configs): prints, for each worker, every
field's value and why (flag, date, implied, default).
With --diff: prints the fields whose value differs between two settings of a worker, those that
change workers-shim's behaviour (honoured fields, own flags) first. A setting is a compatibility
date, flags, or both, comma-separated: 2026-05-01, 2026-11-01,nodejs_compat or
workers_tracing_error_status (a setting without a date takes the other one's).

options:
  --diff B A       compare setting B (before) with setting A (after); takes no config
  --json           print JSON for tools instead of tables
  --profile NAME   registry profile: head (default; ctx.tracing at every date) or seed
                   (ctx.tracing only with the experimental flag); overrides the config's
                   compatibilityProfile
  --experimental   allow experimental compatibility flags in the config (like workerd --experimental)
  -c, --config FILE
                   a config file (repeatable for wrangler configs)
  -e, --env NAME   apply the env.NAME section of the wrangler configs
  -h, --help       show this help`;

/**
 * Parses `--profile NAME` at `args[i]`; returns the profile, or throws a usage error.
 * @internal
 */
export function parseProfile(command: string, value: string | undefined): CompatProfile {
  if (value !== undefined && (COMPAT_PROFILES as readonly string[]).includes(value)) return value as CompatProfile;
  throw new CommandError(
    `--profile needs one of ${COMPAT_PROFILES.join(", ")}, received ${value === undefined ? "nothing" : `"${value}"`}. Run "workers-shim ${command} --help".`,
  );
}

/** Runs `workers-shim flags`; resolves the exit status. */
export function flagsCommand(args: readonly string[], io: CommandIo): Promise<number> {
  let json = false;
  let experimental = false;
  let profile: CompatProfile | undefined;
  let configPath: string | undefined;
  const wrangler: { configs: string[]; env: string | undefined } = { configs: [], env: undefined };
  let diff: [string, string] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") {
      io.stdout(FLAGS_USAGE);
      return Promise.resolve(0);
    }
    const used = parseConfigOption("flags", args, i, wrangler);
    if (used > 0) i += used - 1;
    else if (arg === "--json") json = true;
    else if (arg === "--experimental") experimental = true;
    else if (arg === "--profile") profile = parseProfile("flags", args[++i]);
    else if (arg === "--diff") {
      const before = args[++i];
      const after = args[++i];
      if (before === undefined || after === undefined || before.startsWith("-") || after.startsWith("-")) {
        throw new CommandError(
          `--diff needs two settings (a compatibility date, flags, or both, comma-separated), received ${
            [before, after]
              .filter((value) => value !== undefined)
              .map((value) => `"${value}"`)
              .join(" and ") || "nothing"
          }. Run "workers-shim flags --help".`,
        );
      }
      diff = [before, after];
    } else if (arg.startsWith("-"))
      throw new CommandError(`unknown option "${arg}" for "flags". Run "workers-shim flags --help".`);
    else if (configPath !== undefined) {
      throw new CommandError(
        `"flags" takes at most one config file, received "${configPath}" and "${arg}". Run "workers-shim flags --help".`,
      );
    } else configPath = arg;
  }
  if (configPath !== undefined && (wrangler.configs.length > 0 || isWranglerConfigFile(configPath))) {
    wrangler.configs.unshift(configPath);
    configPath = undefined;
  }
  if (diff !== undefined && wrangler.configs.length > 0) {
    throw new CommandError(
      `"flags --diff" compares two settings and takes no config file, received "${wrangler.configs[0]}". Run "workers-shim flags --help".`,
    );
  }
  if (wrangler.configs.length > 0) {
    const workers = wrangler.configs.map((file, i) =>
      readWranglerConfig(file, { ...(wrangler.env === undefined ? {} : { env: wrangler.env }), envOptional: i > 0 }),
    );
    const chosen = profile ?? "head";
    const reports = workers.map((worker) => explainWorker(worker, experimental));
    io.stdout(json ? JSON.stringify(workerFlagsJson(reports, chosen), null, 2) : formatWorkerFlags(reports, chosen));
    for (const warning of workers.flatMap((worker) => worker.warnings)) io.stderr(`workers-shim: warning: ${warning}`);
    return Promise.resolve(0);
  }

  if (diff !== undefined) {
    if (configPath !== undefined) {
      throw new CommandError(
        `"flags --diff" compares two settings and takes no config file, received "${configPath}". Run "workers-shim flags --help".`,
      );
    }
    return Promise.resolve(flagsDiff(diff[0], diff[1], json, experimental, io));
  }

  if (configPath === undefined) {
    const chosen = profile ?? "head";
    io.stdout(
      json
        ? JSON.stringify(registryJson(chosen), null, 2)
        : `${formatFlagTable()}\n\nprofile ${chosen}: ${describeProfile(chosen)}`,
    );
    return Promise.resolve(0);
  }

  const config = loadConfig(configPath, { experimental, ...(profile !== undefined ? { profile } : {}) });
  const workers: WorkerFlagsReport[] = config.services.map(({ name, worker }) => {
    const { flags, reasons } = explainWithRegistry(COMPAT_FLAG_REGISTRY, {
      compatibilityDate: worker.compatibilityDate,
      compatibilityFlags: worker.compatibilityFlags,
      experimental,
    });
    return {
      service: name,
      compatibilityDate: worker.compatibilityDate,
      compatibilityFlags: worker.compatibilityFlags,
      flags,
      reasons,
    };
  });
  const chosen = config.compatibilityProfile;
  io.stdout(json ? JSON.stringify(workerFlagsJson(workers, chosen), null, 2) : formatWorkerFlags(workers, chosen));
  for (const warning of config.warnings) io.stderr(`workers-shim: warning: ${warning}`);
  return Promise.resolve(0);
}

/** The flags report of a wrangler worker; compatibility errors name the worker as workerd names a service. */
function explainWorker(worker: WranglerWorker, experimental: boolean): WorkerFlagsReport {
  try {
    const { flags, reasons } = explainWithRegistry(COMPAT_FLAG_REGISTRY, {
      compatibilityDate: worker.compatibilityDate,
      compatibilityFlags: worker.compatibilityFlags,
      experimental,
    });
    return {
      service: worker.name,
      compatibilityDate: worker.compatibilityDate,
      compatibilityFlags: worker.compatibilityFlags,
      flags,
      reasons,
    };
  } catch (error) {
    if (error instanceof WorkersShimError) {
      throw new WorkersShimError(error.code, `workers-shim: service ${worker.name}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function flagsDiff(beforeText: string, afterText: string, json: boolean, experimental: boolean, io: CommandIo): number {
  const parse = (side: string, text: string): CompatSetting => {
    const setting = parseCompatSetting(text);
    if (typeof setting === "string") {
      throw new CommandError(`--diff: the ${side} setting ${setting}. Run "workers-shim flags --help".`);
    }
    return setting;
  };
  const before = parse("before", beforeText);
  const after = parse("after", afterText);
  const beforeDate = before.date ?? after.date;
  const afterDate = after.date ?? before.date;
  if (beforeDate === undefined || afterDate === undefined) {
    throw new CommandError(
      `--diff needs a compatibility date in at least one setting, received "${beforeText}" and "${afterText}". Run "workers-shim flags --help".`,
    );
  }
  const resolved = (side: string, date: string, flags: readonly string[]) => {
    try {
      // Resolved on its own first, so that a bad setting is reported with its side.
      resolveCompatibilityFlags({ compatibilityDate: date, compatibilityFlags: flags, experimental });
      return { date, flags };
    } catch (error) {
      if (error instanceof WorkersShimError) throw new CommandError(`--diff: the ${side} setting: ${error.message}`);
      throw error;
    }
  };
  const beforeSetting = resolved("before", beforeDate, before.flags);
  const afterSetting = resolved("after", afterDate, after.flags);
  const changes = diffCompatSettings(beforeSetting, afterSetting, { experimental });
  if (json) {
    io.stdout(
      JSON.stringify(
        { workerdVersion: WORKERD_REGISTRY_VERSION, before: beforeSetting, after: afterSetting, changes },
        null,
        2,
      ),
    );
  } else {
    const label = (setting: { date: string; flags: readonly string[] }) => [setting.date, ...setting.flags].join(",");
    io.stdout(formatFlagDiff(label(beforeSetting), label(afterSetting), changes));
  }
  return 0;
}

function describeProfile(profile: CompatProfile): string {
  return profile === "seed"
    ? "ctx.tracing is a Tracing object only when a worker enables the experimental flag"
    : "ctx.tracing is a Tracing object at every compatibility date, as in workerd since 2026-05-29";
}
