import { BUILTIN_OVERRIDES } from "../node-builtins";

/**
 * The query parameter that ties a module URL to one service of one runtime. Every module a
 * service imports (relative imports included) carries it, so two services that share a file
 * still get their own module instances.
 */
export const SERVICE_QUERY = "workers-shim-service";

/** The URL `cloudflare:workers` resolves to (plus the importing service's query). */
export const VIRTUAL_CLOUDFLARE_WORKERS = "workers-shim:cloudflare-workers";

/** The URL prefix of a `node:*` module the shim serves itself (see `BUILTIN_OVERRIDES`). */
export const VIRTUAL_NODE_BUILTIN = "workers-shim:node-builtin/";

/** The `Symbol.for` key of the main-thread object the virtual `cloudflare:workers` module reads. */
export const CLOUDFLARE_WORKERS_API_KEY = "@workers-tracing/workers-shim/cloudflare:workers";

/**
 * Data handed to one registration of the hooks: for each service key it owns, the worker's
 * module names mapped to file URLs (workerd lets a module import another by its config name).
 */
export interface HooksData {
  readonly services: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/*
 * The module hooks, as source text. They are registered from a data: URL, so they need no file
 * of their own in dist/ and work the same from the sources under a test runner. In Node 20 they
 * run on the loader thread: they cannot see the main thread's objects, which is why
 * `cloudflare:workers` becomes a virtual module whose code reads a globalThis registry when it
 * is evaluated (on the main thread).
 */
const HOOKS_LINES = [
  `const BUILTIN = ${JSON.stringify(VIRTUAL_NODE_BUILTIN)};`,
  `const BUILTIN_EXPORTS = ${JSON.stringify(builtinExportNames())};`,
  `const QUERY = ${JSON.stringify(SERVICE_QUERY)};`,
  `const VIRTUAL = ${JSON.stringify(VIRTUAL_CLOUDFLARE_WORKERS)};`,
  `const API_KEY = ${JSON.stringify(CLOUDFLARE_WORKERS_API_KEY)};`,
  `let services = {};`,
  `export function initialize(data) { services = (data && data.services) || {}; }`,
  `function serviceKeyOf(url) {`,
  `  if (typeof url !== "string" || url === "") return null;`,
  `  try { return new URL(url).searchParams.get(QUERY); } catch { return null; }`,
  `}`,
  `function isBare(specifier) { return !/^(\\.{0,2}\\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier); }`,
  `function tag(href, key) {`,
  `  const url = new URL(href);`,
  `  if (!url.searchParams.has(QUERY)) url.searchParams.set(QUERY, key);`,
  `  return url;`,
  `}`,
  `export async function resolve(specifier, context, nextResolve) {`,
  `  const key = serviceKeyOf(context.parentURL);`,
  `  if (specifier === "cloudflare:workers") {`,
  `    return { url: VIRTUAL + "?" + QUERY + "=" + encodeURIComponent(key === null ? "" : key), format: "module", shortCircuit: true };`,
  `  }`,
  `  if (key !== null && specifier.startsWith("node:") && Object.prototype.hasOwnProperty.call(BUILTIN_EXPORTS, specifier.slice(5))) {`,
  `    return { url: BUILTIN + specifier.slice(5) + "?" + QUERY + "=" + encodeURIComponent(key), format: "module", shortCircuit: true };`,
  `  }`,
  `  if (key === null) {`,
  `    const resolved = await nextResolve(specifier, context);`,
  `    if (serviceKeyOf(resolved.url) !== null && resolved.url.startsWith("file:") && !resolved.url.includes("/node_modules/")) return { ...resolved, format: "module" };`,
  `    return resolved;`,
  `  }`,
  `  const own = services[key];`,
  `  if (own !== undefined && isBare(specifier) && Object.prototype.hasOwnProperty.call(own, specifier)) {`,
  `    return { url: tag(own[specifier], key).href, format: "module", shortCircuit: true };`,
  `  }`,
  `  if (/^(cloudflare|workerd)(-internal)?:/.test(specifier)) {`,
  `    throw new Error('workers-shim: cannot import "' + specifier + '": the only built-in module the shim provides is "cloudflare:workers".');`,
  `  }`,
  `  const resolved = await nextResolve(specifier, context);`,
  `  if (!resolved.url.startsWith("file:")) return resolved;`,
  `  const url = tag(resolved.url, key);`,
  `  const esm = /\\.m?js$/.test(url.pathname) && !url.pathname.includes("/node_modules/");`,
  `  return { ...resolved, url: url.href, format: esm ? "module" : resolved.format };`,
  `}`,
  `function builtinSource(key, name) {`,
  `  const lines = [`,
  `    "const api = globalThis[Symbol.for(" + JSON.stringify(API_KEY) + ")];",`,
  `    "const ns = api.builtin(" + JSON.stringify(key) + ", " + JSON.stringify(name) + ");",`,
  `    "export default ns.default;",`,
  `  ];`,
  `  for (const exported of BUILTIN_EXPORTS[name]) if (exported !== "default") lines.push("export const " + exported + " = ns." + exported + ";");`,
  `  return lines.join("\\n");`,
  `}`,
  `function virtualSource(key) {`,
  `  return [`,
  `    "const api = globalThis[Symbol.for(" + JSON.stringify(API_KEY) + ")];",`,
  `    "if (api === undefined) throw new Error('workers-shim: \\"cloudflare:workers\\" can only be imported by a worker that the shim runs.');",`,
  `    "export const tracing = api.tracing;",`,
  `    "export const WorkerEntrypoint = api.WorkerEntrypoint;",`,
  `    "export const DurableObject = api.DurableObject;",`,
  `    "export const RpcTarget = api.RpcTarget;",`,
  `    "export const env = api.env(" + JSON.stringify(key) + ");",`,
  `  ].join("\\n");`,
  `}`,
  `export async function load(url, context, nextLoad) {`,
  `  if (url === VIRTUAL || url.startsWith(VIRTUAL + "?")) {`,
  `    const key = serviceKeyOf(url);`,
  `    return { format: "module", source: virtualSource(key === null ? "" : key), shortCircuit: true };`,
  `  }`,
  `  if (url.startsWith(BUILTIN)) {`,
  `    const name = new URL(url).pathname.slice(BUILTIN.length - "workers-shim:".length);`,
  `    return { format: "module", source: builtinSource(serviceKeyOf(url) ?? "", name), shortCircuit: true };`,
  `  }`,
  `  return nextLoad(url, context);`,
  `}`,
];

/** The export names of each module of `BUILTIN_OVERRIDES`, for the virtual modules' source. */
function builtinExportNames(): Record<string, string[]> {
  const names: Record<string, string[]> = {};
  for (const [name, factory] of Object.entries(BUILTIN_OVERRIDES)) names[name] = Object.keys(factory());
  return names;
}

/** The hooks module's source text. */
export const HOOKS_SOURCE = HOOKS_LINES.join("\n");
