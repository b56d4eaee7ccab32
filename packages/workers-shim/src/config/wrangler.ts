import { readFileSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import { parse as parseJsonc, printParseErrorCode, type ParseError } from "jsonc-parser";
import { TomlError, parse as parseToml } from "smol-toml";
import { WorkersShimError } from "./errors";
import { describeFsError } from "./fs-error";
import type { TraceContextConfig } from "./schema";
import { validateTraceContext } from "./trace-context";
import { QUEUE_SETTINGS, describeValue, quote } from "./validate";

/*
 * Translation of wrangler configuration files (wrangler.json, wrangler.jsonc, wrangler.toml)
 * into the shim's own config (the JSON mirror of workerd's capnp config). The mapping, key by
 * key, is the table "wrangler configuration" in the package README.
 */

/** The files looked for, in this order, when no config is named (wrangler's order). */
export const WRANGLER_CONFIG_FILES = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"] as const;

/** Whether `file` is read as a wrangler config: `.toml`, `.jsonc`, or a `.json` whose name starts with `wrangler`. */
export function isWranglerConfigFile(file: string): boolean {
  const base = path.basename(file).toLowerCase();
  return base.endsWith(".toml") || base.endsWith(".jsonc") || (base.endsWith(".json") && base.startsWith("wrangler"));
}

/** The largest wrangler config read, in bytes (as for the shim's own config). */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Keys that an `env.<name>` section inherits from the top level when it does not set them (wrangler's inheritable keys that the shim reads). */
export const INHERITED_KEYS = [
  "name",
  "main",
  "compatibility_date",
  "compatibility_flags",
  "migrations",
  "triggers",
  "tsconfig",
  "jsx_factory",
  "jsx_fragment",
  "trace_context",
] as const;

/** Keys that an `env.<name>` section must repeat: wrangler does not inherit them. */
export const NOT_INHERITED_KEYS = [
  "vars",
  "define",
  "services",
  "durable_objects",
  "streaming_tail_consumers",
  "tail_consumers",
  "queues",
] as const;

/** Every key the shim reads; any other key is named in the "not supported" warning. */
const SUPPORTED_KEYS: readonly string[] = [...INHERITED_KEYS, ...NOT_INHERITED_KEYS];

/** Keys read without effect and without a warning: editor hints. */
const QUIET_KEYS: readonly string[] = ["$schema"];

/** A service binding (`services[]`). */
export interface WranglerServiceBinding {
  readonly binding: string;
  readonly service: string;
  readonly entrypoint?: string;
}

/** One worker of a wrangler config, with its environment applied. */
export interface WranglerWorker {
  /** The worker's name: `name` (with `-<env>` appended under `--env`, as wrangler does), else its folder's name. */
  readonly name: string;
  /** Absolute path of the config file. */
  readonly configPath: string;
  /** Absolute path of the entry point (`main`). */
  readonly main: string;
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
  /** `vars`, in order. */
  readonly vars: readonly (readonly [string, unknown])[];
  /** `define`: identifiers replaced by code at build time. */
  readonly define: Readonly<Record<string, string>>;
  readonly services: readonly WranglerServiceBinding[];
  /** Durable Object bindings to classes of this worker. */
  /** Durable Object bindings; `scriptName` names the worker of a class of another worker. */
  readonly durableObjects: readonly {
    readonly name: string;
    readonly className: string;
    readonly scriptName?: string;
    /** Where the binding is in the config, for messages. */
    readonly at: string;
  }[];
  /** Durable Object classes of this worker: those of `migrations` (created, renamed to, not deleted), then those bound. */
  readonly durableObjectClasses: readonly string[];
  /** `queues.producers`: bindings that send to a queue. */
  readonly queueProducers: readonly { readonly binding: string; readonly queue: string }[];
  /** `queues.consumers`, as the shim's `queueConsumers` (settings left out take the defaults). */
  readonly queueConsumers: readonly Readonly<Record<string, string | number>>[];
  /** `triggers.crons`: the schedules `serve --test-scheduled` lists (wrangler dev does not run them by itself either). */
  readonly crons: readonly string[];
  /** `streaming_tail_consumers[].service`. */
  readonly streamingTails: readonly string[];
  /** `tail_consumers[].service`: legacy tail workers (`tail(events)`). */
  readonly tails: readonly string[];
  /** `trace_context` (a workers-shim extension): the worker's `traceContext`, if set. */
  readonly traceContext?: TraceContextConfig;
  /** esbuild settings: `tsconfig`, `jsx_factory`, `jsx_fragment`. */
  readonly build: { readonly tsconfig?: string; readonly jsxFactory?: string; readonly jsxFragment?: string };
  /** Warnings about this file: the keys it does not support, non-inherited keys an environment does not repeat. */
  readonly warnings: readonly string[];
}

/** Options of {@link readWranglerConfig}. */
export interface WranglerOptions {
  /** The `env.<name>` section to apply (`--env`). */
  readonly env?: string;
  /** Use the top level when the file has no such environment (the configs run alongside the primary one). */
  readonly envOptional?: boolean;
}

type JsonObject = Record<string, unknown>;

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/** Builds `workers-shim: <file>: <key>: <problem>`. */
class KeyReporter {
  readonly #file: string;
  constructor(file: string) {
    this.#file = displayPath(file);
  }
  fail(key: string, problem: string): never {
    throw new WorkersShimError("ERR_CONFIG", `workers-shim: ${this.#file}: ${key === "" ? "" : `${key}: `}${problem}`);
  }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `${line}:${column}`;
}

/**
 * Reads and parses a wrangler config file (JSON with comments and trailing commas, or TOML).
 * @throws WorkersShimError (`ERR_CONFIG`) when it cannot be read or parsed: `<file>:<line>:<column>: <problem>`.
 */
export function parseWranglerFile(file: string): unknown {
  let text: string;
  try {
    const stats = statSync(file);
    if (!stats.isFile())
      throw new WorkersShimError("ERR_CONFIG", `workers-shim: ${displayPath(file)}: expected a regular file`);
    if (stats.size > MAX_CONFIG_BYTES) {
      throw new WorkersShimError(
        "ERR_CONFIG",
        `workers-shim: ${displayPath(file)}: the file has ${stats.size} bytes; a config may have at most ${MAX_CONFIG_BYTES}`,
      );
    }
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof WorkersShimError) throw error;
    throw new WorkersShimError(
      "ERR_CONFIG",
      `workers-shim: ${displayPath(file)}: cannot read file: ${describeFsError(error)}`,
      {
        cause: error,
      },
    );
  }
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  if (file.toLowerCase().endsWith(".toml")) {
    try {
      return parseToml(text);
    } catch (error) {
      if (error instanceof TomlError) {
        const reason = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
        throw new WorkersShimError(
          "ERR_CONFIG",
          `workers-shim: ${displayPath(file)}:${error.line}:${error.column}: invalid TOML: ${reason}`,
          { cause: error },
        );
      }
      throw error;
    }
  }
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    throw new WorkersShimError(
      "ERR_CONFIG",
      `workers-shim: ${displayPath(file)}:${lineColumn(text, first.offset)}: invalid JSON: ${printParseErrorCode(first.error)}`,
    );
  }
  return value;
}

