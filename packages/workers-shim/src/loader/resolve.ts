import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The export conditions wrangler's bundler uses for a worker, before `import`/`require` and
 * `default`.
 */
export const WORKER_CONDITIONS: readonly string[] = ["workerd", "worker", "browser"];

/** How a resolved file is evaluated. */
export type ModuleFormat = "esm" | "cjs" | "json";

interface PackageJson {
  readonly name?: unknown;
  readonly type?: unknown;
  readonly exports?: unknown;
  readonly main?: unknown;
  readonly module?: unknown;
  readonly browser?: unknown;
}

const packageJsonCache = new Map<string, PackageJson | null>();

function readPackageJson(dir: string): PackageJson | null {
  const file = path.join(dir, "package.json");
  let cached = packageJsonCache.get(file);
  if (cached === undefined) {
    try {
      cached = JSON.parse(readFileSync(file, "utf8")) as PackageJson;
    } catch {
      cached = null;
    }
    packageJsonCache.set(file, cached);
  }
  return cached;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A file for `candidate` as CommonJS resolution finds one: as is, with `.js`/`.json`, or its `index.js`. */
function resolveFile(candidate: string): string | undefined {
  for (const file of [candidate, `${candidate}.js`, `${candidate}.mjs`, `${candidate}.cjs`, `${candidate}.json`]) {
    if (isFile(file)) return realpathSync(file);
  }
  for (const index of ["index.js", "index.mjs", "index.cjs", "index.json"]) {
    const file = path.join(candidate, index);
    if (isFile(file)) return realpathSync(file);
  }
  return undefined;
}

/** Picks the first matching branch of an `exports`/conditions value; `null` when none matches. */
function resolveTarget(target: unknown, conditions: readonly string[], star: string | undefined): string | null {
  if (typeof target === "string") return star === undefined ? target : target.split("*").join(star);
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = resolveTarget(item, conditions, star);
      if (found !== null) return found;
    }
    return null;
  }
  if (target !== null && typeof target === "object") {
    for (const [key, value] of Object.entries(target)) {
      if (key === "default" || conditions.includes(key)) {
        const found = resolveTarget(value, conditions, star);
        if (found !== null) return found;
      }
    }
  }
  return null;
}

/** Resolves `subpath` (`.` or `./x`) through a package's `exports` field. */
function resolveExports(exports: unknown, subpath: string, conditions: readonly string[]): string | null {
  const isSubpathMap =
    exports !== null &&
    typeof exports === "object" &&
    !Array.isArray(exports) &&
    Object.keys(exports).some((key) => key.startsWith("."));
  const map = (isSubpathMap ? exports : { ".": exports }) as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(map, subpath) && !subpath.includes("*"))
    return resolveTarget(map[subpath], conditions, undefined);
  // Subpath patterns: the longest matching prefix wins.
  let best: { key: string; star: string } | undefined;
  for (const key of Object.keys(map)) {
    const starAt = key.indexOf("*");
    if (starAt === -1) continue;
    const prefix = key.slice(0, starAt);
    const suffix = key.slice(starAt + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      if (best === undefined || prefix.length > best.key.indexOf("*")) {
        best = { key, star: subpath.slice(prefix.length, subpath.length - suffix.length) };
      }
    }
  }
  return best === undefined ? null : resolveTarget(map[best.key], conditions, best.star);
}

/** Splits `@scope/name/sub` or `name/sub` into the package name and `.`/`./sub`. */
function splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split("/");
  const count = specifier.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, count).join("/");
  const rest = parts.slice(count).join("/");
  return { name, subpath: rest === "" ? "." : `./${rest}` };
}

/**
 * Resolves a bare specifier from a file in `fromDir` as wrangler's bundler would for a worker:
 * `node_modules` folders upwards, the package's `exports` with the conditions `workerd`,
 * `worker`, `browser`, then `import` (or `require`) and `default`; without `exports`, its
 * `browser` (a string), `module` or `main` field.
 * @returns The file's real path, or `undefined` when nothing matches.
 */
export function resolvePackage(specifier: string, fromDir: string, kind: "import" | "require"): string | undefined {
  const { name, subpath } = splitSpecifier(specifier);
  if (name === "" || name === "@") return undefined;
  const conditions = [...WORKER_CONDITIONS, kind];
  for (let dir = fromDir; ;) {
    const packageDir = path.join(dir, "node_modules", name);
    if (existsSync(packageDir)) {
      const manifest = readPackageJson(packageDir);
      if (manifest !== null && manifest.exports !== undefined) {
        const target = resolveExports(manifest.exports, subpath, conditions);
        if (target === null) return undefined;
        const file = path.join(packageDir, target);
        return isFile(file) ? realpathSync(file) : undefined;
      }
      if (subpath !== ".") return resolveFile(path.join(packageDir, subpath));
      for (const field of ["browser", "module", "main"] as const) {
        const value = manifest?.[field];
        if (typeof value === "string") {
          const file = resolveFile(path.join(packageDir, value));
          if (file !== undefined) return file;
        }
      }
      return resolveFile(path.join(packageDir, "index"));
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Resolves a relative or absolute path the way `require` does (extensions, `index.js`). */
export function resolveRequirePath(candidate: string): string | undefined {
  return resolveFile(candidate);
}

/** Whether `file` is inside a `node_modules` folder. */
export function inNodeModules(file: string): boolean {
  return file.split(path.sep).includes("node_modules");
}

/**
 * How a file is evaluated: `.json` as JSON, `.cjs` as CommonJS, `.mjs` as ESM; a `.js` file
 * as ESM outside `node_modules`, and as its package's `type` says inside it.
 */
export function formatOf(file: string): ModuleFormat {
  const ext = path.extname(file);
  if (ext === ".json") return "json";
  if (ext === ".cjs") return "cjs";
  if (ext === ".mjs" || !inNodeModules(file)) return "esm";
  for (let dir = path.dirname(file); ;) {
    const manifest = readPackageJson(dir);
    if (manifest !== null) return manifest.type === "module" ? "esm" : "cjs";
    const parent = path.dirname(dir);
    if (parent === dir) return "cjs";
    dir = parent;
  }
}
