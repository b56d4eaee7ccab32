import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve as resolvePath } from "node:path";
import { WorkersShimError } from "./errors";
import type { ShimConfig } from "./schema";
import { describeFsError } from "./fs-error";
import { createConfig } from "./validate";
import type { ValidateConfigOptions } from "./validate";

/**
 * Options of {@link loadConfig}: those of {@link validateConfig} except `baseDir`.
 * @public
 */
export type LoadConfigOptions = Omit<ValidateConfigOptions, "baseDir">;

/**
 * Reads a `config.json` (or the `config.json` inside a folder), validates it and returns the frozen config.
 * @remarks Module paths are resolved from the config file's folder. Reading is synchronous:
 * the config is loaded once, before any worker starts.
 * @throws {@link WorkersShimError} with code `ERR_CONFIG` when the file cannot be read
 * (`workers-shim: <path>: cannot read file: ...`), is not JSON
 * (`workers-shim: <path>: invalid JSON: <message>`) or is invalid (see {@link validateConfig}),
 * or with code `ERR_COMPAT_FLAGS` for a compatibility problem.
 * @example
 * ```ts
 * const config = loadConfig("scenarios/fetch-in-span/config.json", { experimental: true });
 * for (const service of config.services) console.log(service.name, service.worker.flags.nodeJsCompat);
 * for (const warning of config.warnings) console.warn(`workers-shim: warning: ${warning}`);
 * ```
 * @public
 */
export function loadConfig(path: string, options: LoadConfigOptions = {}): ShimConfig {
  let configPath = resolvePath(path);
  let text: string;
  try {
    if (statSync(configPath, { throwIfNoEntry: false })?.isDirectory() === true) {
      configPath = join(configPath, "config.json");
    }
    text = readFileSync(configPath, "utf8");
  } catch (error) {
    throw new WorkersShimError("ERR_CONFIG", `workers-shim: ${configPath}: cannot read file: ${describeFsError(error)}`, {
      cause: error,
    });
  }
  // A UTF-8 byte-order mark is not JSON, but editors write one; skip it.
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WorkersShimError("ERR_CONFIG", `workers-shim: ${configPath}: invalid JSON: ${reason}`, { cause: error });
  }
  return createConfig(raw, { ...options, baseDir: dirname(configPath) }, configPath);
}