/**
 * Reads one wrangler config file and applies its `env.<name>` section.
 * @throws WorkersShimError (`ERR_CONFIG`) naming the file, the key and what was expected.
 */
export function readWranglerConfig(file: string, options: WranglerOptions = {}): WranglerWorker {
  const configPath = path.resolve(file);
  return translateWrangler(parseWranglerFile(configPath), configPath, options);
}

/**
 * Translates a parsed wrangler config (from `configPath`) with its `env.<name>` section applied.
 * @throws WorkersShimError (`ERR_CONFIG`) naming the file, the key and what was expected.
 */
export function translateWrangler(raw: unknown, configPath: string, options: WranglerOptions = {}): WranglerWorker {
  const r: KeyReporter = new KeyReporter(configPath);
  const dir = path.dirname(configPath);
  const top = expectObject(r, "", raw, "a wrangler configuration object");
  const warnings: string[] = [];

  let section: JsonObject = top;
  let sectionPrefix = "";
  const envValue = own(top, "env");
  const envs = envValue === undefined ? {} : expectObject(r, "env", envValue, "an object of environments");
  const envName =
    options.env !== undefined && (options.envOptional !== true || own(envs, options.env) !== undefined)
      ? options.env
      : undefined;
  if (envName !== undefined) {
    const names = Object.keys(envs);
    const chosen = own(envs, envName);
    if (chosen === undefined) {
      r.fail(
        "env",
        `no environment ${quote(envName)} (from --env). ${names.length === 0 ? "The file defines none." : `Environments: ${names.join(", ")}.`}`,
      );
    }
    sectionPrefix = `env.${envName}.`;
    section = expectObject(r, `env.${envName}`, chosen, "an object");
  }
  for (const [envName, envSection] of Object.entries(envs)) {
    expectObject(r, `env.${envName}`, envSection, "an object");
  }

  /** A key's value and the path it is reported under: from the environment, inherited, or top-level. */
  const get = (key: string, inherited: boolean): [unknown, string] => {
    if (section === top) return [own(top, key), key];
    const value = own(section, key);
    if (value !== undefined || !inherited) return [value, `${sectionPrefix}${key}`];
    return [own(top, key), key];
  };

  const unsupported = new Set<string>();
  for (const key of Object.keys(top)) {
    if (key !== "env" && !SUPPORTED_KEYS.includes(key) && !QUIET_KEYS.includes(key)) unsupported.add(key);
  }
  if (section !== top) {
    for (const key of Object.keys(section)) {
      if (!SUPPORTED_KEYS.includes(key) && !QUIET_KEYS.includes(key)) unsupported.add(`${sectionPrefix}${key}`);
    }
    const missing = NOT_INHERITED_KEYS.filter((key) => own(top, key) !== undefined && own(section, key) === undefined);
    if (missing.length > 0) {
      warnings.push(
        `${displayPath(configPath)}: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} set at the top level but not in "env.${envName}", and environments do not inherit ${missing.length === 1 ? "it" : "them"} (as in wrangler)`,
      );
    }
  }

  const [nameValue, namePath] = get("name", true);
  const baseName = nameValue === undefined ? path.basename(dir) : expectString(r, namePath, nameValue);
  const name =
    envName !== undefined && own(section, "name") === undefined && nameValue !== undefined
      ? `${baseName}-${envName}`
      : baseName;

  const [mainValue, mainPath] = get("main", true);
  if (mainValue === undefined)
    r.fail(mainPath, 'required field is missing: the worker\'s entry point, e.g. "src/index.ts"');
  const main = path.resolve(dir, expectString(r, mainPath, mainValue));
  let mainStats: Stats | undefined;
  try {
    mainStats = statSync(main, { throwIfNoEntry: false });
  } catch (error) {
    return r.fail(mainPath, `cannot access file: ${main} (${describeFsError(error)})`);
  }
  if (mainStats === undefined) r.fail(mainPath, `file not found: ${main}`);
  if (!mainStats.isFile()) r.fail(mainPath, `not a file: ${main}`);

  const [dateValue, datePath] = get("compatibility_date", true);
  if (dateValue === undefined) r.fail(datePath, 'required field is missing: a date "YYYY-MM-DD"');
  const compatibilityDate = expectString(r, datePath, dateValue);
  const [flagsValue, flagsPath] = get("compatibility_flags", true);
  const compatibilityFlags = stringArray(r, flagsPath, flagsValue);

  const [varsValue, varsPath] = get("vars", false);
  const vars =
    varsValue === undefined
      ? []
      : Object.entries(expectObject(r, varsPath, varsValue, "an object of variables")).map(
          ([key, value]) => [key, value] as const,
        );

  const [defineValue, definePath] = get("define", false);
  const define: Record<string, string> = {};
  if (defineValue !== undefined) {
    for (const [key, value] of Object.entries(expectObject(r, definePath, defineValue, "an object of strings"))) {
      define[key] = expectString(r, `${definePath}.${key}`, value);
    }
  }

  const [servicesValue, servicesPath] = get("services", false);
  const services = objectArray(r, servicesPath, servicesValue, "{binding, service, entrypoint?}").map(
    ([object, at]): WranglerServiceBinding => {
      const binding = expectString(r, `${at}.binding`, required(r, at, object, "binding"));
      const service = expectString(r, `${at}.service`, required(r, at, object, "service"));
      for (const key of Object.keys(object)) {
        if (!["binding", "service", "entrypoint"].includes(key)) unsupported.add(`${at}.${key}`);
      }
      const entrypointValue = own(object, "entrypoint");
      return entrypointValue === undefined
        ? { binding, service }
        : { binding, service, entrypoint: expectString(r, `${at}.entrypoint`, entrypointValue) };
    },
  );

  const [doValue, doPath] = get("durable_objects", false);
  const durableObjects: { name: string; className: string; scriptName?: string; at: string }[] = [];
  if (doValue !== undefined) {
    const object = expectObject(r, doPath, doValue, "an object {bindings}");
    for (const key of Object.keys(object)) if (key !== "bindings") unsupported.add(`${doPath}.${key}`);
    for (const [binding, at] of objectArray(
      r,
      `${doPath}.bindings`,
      own(object, "bindings"),
      "{name, class_name, script_name?}",
    )) {
      const bindingName = expectString(r, `${at}.name`, required(r, at, binding, "name"));
      const className = expectString(r, `${at}.class_name`, required(r, at, binding, "class_name"));
      for (const key of Object.keys(binding)) {
        if (!["name", "class_name", "script_name"].includes(key)) unsupported.add(`${at}.${key}`);
      }
      const scriptValue = own(binding, "script_name");
      const scriptName = scriptValue === undefined ? name : expectString(r, `${at}.script_name`, scriptValue);
      // A class of another worker, which must be in this run (given with another -c).
      durableObjects.push(
        scriptName === name ? { name: bindingName, className, at } : { name: bindingName, className, scriptName, at },
      );
    }
  }

  const [migrationsValue, migrationsPath] = get("migrations", true);
  const classes: string[] = [];
  for (const [migration, at] of objectArray(r, migrationsPath, migrationsValue, "{tag, new_classes?, …}")) {
    expectString(r, `${at}.tag`, required(r, at, migration, "tag"));
    for (const key of ["new_classes", "new_sqlite_classes"]) {
      for (const className of stringArray(r, `${at}.${key}`, own(migration, key))) {
        if (!classes.includes(className)) classes.push(className);
      }
    }
    for (const [rename, renameAt] of objectArray(
      r,
      `${at}.renamed_classes`,
      own(migration, "renamed_classes"),
      "{from, to}",
    )) {
      const from = expectString(r, `${renameAt}.from`, required(r, renameAt, rename, "from"));
      const to = expectString(r, `${renameAt}.to`, required(r, renameAt, rename, "to"));
      const index = classes.indexOf(from);
      if (index === -1) classes.push(to);
      else classes[index] = to;
    }
    for (const className of stringArray(r, `${at}.deleted_classes`, own(migration, "deleted_classes"))) {
      const index = classes.indexOf(className);
      if (index !== -1) classes.splice(index, 1);
    }
    for (const key of Object.keys(migration)) {
      if (!["tag", "new_classes", "new_sqlite_classes", "renamed_classes", "deleted_classes"].includes(key)) {
        unsupported.add(`${at}.${key}`);
      }
    }
  }
  for (const { className, scriptName } of durableObjects) {
    if (scriptName === undefined && !classes.includes(className)) classes.push(className);
  }

  const [queuesValue, queuesPath] = get("queues", false);
  const queueProducers: { binding: string; queue: string }[] = [];
  const queueConsumers: Record<string, string | number>[] = [];
  if (queuesValue !== undefined) {
    const queues = expectObject(r, queuesPath, queuesValue, "an object {producers?, consumers?}");
    for (const key of Object.keys(queues))
      if (key !== "producers" && key !== "consumers") unsupported.add(`${queuesPath}.${key}`);
    for (const [producer, at] of objectArray(
      r,
      `${queuesPath}.producers`,
      own(queues, "producers"),
      "{binding, queue}",
    )) {
      for (const key of Object.keys(producer))
        if (key !== "binding" && key !== "queue") unsupported.add(`${at}.${key}`);
      queueProducers.push({
        binding: expectString(r, `${at}.binding`, required(r, at, producer, "binding")),
        queue: expectString(r, `${at}.queue`, required(r, at, producer, "queue")),
      });
    }
    for (const [consumer, at] of objectArray(
      r,
      `${queuesPath}.consumers`,
      own(queues, "consumers"),
      "{queue, max_batch_size?, …}",
    )) {
      const translated: Record<string, string | number> = {
        queue: expectString(r, `${at}.queue`, required(r, at, consumer, "queue")),
      };
      const number = (key: string, into: keyof typeof QUEUE_SETTINGS, scale: number): void => {
        const value = own(consumer, key);
        if (value === undefined) return;
        const { min, max } = QUEUE_SETTINGS[into];
        if (
          typeof value !== "number" ||
          !Number.isInteger(value * scale) ||
          value * scale < min ||
          value * scale > max
        ) {
          r.fail(
            `${at}.${key}`,
            `expected a ${scale === 1 ? "whole " : ""}number from ${min / scale} to ${max / scale}, received ${describeValue(value)}`,
          );
        }
        translated[into] = value * scale;
      };
      number("max_batch_size", "maxBatchSize", 1);
      number("max_batch_timeout", "maxBatchTimeoutMs", 1000);
      number("max_retries", "maxRetries", 1);
      number("retry_delay", "retryDelaySeconds", 1);
      const deadLetter = own(consumer, "dead_letter_queue");
      if (deadLetter !== undefined)
        translated["deadLetterQueue"] = expectString(r, `${at}.dead_letter_queue`, deadLetter);
      for (const key of Object.keys(consumer)) {
        if (
          !["queue", "max_batch_size", "max_batch_timeout", "max_retries", "retry_delay", "dead_letter_queue"].includes(
            key,
          )
        ) {
          unsupported.add(`${at}.${key}`);
        }
      }
      queueConsumers.push(translated);
    }
  }

  const [triggersValue, triggersPath] = get("triggers", true);
  let crons: string[] = [];
  if (triggersValue !== undefined) {
    const triggers = expectObject(r, triggersPath, triggersValue, "an object {crons}");
    for (const key of Object.keys(triggers)) if (key !== "crons") unsupported.add(`${triggersPath}.${key}`);
    crons = stringArray(r, `${triggersPath}.crons`, own(triggers, "crons"));
  }

  const [tailsValue, tailsPath] = get("streaming_tail_consumers", false);
  const streamingTails = objectArray(r, tailsPath, tailsValue, "{service}").map(([object, at]) => {
    for (const key of Object.keys(object)) if (key !== "service") unsupported.add(`${at}.${key}`);
    return expectString(r, `${at}.service`, required(r, at, object, "service"));
  });

  const [legacyValue, legacyPath] = get("tail_consumers", false);
  const tails = objectArray(r, legacyPath, legacyValue, "{service}").map(([object, at]) => {
    for (const key of Object.keys(object)) if (key !== "service") unsupported.add(`${at}.${key}`);
    return expectString(r, `${at}.service`, required(r, at, object, "service"));
  });

  const [traceContextValue, traceContextPath] = get("trace_context", true);
  const traceContext =
    traceContextValue === undefined
      ? undefined
      : validateTraceContext(traceContextValue, traceContextPath, r.fail.bind(r), describeValue);

  const build: { tsconfig?: string; jsxFactory?: string; jsxFragment?: string } = {};
  const [tsconfigValue, tsconfigPath] = get("tsconfig", true);
  if (tsconfigValue !== undefined) build.tsconfig = path.resolve(dir, expectString(r, tsconfigPath, tsconfigValue));
  const [factoryValue, factoryPath] = get("jsx_factory", true);
  if (factoryValue !== undefined) build.jsxFactory = expectString(r, factoryPath, factoryValue);
  const [fragmentValue, fragmentPath] = get("jsx_fragment", true);
  if (fragmentValue !== undefined) build.jsxFragment = expectString(r, fragmentPath, fragmentValue);

  if (unsupported.size > 0) {
    warnings.unshift(
      `${displayPath(configPath)}: not supported by workers-shim, ignored: ${[...unsupported].join(", ")}`,
    );
  }
  return {
    name,
    configPath,
    main,
    compatibilityDate,
    compatibilityFlags,
    vars,
    define,
    services,
    durableObjects,
    durableObjectClasses: classes,
    queueProducers,
    queueConsumers,
    crons,
    streamingTails,
    tails,
    ...(traceContext === undefined ? {} : { traceContext }),
    build,
    warnings,
  };
}

