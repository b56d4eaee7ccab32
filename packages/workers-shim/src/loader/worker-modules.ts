import { readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";
import { registerWorkersTracing } from "@workers-tracing/opentelemetry";
import { installWorkerGlobals } from "../globals/index";
import { installPredictableGlobals } from "../predictable";
import { BUILTIN_OVERRIDES } from "../node-builtins/index";
import { isInside } from "../config/validate";
import { cloudflareWorkersExports } from "./cloudflare-workers";
import { formatOf, resolvePackage, resolveRequirePath, type ModuleFormat } from "./resolve";

/** What a service's module graph needs to know about its worker. */
export interface WorkerModulesOptions {
  /** The service's name (for messages). */
  readonly serviceName: string;
  /** The worker's modules, main module first: config name and absolute file path. */
  readonly modules: readonly { readonly name: string; readonly path: string }[];
  /** The worker's resolved compatibility flags. */
  readonly flags: Readonly<Record<string, boolean>>;
  /** What `import { env } from "cloudflare:workers"` gives. */
  readonly env: object;
  /** Where the worker's console output is printed. */
  readonly hostConsole: Console;
  /** Exposes `gc()`, as `workerd test --predictable` does. */
  readonly predictable?: boolean;
  /** A folder (real path) every module file must be inside (`confineModules`); none by default. */
  readonly moduleRoot?: string;
  /** The worker's global `fetch`, when not Node's as it is (W3C trace context). */
  readonly fetch?: typeof globalThis.fetch | undefined;
}

type Resolved =
  | { readonly kind: "cloudflare:workers" }
  | { readonly kind: "host"; readonly file: string }
  | { readonly kind: "builtin"; readonly name: string }
  | { readonly kind: "file"; readonly file: string; readonly format: ModuleFormat };

type GlobalHook = (global: Record<PropertyKey, unknown>) => void;

const globalHooks: GlobalHook[] = [];

/**
 * Adds a function that is called with every new worker global, after the worker globals were
 * installed (test suites use it to hand values to fixture workers).
 * @returns A function that removes the hook.
 */
export function addWorkerGlobalHook(hook: GlobalHook): () => void {
  globalHooks.push(hook);
  return () => {
    const index = globalHooks.indexOf(hook);
    if (index !== -1) globalHooks.splice(index, 1);
  };
}

const hostRequire = createRequire(import.meta.url);

type Importer = (url: string) => Promise<Record<string, unknown>>;

/*
 * An import by Node's own loader, in the host's realm. Inside a Function body, so that a bundler
 * or test runner leaves it alone.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the indirection described above is the point
const functionImport = new Function("url", "return import(url);") as Importer;

let scriptImport: Importer | undefined;

/** Imports `url` with Node's own loader, in the host's realm. */
async function hostImport(url: string): Promise<Record<string, unknown>> {
  if (scriptImport !== undefined) return scriptImport(url);
  try {
    return await functionImport(url);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== "ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING") throw error;
    // Code a test runner evaluated without an import callback cannot import from a Function body;
    // a script compiled for the main context's default loader can.
    scriptImport = new vm.Script("(url) => import(url)", {
      filename: "workers-shim:host-import",
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }).runInThisContext() as Importer;
    return scriptImport(url);
  }
}

/**
 * Packages a worker gets as the host's instances, run outside its global scope: this project's
 * own libraries, whose process-wide registry (on the host's `globalThis`) ties their spans and
 * logs to the runtime's invocations.
 */
const HOST_PACKAGE_SCOPE = "@workers-tracing/";

