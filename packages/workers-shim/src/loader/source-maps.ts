import { SourceMap, type SourceMapPayload } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { types } from "node:util";

/**
 * Source maps of the bundles built from wrangler projects, by the bundle's `file:` URL. Worker
 * modules run as `vm` modules, which Node.js does not source-map, so the shim maps the stacks it
 * reports and prints itself: `exception` events, printed errors, failed tests.
 */
const MAPS = new Map<string, { readonly map: SourceMap; readonly dir: string }>();

/** Registers the source map of the bundle `file` (its sources are relative to the map's folder). */
export function registerSourceMap(file: string, payload: SourceMapPayload): void {
  MAPS.set(pathToFileURL(file).href, { map: new SourceMap(payload), dir: path.dirname(file) });
}

/** Forgets the source map of `file` (its bundle was replaced). */
export function unregisterSourceMap(file: string): void {
  MAPS.delete(pathToFileURL(file).href);
}

/** `file:///x/bundle.mjs:12:5`, `/x/bundle.mjs:12:5`: a location in a stack frame. */
const LOCATION = /((?:file:\/\/)?\/[^\s():]+):(\d+):(\d+)/g;

/** The original `path:line:column` of a bundle location, or `undefined` when it has no mapping. */
function original(location: string, line: number, column: number): string | undefined {
  const url = location.startsWith("file:") ? location : pathToFileURL(location).href;
  const entry = MAPS.get(url);
  if (entry === undefined) return undefined;
  const found = entry.map.findEntry(line - 1, column - 1) as {
    originalSource?: string;
    originalLine?: number;
    originalColumn?: number;
  };
  if (found.originalSource === undefined || found.originalLine === undefined || found.originalColumn === undefined) {
    return undefined;
  }
  const source = found.originalSource.startsWith("file:")
    ? fileURLToPath(found.originalSource)
    : path.resolve(entry.dir, found.originalSource);
  return `${source}:${found.originalLine + 1}:${found.originalColumn + 1}`;
}

/** Rewrites every bundle location in `text` (a stack) to the original file, line and column. */
export function mapStack(text: string): string {
  if (MAPS.size === 0) return text;
  return text.replace(
    LOCATION,
    (match, location: string, line: string, column: string) =>
      original(location, Number(line), Number(column)) ?? match,
  );
}

/**
 * Rewrites the stack of a native error thrown by bundled code to the original locations, so that
 * what is reported (an `exception` event's `stack`) and printed points at the user's sources.
 * Never throws: a frozen error or a throwing `stack` getter keeps its stack.
 */
export function mapErrorStack(error: unknown): void {
  if (MAPS.size === 0 || !types.isNativeError(error)) return;
  try {
    const stack = Object.getOwnPropertyDescriptor(error, "stack");
    if (stack === undefined || !("value" in stack) || typeof stack.value !== "string") return;
    const mapped = mapStack(stack.value);
    if (mapped !== stack.value && stack.writable === true) (error as { stack: string }).stack = mapped;
  } catch {
    // Left as it is.
  }
}

/**
 * The first location of an error's stack that points into a source-mapped bundle, mapped back to
 * the user's file (`/project/src/index.ts:12:5`); `undefined` for other errors.
 */
export function userLocation(error: unknown): string | undefined {
  if (MAPS.size === 0 || !types.isNativeError(error)) return undefined;
  let stack: unknown;
  try {
    stack = (error as { stack?: unknown }).stack;
  } catch {
    return undefined;
  }
  if (typeof stack !== "string") return undefined;
  for (const match of stack.matchAll(LOCATION)) {
    const mapped = original(match[1]!, Number(match[2]), Number(match[3]));
    if (mapped !== undefined) return relativeToCwd(mapped);
  }
  // Already mapped by mapErrorStack: the first frame outside node_modules that is not the bundle.
  for (const match of stack.matchAll(LOCATION)) {
    const file = match[1]!.startsWith("file:") ? fileURLToPath(match[1]!) : match[1]!;
    if (/\.(?:[cm]?[jt]sx?)$/.test(file) && !file.includes(`${path.sep}node_modules${path.sep}`) && isSource(file)) {
      return relativeToCwd(`${file}:${match[2]}:${match[3]}`);
    }
  }
  return undefined;
}

/** Whether `file` is a source of a registered bundle. */
function isSource(file: string): boolean {
  for (const { map, dir } of MAPS.values()) {
    const sources = (map.payload as { sources?: readonly string[] }).sources ?? [];
    if (sources.some((source) => path.resolve(dir, source) === file)) return true;
  }
  return false;
}

function relativeToCwd(location: string): string {
  const relative = path.relative(process.cwd(), location);
  return relative.startsWith("..") || path.isAbsolute(relative) ? location : relative;
}
