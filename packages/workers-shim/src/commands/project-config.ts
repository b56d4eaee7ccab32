import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { loadConfig, type LoadConfigOptions } from "../config/index";
import type { ShimConfig } from "../config/schema";
import { WRANGLER_CONFIG_FILES, isWranglerConfigFile } from "../config/wrangler";
import { WranglerProject, type ProjectBuild } from "../config/wrangler-project";
import { CommandError } from "./command";

/** The config options `test` and `serve` share: `-c/--config` (repeatable, or one positional argument) and `-e/--env`. */
export interface ConfigArgs {
  readonly configs: readonly string[];
  readonly env: string | undefined;
}

/** A loaded config: the shim's own, or wrangler configs bundled into one. */
export interface LoadedConfig {
  readonly config: ShimConfig;
  /** Warnings to print: the wrangler files', then the config's. */
  readonly warnings: readonly string[];
  /** For wrangler configs: the project (rebuild it for `--watch`, dispose of it at the end). */
  readonly project?: WranglerProject;
  readonly build?: ProjectBuild;
}

/**
 * Parses `-c FILE`, `--config FILE`, `--config=FILE`, `-e NAME`, `--env NAME`, `--env=NAME` at
 * `args[i]`; returns how many arguments were used (0: not one of these).
 */
export function parseConfigOption(
  command: string,
  args: readonly string[],
  i: number,
  into: { configs: string[]; env: string | undefined },
): number {
  const arg = args[i]!;
  const match = /^(-c|--config|-e|--env)(?:=(.*))?$/s.exec(arg);
  if (match === null) return 0;
  const name = match[1]!;
  const value = match[2] ?? args[i + 1];
  if (value === undefined || value === "") {
    const expected = name === "-c" || name === "--config" ? "a config file" : "an environment name";
    throw new CommandError(`${name} expects ${expected}, received nothing. Run "workers-shim ${command} --help".`);
  }
  if (name === "-c" || name === "--config") into.configs.push(value);
  else into.env = value;
  return match[2] === undefined ? 2 : 1;
}

function isDirectory(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isDirectory() === true;
}

/** The wrangler config in `dir`, in wrangler's order of preference, if any. */
function findWranglerConfig(dir: string): string | undefined {
  for (const name of WRANGLER_CONFIG_FILES) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Resolves the configs of a `test` or `serve` run, relative to the current directory: the
 * shim's `config.json` (or a folder holding one), or one or more wrangler configs (or folders
 * holding one), or, when none is named, the wrangler config of the current directory.
 * @throws CommandError for a bad combination; WorkersShimError for a bad config.
 */
export async function loadCommandConfig(
  command: string,
  args: ConfigArgs,
  options: LoadConfigOptions,
): Promise<LoadedConfig> {
  const hint = `Run "workers-shim ${command} --help".`;
  let files = args.configs.map((file) => path.resolve(file));
  if (files.length === 0) {
    const found = findWranglerConfig(process.cwd());
    if (found === undefined) {
      throw new CommandError(
        `"${command}" needs a config: name one (config.json or a wrangler config), or run it in a folder with ${WRANGLER_CONFIG_FILES.join(", ")}. ${hint}`,
      );
    }
    files = [found];
  }
  files = files.map((file) => {
    if (!isDirectory(file) || existsSync(path.join(file, "config.json"))) return file;
    return findWranglerConfig(file) ?? file;
  });
  const wrangler = files.filter((file) => !isDirectory(file) && isWranglerConfigFile(file));
  if (wrangler.length === 0) {
    if (files.length > 1) {
      throw new CommandError(
        `"${command}" takes one config.json, received ${files.length} configs; only wrangler configs can be combined. ${hint}`,
      );
    }
    if (args.env !== undefined) {
      throw new CommandError(`--env applies to wrangler configs, not to ${JSON.stringify(args.configs[0])}. ${hint}`);
    }
    const config = loadConfig(files[0]!, options);
    return { config, warnings: config.warnings };
  }
  if (wrangler.length !== files.length) {
    const other = files.find((file) => !wrangler.includes(file))!;
    throw new CommandError(
      `a config.json cannot be combined with wrangler configs, received ${JSON.stringify(other)} with ${JSON.stringify(wrangler[0])}. ${hint}`,
    );
  }
  const project = WranglerProject.open(wrangler, { ...options, ...(args.env === undefined ? {} : { env: args.env }) });
  try {
    const build = await project.build();
    return { config: build.config, warnings: [...project.warnings, ...build.config.warnings], project, build };
  } catch (error) {
    await project.dispose();
    throw error;
  }
}