const CJS_PARAMETERS = ["exports", "require", "module", "__filename", "__dirname"];

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function enabled(flags: Readonly<Record<string, boolean>>, ...names: string[]): boolean {
  return names.some((name) => flags[name] === true);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isPathSpecifier(specifier: string): boolean {
  return (
    specifier.startsWith("./") ||
    specifier.startsWith("../") ||
    specifier.startsWith("/") ||
    specifier === "." ||
    specifier === ".."
  );
}

interface CommonJsModule {
  exports: unknown;
  loaded: boolean;
}

/**
 * The module graph of one service, evaluated in the service's own vm context (its own global
 * scope): ES modules as `vm.SourceTextModule`, CommonJS, JSON, `cloudflare:workers` and Node's
 * built-in modules as `vm.SyntheticModule`. One instance per module per service.
 */
export class WorkerModules {
  /** The service's vm context. */
  readonly context: vm.Context;
  /** The global object of the service's context. */
  readonly global: Record<PropertyKey, unknown>;
  readonly #options: WorkerModulesOptions;
  readonly #byName = new Map<string, string>();
  readonly #nameOf = new Map<string, string>();
  readonly #modules = new Map<string, vm.Module | Promise<vm.Module>>();
  readonly #ready = new WeakMap<vm.Module, Promise<void>>();
  readonly #commonJs = new Map<string, CommonJsModule>();
  readonly #contextError: ErrorConstructor;
  readonly #contextJsonParse: (text: string) => unknown;
  readonly #newModuleObject: () => CommonJsModule;
  #cloudflareWorkers: Record<string, unknown> | undefined;

  constructor(options: WorkerModulesOptions) {
    this.#options = options;
    for (const module of options.modules) {
      this.#byName.set(module.name, module.path);
      this.#nameOf.set(module.path, module.name);
    }
    this.context = vm.createContext({}, { name: `workers-shim service "${options.serviceName}"` });
    this.global = vm.runInContext("globalThis", this.context) as Record<PropertyKey, unknown>;
    this.#contextError = vm.runInContext("Error", this.context) as ErrorConstructor;
    this.#contextJsonParse = vm.runInContext("(text) => JSON.parse(text)", this.context) as (text: string) => unknown;
    this.#newModuleObject = vm.runInContext(
      "() => ({ exports: {}, loaded: false })",
      this.context,
    ) as () => CommonJsModule;
    installWorkerGlobals(this.global, {
      flags: options.flags,
      serviceName: options.serviceName,
      hostConsole: options.hostConsole,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    if (options.predictable === true) installPredictableGlobals(this.global);
    // A worker that imports @opentelemetry/api records user spans through it; the worker can
    // still install its own SDK after the API's disable() calls.
    registerWorkersTracing({ global: this.global });
    for (const hook of globalHooks) hook(this.global);
  }

  /** Loads, links and evaluates the main module and its imports; resolves its namespace. */
  async loadMain(): Promise<Record<string, unknown>> {
    const main = this.#options.modules[0]!;
    const module = await this.#module({ kind: "file", file: main.path, format: "esm" });
    await this.#prepare(module);
    return module.namespace as Record<string, unknown>;
  }

  #noSuchModule(specifier: string, importer?: string): Error {
    const from = importer === undefined ? "" : ` (imported from "${this.#describe(importer)}")`;
    return new this.#contextError(`No such module "${specifier}"${from}.`);
  }

  /** The config name of a worker module, else its file path. */
  #describe(identifier: string): string {
    let file = identifier;
    if (identifier.startsWith("file:")) {
      try {
        file = fileURLToPath(identifier);
      } catch {
        return identifier;
      }
    }
    return this.#nameOf.get(file) ?? file;
  }

  #nodeCompat(): boolean {
    return enabled(this.#options.flags, "nodeJsCompat", "nodeJsCompatV2");
  }

  #nodeCompatV2(): boolean {
    return enabled(this.#options.flags, "nodeJsCompatV2");
  }

  /**
   * What `specifier` names for a module in `fromFile` (`undefined`: no such module).
   * @throws Error for the `cloudflare:`/`workerd:` modules the shim does not provide.
   */
  #resolve(specifier: string, fromFile: string | undefined, kind: "import" | "require"): Resolved | undefined {
    if (!isPathSpecifier(specifier)) {
      const named = this.#byName.get(specifier);
      if (named !== undefined) return { kind: "file", file: named, format: "esm" };
    }
    if (specifier === "cloudflare:workers") return { kind: "cloudflare:workers" };
    if (specifier.startsWith("node:")) {
      return this.#nodeCompat() && isBuiltin(specifier) ? { kind: "builtin", name: specifier.slice(5) } : undefined;
    }
    if (/^(cloudflare|workerd)(-internal)?:/.test(specifier)) {
      throw new this.#contextError(
        `workers-shim: cannot import "${specifier}": the only built-in module the shim provides is "cloudflare:workers".`,
      );
    }
    if (this.#nodeCompatV2() && isBuiltin(specifier)) return { kind: "builtin", name: specifier };
    const dir = fromFile === undefined ? process.cwd() : path.dirname(fromFile);
    let file: string | undefined;
    if (isPathSpecifier(specifier) || specifier.startsWith("file:")) {
      const target = specifier.startsWith("file:") ? fileURLToPath(specifier) : path.resolve(dir, specifier);
      file = kind === "require" ? resolveRequirePath(target) : isFile(target) ? realpathSync(target) : undefined;
    } else if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier)) {
      return undefined;
    } else {
      file = resolvePackage(specifier, dir, kind);
      if (file !== undefined && specifier.startsWith(HOST_PACKAGE_SCOPE)) return { kind: "host", file };
    }
    if (file === undefined) return undefined;
    this.#checkConfined(specifier, file, fromFile);
    return { kind: "file", file, format: formatOf(file) };
  }

  /** With `moduleRoot`: refuses a module file whose real path is outside it. */
  #checkConfined(specifier: string, file: string, fromFile: string | undefined): void {
    const root = this.#options.moduleRoot;
    if (root === undefined) return;
    let real = file;
    try {
      real = realpathSync(file);
    } catch {
      // Resolution found the file; it is checked as found.
    }
    if (isInside(root, real)) return;
    const from = fromFile === undefined ? "" : ` (imported from "${this.#describe(pathToFileURL(fromFile).href)}")`;
    throw new this.#contextError(
      `workers-shim: cannot import "${specifier}"${from}: ${real} is outside the config's folder ${root}, and module paths are confined to it.`,
    );
  }

  /** The service's one instance of a resolved module (created, not yet linked). */
  #module(resolved: Resolved): vm.Module | Promise<vm.Module> {
    const key =
      resolved.kind === "file" || resolved.kind === "host"
        ? `${resolved.kind === "host" ? "host" : resolved.format}:${resolved.file}`
        : resolved.kind === "builtin"
          ? `node:${resolved.name}`
          : resolved.kind;
    let module = this.#modules.get(key);
    if (module === undefined) {
      module = this.#create(resolved);
      this.#modules.set(key, module);
    }
    return module;
  }

  #create(resolved: Resolved): vm.Module | Promise<vm.Module> {
    switch (resolved.kind) {
      case "host": {
        const url = pathToFileURL(resolved.file).href;
        return hostImport(url).then((namespace) => this.#synthetic(url, { ...namespace }));
      }
      case "cloudflare:workers":
        return this.#synthetic("cloudflare:workers", this.#cloudflareWorkersExports());
      case "builtin":
        return this.#synthetic(`node:${resolved.name}`, this.#builtin(resolved.name));
      case "file":
        break;
    }
    const { file, format } = resolved;
    const url = pathToFileURL(file).href;
    if (format === "json") return this.#synthetic(url, { default: this.#json(file) });
    if (format === "cjs") {
      const exports = this.#requireCommonJs(file).exports;
      const namespace: Record<string, unknown> = { default: exports };
      if (exports !== null && (typeof exports === "object" || typeof exports === "function")) {
        for (const name of Object.keys(exports)) {
          if (name !== "default" && IDENTIFIER.test(name)) namespace[name] = (exports as Record<string, unknown>)[name];
        }
      }
      return this.#synthetic(url, namespace);
    }
    return new vm.SourceTextModule(readFileSync(file, "utf8"), {
      identifier: url,
      context: this.context,
      initializeImportMeta: (meta) => {
        meta.url = url;
      },
      importModuleDynamically: (specifier: string) => this.#import(specifier, file),
    });
  }

  #synthetic(identifier: string, namespace: Record<string, unknown>): vm.SyntheticModule {
    const names = Object.keys(namespace);
    return new vm.SyntheticModule(
      names,
      function (this: vm.SyntheticModule) {
        for (const name of names) this.setExport(name, namespace[name]);
      },
      { identifier, context: this.context },
    );
  }

  #cloudflareWorkersExports(): Record<string, unknown> {
    this.#cloudflareWorkers ??= cloudflareWorkersExports(this.#options.env);
    return this.#cloudflareWorkers;
  }

  /** The namespace of Node's built-in module `name` (or of its override). */
  #builtin(name: string): Record<string, unknown> {
    const override = Object.prototype.hasOwnProperty.call(BUILTIN_OVERRIDES, name)
      ? BUILTIN_OVERRIDES[name]
      : undefined;
    if (override !== undefined) return override();
    const value = hostRequire(`node:${name}`) as Record<string, unknown>;
    const namespace: Record<string, unknown> = { default: value };
    for (const key of Object.keys(value)) if (key !== "default") namespace[key] = value[key];
    return namespace;
  }

  #json(file: string): unknown {
    return this.#contextJsonParse(readFileSync(file, "utf8"));
  }

  /** Links and evaluates a module once (later calls share the first one's promise). */
  #prepare(module: vm.Module): Promise<void> {
    let ready = this.#ready.get(module);
    if (ready === undefined) {
      ready = (async () => {
        if (module.status === "unlinked") {
          await module.link((specifier, referencing) => {
            const importer = referencing.identifier.startsWith("file:")
              ? fileURLToPath(referencing.identifier)
              : undefined;
            const resolved = this.#resolve(specifier, importer, "import");
            if (resolved === undefined) throw this.#noSuchModule(specifier, referencing.identifier);
            return this.#module(resolved);
          });
        }
        if (module.status === "linked") await module.evaluate();
        if (module.status === "errored") throw module.error;
      })();
      this.#ready.set(module, ready);
    }
    return ready;
  }

  /** A dynamic `import()` from a module in `fromFile`. */
  async #import(specifier: string, fromFile: string): Promise<vm.Module> {
    const resolved = this.#resolve(specifier, fromFile, "import");
    if (resolved === undefined) throw this.#noSuchModule(specifier);
    const module = await this.#module(resolved);
    await this.#prepare(module);
    return module;
  }

  /** Evaluates a CommonJS file in the context once; resolves its `module` object. */
  #requireCommonJs(file: string): CommonJsModule {
    const cached = this.#commonJs.get(file);
    if (cached !== undefined) return cached;
    const module = this.#newModuleObject();
    this.#commonJs.set(file, module);
    const source = readFileSync(file, "utf8").replace(/^#!.*/, "");
    const wrapper = vm.compileFunction(source, CJS_PARAMETERS, { filename: file, parsingContext: this.context });
    const require = (specifier: string): unknown => this.#require(specifier, file);
    try {
      wrapper.call(module.exports, module.exports, require, module, file, path.dirname(file));
    } catch (error) {
      this.#commonJs.delete(file);
      throw error;
    }
    module.loaded = true;
    return module;
  }

  /** `require(specifier)` in a CommonJS module of the worker. */
  #require(specifier: string, fromFile: string): unknown {
    const resolved = this.#resolve(specifier, fromFile, "require");
    if (resolved === undefined) throw this.#noSuchModule(specifier, pathToFileURL(fromFile).href);
    switch (resolved.kind) {
      case "cloudflare:workers":
        return this.#cloudflareWorkersExports();
      case "host":
        return hostRequire(resolved.file);
      case "builtin": {
        const namespace = this.#builtin(resolved.name);
        return namespace["default"] ?? namespace;
      }
      case "file":
        break;
    }
    if (resolved.format === "json") return this.#json(resolved.file);
    if (resolved.format === "esm") {
      throw new this.#contextError(`require() of ES module "${resolved.file}" from "${fromFile}" is not supported.`);
    }
    return this.#requireCommonJs(resolved.file).exports;
  }
}
