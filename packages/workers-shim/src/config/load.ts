import { readFileSync, statSync, type Stats } from "node:fs";
import { dirname, join, resolve as resolvePath } from "node:path";
import { WorkersShimError } from "./errors";
import type { ShimConfig } from "./schema";
import { describeFsError } from "./fs-error";
import { createConfig } from "./validate";
import type { ValidateConfigOptions } from "./validate";

/** Largest config file {@link loadConfig} reads, in bytes. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

function fileKind(stats: Stats): string {
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "something else";
}

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
 * (`workers-shim: <path>: invalid JSON: <message>`), is not a regular file or is larger than
 * 4 MiB or is invalid (see {@link validateConfig}),
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
    // Checked before reading: /dev/zero or a FIFO would be read forever.
    const stats = statSync(configPath);
    if (!stats.isFile()) {
      throw new WorkersShimError(
        "ERR_CONFIG",
        `workers-shim: ${configPath}: expected a regular file, found ${fileKind(stats)}`,
      );
    }
    if (stats.size > MAX_CONFIG_BYTES) {
      throw new WorkersShimError(
        "ERR_CONFIG",
        `workers-shim: ${configPath}: the file has ${stats.size} bytes; a config may have at most ${MAX_CONFIG_BYTES}`,
      );
    }
    text = readFileSync(configPath, "utf8");
  } catch (error) {
    if (error instanceof WorkersShimError) throw error;
    throw new WorkersShimError(
      "ERR_CONFIG",
      `workers-shim: ${configPath}: cannot read file: ${describeFsError(error)}`,
      {
        cause: error,
      },
    );
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