/**
 * The shim config (the JSON form `validateConfig` reads) of wrangler workers, the first one
 * the primary worker, each run from its bundled module in `bundles` (by worker name).
 * @throws WorkersShimError (`ERR_CONFIG`) for two workers with one name, or a service or tail
 * that names no worker of the run.
 */
export function toShimConfig(workers: readonly WranglerWorker[], bundles: ReadonlyMap<string, string>): JsonObject {
  const names = workers.map((worker) => worker.name);
  workers.forEach((worker, i) => {
    const first = names.indexOf(worker.name);
    if (first !== i) {
      new KeyReporter(worker.configPath).fail(
        "name",
        `two workers are named ${quote(worker.name)} (the other is ${displayPath(workers[first]!.configPath)})`,
      );
    }
  });
  const known = (r: KeyReporter, key: string, service: string, what: string): void => {
    if (names.includes(service)) return;
    r.fail(
      key,
      `no worker named ${quote(service)} in this run (workers: ${names.join(", ")}); pass its config with another -c to run it as ${what}`,
    );
  };
  const services = workers.map((worker) => {
    const r: KeyReporter = new KeyReporter(worker.configPath);
    const bindings: JsonObject[] = [];
    for (const [name, value] of worker.vars) {
      bindings.push(typeof value === "string" ? { name, text: value } : { name, json: value });
    }
    worker.services.forEach((binding, i) => {
      known(r, `services[${i}].service`, binding.service, "a service binding");
      bindings.push({
        name: binding.binding,
        service:
          binding.entrypoint === undefined
            ? binding.service
            : { name: binding.service, entrypoint: binding.entrypoint },
      });
    });
    for (const binding of worker.durableObjects) {
      if (binding.scriptName === undefined) {
        bindings.push({ name: binding.name, durableObjectNamespace: binding.className });
        continue;
      }
      known(
        r,
        `${binding.at}.script_name`,
        binding.scriptName,
        "the worker of Durable Object class " + quote(binding.className),
      );
      const owner = workers.find((other) => other.name === binding.scriptName)!;
      if (!owner.durableObjectClasses.includes(binding.className)) {
        const classes = owner.durableObjectClasses;
        r.fail(
          `${binding.at}.class_name`,
          `worker ${quote(owner.name)} (${displayPath(owner.configPath)}) has no Durable Object class ${quote(binding.className)} (${
            classes.length === 0 ? "it has none" : `its classes: ${classes.join(", ")}`
          }); its classes come from its migrations and its own durable_objects bindings`,
        );
      }
      bindings.push({
        name: binding.name,
        durableObjectNamespace: { className: binding.className, serviceName: binding.scriptName },
      });
    }
    for (const producer of worker.queueProducers) bindings.push({ name: producer.binding, queue: producer.queue });
    worker.streamingTails.forEach((tail, i) =>
      known(r, `streaming_tail_consumers[${i}].service`, tail, "a streaming tail consumer"),
    );
    worker.tails.forEach((tail, i) => known(r, `tail_consumers[${i}].service`, tail, "a tail consumer"));
    const file = bundles.get(worker.name);
    if (file === undefined) throw new Error(`no bundle for worker "${worker.name}"`);
    return {
      name: worker.name,
      worker: {
        modules: [{ name: worker.name, esModule: file }],
        compatibilityDate: worker.compatibilityDate,
        compatibilityFlags: worker.compatibilityFlags,
        bindings,
        ...(worker.durableObjectClasses.length === 0
          ? {}
          : {
              durableObjectNamespaces: worker.durableObjectClasses.map((className) => ({
                className,
                uniqueKey: `${worker.name}-${className}`,
              })),
              durableObjectStorage: { inMemory: true },
            }),
        streamingTails: worker.streamingTails,
        ...(worker.tails.length === 0 ? {} : { tails: worker.tails }),
        ...(worker.queueConsumers.length === 0 ? {} : { queueConsumers: worker.queueConsumers }),
        ...(worker.traceContext === undefined ? {} : { traceContext: worker.traceContext }),
      },
    };
  });
  return { services };
}

function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function required(r: KeyReporter, at: string, object: JsonObject, key: string): unknown {
  const value = own(object, key);
  if (value === undefined) r.fail(`${at}.${key}`, "required field is missing");
  return value;
}

function expectObject(r: KeyReporter, key: string, value: unknown, expected: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    r.fail(key, `expected ${expected}, received ${describeValue(value)}`);
  }
  return value as JsonObject;
}

function expectString(r: KeyReporter, key: string, value: unknown): string {
  if (typeof value !== "string" || value === "")
    r.fail(key, `expected a non-empty string, received ${describeValue(value)}`);
  return value;
}

function stringArray(r: KeyReporter, key: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) r.fail(key, `expected an array of strings, received ${describeValue(value)}`);
  return value.map((item, i) => expectString(r, `${key}[${i}]`, item));
}

function objectArray(r: KeyReporter, key: string, value: unknown, shape: string): [JsonObject, string][] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) r.fail(key, `expected an array of objects ${shape}, received ${describeValue(value)}`);
  return value.map((item, i) => [expectObject(r, `${key}[${i}]`, item, `an object ${shape}`), `${key}[${i}]`]);
}
