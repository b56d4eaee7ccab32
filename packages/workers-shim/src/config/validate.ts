import { realpathSync, statSync } from "node:fs";
import type { Stats } from "node:fs";
import { extname, isAbsolute, relative as relativePath, resolve as resolvePath, sep } from "node:path";
import { HONOURED_FIELDS } from "../compat/honoured";
import { COMPAT_FLAG_REGISTRY } from "../compat/registry";
import { resolveCompatibilityFlags } from "../compat/resolve";
import { COMPAT_PROFILES } from "../compat/tracing-gate";
import type { CompatProfile } from "../compat/tracing-gate";
import type { CompatibilityInput, ResolvedCompatibilityFlags } from "../compat/resolve";
import { deepFreeze } from "./deep-freeze";
import { WorkersShimError } from "./errors";
import { describeFsError } from "./fs-error";
import { TRACE_CONTEXT_OFF, validateTraceContext } from "./trace-context";
import {
  BINDING_KEYS,
  BINDING_KINDS,
  DURABLE_OBJECT_NAMESPACE_KEYS,
  DURABLE_OBJECT_STORAGE_KEYS,
  ES_MODULE_EXTENSIONS,
  MODULE_KEYS,
  OTHER_MODULE_KINDS,
  OTHER_SERVICE_KINDS,
  QUEUE_CONSUMER_KEYS,
  ROOT_KEYS,
  SERVICE_DESIGNATOR_KEYS,
  NAMESPACE_DESIGNATOR_KEYS,
  SERVICE_KEYS,
  WORKER_KEYS,
} from "./schema";
import type {
  BindingConfig,
  DurableObjectNamespaceConfig,
  ModuleConfig,
  QueueConsumerConfig,
  ServiceConfig,
  ShimConfig,
  TraceContextConfig,
  WorkerConfig,
} from "./schema";

/**
 * Options of {@link validateConfig}.
 * @public
 */
export interface ValidateConfigOptions {
  /** Folder that relative `esModule` paths are resolved from (made absolute if relative). */
  readonly baseDir: string;
  /** Whether the runtime runs with `--experimental` (allows experimental compatibility flags). */
  readonly experimental?: boolean;
  /** Today's date for the compatibility-date check: a `Date` (UTC day) or `YYYY-MM-DD`. */
  readonly today?: Date | string;
  /** Newest supported compatibility date; defaults to `SUPPORTED_COMPATIBILITY_DATE`. */
  readonly maxDate?: string;
  /** The registry profile (`--profile`); overrides the config's `compatibilityProfile`. */
  readonly profile?: CompatProfile;
  /**
   * Refuse every module file, named in the config or imported, whose real path (after symbolic
   * links) is outside `baseDir` (`--confine-modules`); off by default.
   */
  readonly confineModules?: boolean;
  /**
   * W3C trace context for every service, in place of each worker's own `traceContext`
   * (`--trace-context`); e.g. `{ incoming: true, outgoing: "all" }`.
   */
  readonly traceContext?: TraceContextConfig;
}

/**
 * Validates a parsed `config.json` and returns its normalised, frozen form.
 * @remarks Checks the shape (unknown keys, types, required fields), that every module file
 * exists, the references between services, bindings and Durable Object classes, and resolves
 * each worker's compatibility flags. The first problem found is thrown; nothing is returned
 * partially.
 * @throws {@link WorkersShimError} with code `ERR_CONFIG` for a config problem, e.g.
 * `workers-shim: service "main": worker.bindings[2].service: unknown service "nope". Known services: main, tail.`,
 * or code `ERR_COMPAT_FLAGS` for a compatibility problem, e.g.
 * `workers-shim: service main: No such compatibility flag: tracing_v2`.
 * @example
 * ```ts
 * const raw: unknown = JSON.parse(readFileSync("scenario/config.json", "utf8"));
 * const config = validateConfig(raw, { baseDir: "scenario", experimental: true });
 * config.services[0]?.worker.modules[0]?.path; // absolute path of the main module
 * ```
 * @public
 */
export function validateConfig(raw: unknown, options: ValidateConfigOptions): ShimConfig {
  return createConfig(raw, options, undefined);
}

/**
 * Implements {@link validateConfig}, recording `configPath` when the config came from a file.
 * @internal
 */
export function createConfig(raw: unknown, options: ValidateConfigOptions, configPath: string | undefined): ShimConfig {
  const baseDir = resolvePath(options.baseDir);
  const moduleRoot = options.confineModules === true ? realDir(baseDir) : undefined;
  const top: Reporter = new Reporter("");
  const root = expectObject(top, "config", raw, "an object {services}");
  checkKeys(top, "config", root, ROOT_KEYS);
  const list = expectArray(top, "services", required(top, "", root, "services"), "services");
  if (list.length === 0) top.fail("services", "must list at least one service");
  const compatibilityProfile = options.profile ?? validateProfile(top, own(root, "compatibilityProfile"));
  const traceContext =
    options.traceContext === undefined
      ? undefined
      : validateTraceContext(options.traceContext, "options.traceContext", top.fail.bind(top), describeValue);

  // First pass: names only, so that bindings and tails can refer to any service.
  const entries: { name: string; reporter: Reporter; object: JsonObject }[] = [];
  const firstIndex = new Map<string, number>();
  list.forEach((value, i) => {
    const path = `services[${i}]`;
    const object = expectObject(top, path, value, "a service object {name, worker}");
    const rawName = own(object, "name");
    const [keyReporter, keyPath]: [Reporter, string] =
      typeof rawName === "string" && rawName !== "" ? [serviceReporter(rawName), ""] : [top, path];
    for (const kind of OTHER_SERVICE_KINDS) {
      if (own(object, kind) !== undefined) {
        keyReporter.fail(keyPath, `${quote(kind)} services are not supported; only "worker" services are`);
      }
    }
    checkKeys(keyReporter, keyPath, object, SERVICE_KEYS);
    const name = expectString(top, `${path}.name`, required(top, path, object, "name"), true);
    const first = firstIndex.get(name);
    if (first !== undefined) {
      top.fail(`${path}.name`, `duplicate service name ${quote(name)} (first used by services[${first}])`);
    }
    firstIndex.set(name, i);
    entries.push({ name, reporter: serviceReporter(name), object });
  });

  const context: WorkerContext = {
    baseDir,
    moduleRoot,
    options,
    serviceNames: entries.map((entry) => entry.name),
    warnings: [],
    compatibilityProfile,
    traceContext,
  };
  const services = entries.map(({ name, reporter, object }): ServiceConfig => {
    const worker = validateWorker(reporter, name, required(reporter, "", object, "worker"), context);
    return { name, worker };
  });
  checkForeignClasses(services);
  checkQueues(services, context.warnings);
  const inert = flagsWithoutEffect(services);
  if (inert.length > 0) {
    context.warnings.push(
      `compatibility ${inert.length === 1 ? "flag" : "flags"} accepted with no effect in workers-shim: ${inert.join(", ")} (see "workers-shim flags")`,
    );
  }

  const config: ShimConfig = {
    ...(configPath !== undefined ? { configPath } : {}),
    baseDir,
    ...(moduleRoot !== undefined ? { moduleRoot } : {}),
    services,
    warnings: context.warnings,
    compatibilityProfile,
  };
  return deepFreeze(config);
}

type JsonObject = Record<string, unknown>;

/** The real path of a folder (the folder itself when it cannot be resolved). */
function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/** Whether `file` (a real path) is inside the folder `root` (a real path). */
export function isInside(root: string, file: string): boolean {
  const relative = relativePath(root, file);
  return relative !== "" && relative !== ".." && !relative.startsWith(`..${sep}`) && !isAbsolute(relative);
}

interface WorkerContext {
  readonly baseDir: string;
  /** With `confineModules`: the real path of `baseDir`, which every module file must be inside. */
  readonly moduleRoot: string | undefined;
  readonly options: ValidateConfigOptions;
  readonly serviceNames: readonly string[];
  readonly warnings: string[];
  readonly compatibilityProfile: CompatProfile;
  /** The `traceContext` option: every worker's setting, whatever its own. */
  readonly traceContext: TraceContextConfig | undefined;
}

function validateProfile(r: Reporter, value: unknown): CompatProfile {
  if (value === undefined) return "head";
  if (typeof value === "string" && (COMPAT_PROFILES as readonly string[]).includes(value))
    return value as CompatProfile;
  return r.fail(
    "compatibilityProfile",
    `expected one of ${COMPAT_PROFILES.map(quote).join(", ")}, received ${describeValue(value)}`,
  );
}

/**
 * workerd flags listed in the config (not implied by a date) whose field changes behaviour that
 * workers-shim does not implement, in order of first appearance.
 */
function flagsWithoutEffect(services: readonly ServiceConfig[]): string[] {
  const inert = new Set<string>();
  for (const entry of COMPAT_FLAG_REGISTRY) {
    if (entry.owner !== "workerd" || entry.obsolete === true) continue;
    if (Object.prototype.hasOwnProperty.call(HONOURED_FIELDS, entry.field)) continue;
    if (entry.enableFlag !== undefined) inert.add(entry.enableFlag);
    if (entry.disableFlag !== undefined) inert.add(entry.disableFlag);
  }
  const found: string[] = [];
  for (const { worker } of services) {
    for (const flag of worker.compatibilityFlags) if (inert.has(flag) && !found.includes(flag)) found.push(flag);
  }
  return found;
}

/** Builds the one-line `workers-shim: <scope>: <path>: <problem>` messages. */
class Reporter {
  readonly #scope: string;

  constructor(scope: string) {
    this.#scope = scope;
  }

  fail(path: string, problem: string): never {
    const head = ["workers-shim", this.#scope, path].filter((part) => part !== "").join(": ");
    throw new WorkersShimError("ERR_CONFIG", `${head}: ${problem}`);
  }
}

function serviceReporter(name: string): Reporter {
  return new Reporter(`service ${quote(name)}`);
}

function validateWorker(r: Reporter, serviceName: string, value: unknown, context: WorkerContext): WorkerConfig {
  const worker = expectObject(r, "worker", value, "a worker object");
  checkKeys(r, "worker", worker, WORKER_KEYS);

  const moduleList = expectArray(r, "worker.modules", required(r, "worker", worker, "modules"), "modules");
  if (moduleList.length === 0) {
    r.fail("worker.modules", "must list at least one module (the first one is the main module)");
  }
  const moduleIndex = new Map<string, number>();
  const modules = moduleList.map((entry, i) =>
    validateModule(r, `worker.modules[${i}]`, entry, context, moduleIndex, i),
  );

  const compatibilityDate = expectString(
    r,
    "worker.compatibilityDate",
    required(r, "worker", worker, "compatibilityDate"),
    false,
  );
  const compatibilityFlags = optionalArray(r, worker, "compatibilityFlags", "strings").map((flag, i) =>
    expectString(r, `worker.compatibilityFlags[${i}]`, flag, false),
  );
  const resolved = resolveCompat(serviceName, compatibilityDate, compatibilityFlags, context.options);
  for (const warning of resolved.warnings) context.warnings.push(`service ${serviceName}: ${warning}`);

  const bindingIndex = new Map<string, number>();
  const bindings = optionalArray(r, worker, "bindings", "bindings").map((entry, i) =>
    validateBinding(r, `worker.bindings[${i}]`, entry, context.serviceNames, bindingIndex, i),
  );

  const classIndex = new Map<string, number>();
  const durableObjectNamespaces = optionalArray(r, worker, "durableObjectNamespaces", "Durable Object namespaces").map(
    (entry, i): DurableObjectNamespaceConfig => {
      const path = `worker.durableObjectNamespaces[${i}]`;
      const object = expectObject(r, path, entry, "an object {className, uniqueKey}");
      checkKeys(r, path, object, DURABLE_OBJECT_NAMESPACE_KEYS);
      const className = expectString(r, `${path}.className`, required(r, path, object, "className"), true);
      const first = classIndex.get(className);
      if (first !== undefined) {
        r.fail(
          `${path}.className`,
          `duplicate class ${quote(className)} (first declared at worker.durableObjectNamespaces[${first}])`,
        );
      }
      classIndex.set(className, i);
      const uniqueKey = expectString(r, `${path}.uniqueKey`, required(r, path, object, "uniqueKey"), true);
      return { className, uniqueKey };
    },
  );

  const storageValue = own(worker, "durableObjectStorage");
  if (storageValue !== undefined) {
    const path = "worker.durableObjectStorage";
    const storage = expectObject(r, path, storageValue, 'an object {"inMemory": true}');
    checkKeys(r, path, storage, DURABLE_OBJECT_STORAGE_KEYS);
    const inMemory = required(r, path, storage, "inMemory");
    if (inMemory !== true) r.fail(`${path}.inMemory`, `expected true, received ${describeValue(inMemory)}`);
  }

  const tailIndex = new Map<string, number>();
  const streamingTails = optionalArray(r, worker, "streamingTails", "service names").map((entry, i) => {
    const path = `worker.streamingTails[${i}]`;
    const tail = expectString(r, path, entry, true);
    checkKnownService(r, path, tail, context.serviceNames);
    const first = tailIndex.get(tail);
    if (first !== undefined)
      r.fail(path, `duplicate tail ${quote(tail)} (first listed at worker.streamingTails[${first}])`);
    tailIndex.set(tail, i);
    return tail;
  });

  const legacyIndex = new Map<string, number>();
  const tails = optionalArray(r, worker, "tails", "service names").map((entry, i) => {
    const path = `worker.tails[${i}]`;
    const tail = expectString(r, path, entry, true);
    checkKnownService(r, path, tail, context.serviceNames);
    const first = legacyIndex.get(tail);
    if (first !== undefined) r.fail(path, `duplicate tail ${quote(tail)} (first listed at worker.tails[${first}])`);
    legacyIndex.set(tail, i);
    return tail;
  });

  const queueConsumers = optionalArray(r, worker, "queueConsumers", "queue consumers").map((entry, i) =>
    validateQueueConsumer(r, `worker.queueConsumers[${i}]`, entry),
  );

  const traceContextValue = own(worker, "traceContext");
  const ownTraceContext =
    traceContextValue === undefined
      ? TRACE_CONTEXT_OFF
      : validateTraceContext(traceContextValue, "worker.traceContext", r.fail.bind(r), describeValue);

  bindings.forEach((binding, i) => {
    if (binding.type !== "durableObjectNamespace" || classIndex.has(binding.className)) return;
    // A class of another service is checked once every worker is known (checkForeignClasses).
    if (binding.serviceName !== undefined && binding.serviceName !== serviceName) return;
    const declared = durableObjectNamespaces.map((ns) => ns.className).join(", ");
    r.fail(
      `worker.bindings[${i}].durableObjectNamespace`,
      `class ${quote(binding.className)} is not declared in worker.durableObjectNamespaces (${
        declared === "" ? "none declared" : `declared: ${declared}`
      })`,
    );
  });
  if (durableObjectNamespaces.length > 0 && storageValue === undefined) {
    r.fail(
      "worker.durableObjectStorage",
      'required when worker.durableObjectNamespaces is not empty; set it to {"inMemory": true}',
    );
  }

  return {
    modules,
    compatibilityDate,
    compatibilityFlags,
    flags: resolved.flags,
    compatibilityProfile: context.compatibilityProfile,
    bindings,
    durableObjectNamespaces,
    ...(storageValue !== undefined ? { durableObjectStorage: { inMemory: true } as const } : {}),
    streamingTails,
    tails,
    queueConsumers,
    traceContext: context.traceContext ?? ownTraceContext,
  };
}

/** The defaults and ranges of a queue consumer's settings: wrangler's. */
export const QUEUE_SETTINGS = {
  maxBatchSize: { min: 1, max: 100, default: 10 },
  maxBatchTimeoutMs: { min: 0, max: 60000, default: 5000 },
  maxRetries: { min: 0, max: 100, default: 3 },
  retryDelaySeconds: { min: 0, max: 43200, default: 0 },
} as const;

function validateQueueConsumer(r: Reporter, path: string, value: unknown): QueueConsumerConfig {
  const object = expectObject(r, path, value, "an object {queue, maxBatchSize?, …}");
  checkKeys(r, path, object, QUEUE_CONSUMER_KEYS);
  const queue = expectString(r, `${path}.queue`, required(r, path, object, "queue"), true);
  const setting = (key: keyof typeof QUEUE_SETTINGS): number => {
    const { min, max, default: fallback } = QUEUE_SETTINGS[key];
    const raw = own(object, key);
    if (raw === undefined) return fallback;
    if (typeof raw !== "number" || !Number.isInteger(raw) || raw < min || raw > max) {
      r.fail(`${path}.${key}`, `expected a whole number from ${min} to ${max}, received ${describeValue(raw)}`);
    }
    return raw;
  };
  const deadLetter = own(object, "deadLetterQueue");
  return {
    queue,
    maxBatchSize: setting("maxBatchSize"),
    maxBatchTimeoutMs: setting("maxBatchTimeoutMs"),
    maxRetries: setting("maxRetries"),
    ...(deadLetter === undefined
      ? {}
      : { deadLetterQueue: expectString(r, `${path}.deadLetterQueue`, deadLetter, true) }),
    retryDelaySeconds: setting("retryDelaySeconds"),
  };
}

/** A queue has at most one consumer; a queue that messages are sent to but nobody consumes gets a warning. */
function checkQueues(services: readonly ServiceConfig[], warnings: string[]): void {
  const consumers = new Map<string, string>();
  services.forEach(({ name, worker }) => {
    worker.queueConsumers.forEach((consumer, i) => {
      const other = consumers.get(consumer.queue);
      if (other !== undefined) {
        serviceReporter(name).fail(
          `worker.queueConsumers[${i}].queue`,
          `queue ${quote(consumer.queue)} already has a consumer (service ${quote(other)}); a queue has one`,
        );
      }
      consumers.set(consumer.queue, name);
    });
  });
  const unconsumed = new Set<string>();
  for (const { worker } of services) {
    for (const binding of worker.bindings)
      if (binding.type === "queue" && !consumers.has(binding.queue)) unconsumed.add(binding.queue);
    for (const consumer of worker.queueConsumers) {
      if (consumer.deadLetterQueue !== undefined && !consumers.has(consumer.deadLetterQueue))
        unconsumed.add(consumer.deadLetterQueue);
    }
  }
  if (unconsumed.size > 0) {
    warnings.push(
      `no worker consumes ${unconsumed.size === 1 ? "queue" : "queues"} ${[...unconsumed].map(quote).join(", ")}: messages sent to ${unconsumed.size === 1 ? "it are" : "them are"} kept, never delivered`,
    );
  }
}

function validateModule(
  r: Reporter,
  path: string,
  value: unknown,
  context: WorkerContext,
  nameIndex: Map<string, number>,
  index: number,
): ModuleConfig {
  const { baseDir, moduleRoot } = context;
  const object = expectObject(r, path, value, "a module object {name, esModule}");
  for (const kind of OTHER_MODULE_KINDS) {
    if (own(object, kind) !== undefined) {
      r.fail(path, `${quote(kind)} modules are not supported; only ES modules ("esModule") are`);
    }
  }
  checkKeys(r, path, object, MODULE_KEYS);
  const name = expectString(r, `${path}.name`, required(r, path, object, "name"), true);
  const first = nameIndex.get(name);
  if (first !== undefined) {
    r.fail(`${path}.name`, `duplicate module name ${quote(name)} (first used by worker.modules[${first}])`);
  }
  nameIndex.set(name, index);

  const filePath = `${path}.esModule`;
  const file = expectString(r, filePath, required(r, path, object, "esModule"), true);
  if (!(ES_MODULE_EXTENSIONS as readonly string[]).includes(extname(file).toLowerCase())) {
    r.fail(
      filePath,
      `expected an ES module file ending in ${ES_MODULE_EXTENSIONS.join(" or ")}, received ${quote(file)}`,
    );
  }
  const absolute = resolvePath(baseDir, file);
  let stats: Stats | undefined;
  try {
    stats = statSync(absolute, { throwIfNoEntry: false });
  } catch (error) {
    r.fail(filePath, `cannot access file: ${absolute} (${describeFsError(error)})`);
  }
  if (stats === undefined) r.fail(filePath, `file not found: ${absolute}`);
  if (!stats.isFile()) r.fail(filePath, `not a file: ${absolute}`);
  if (moduleRoot !== undefined) {
    const real = realpathSync(absolute);
    if (!isInside(moduleRoot, real)) {
      r.fail(filePath, `${absolute} is outside the config's folder ${moduleRoot}, and module paths are confined to it`);
    }
  }
  return { name, path: absolute };
}

function validateBinding(
  r: Reporter,
  path: string,
  value: unknown,
  serviceNames: readonly string[],
  nameIndex: Map<string, number>,
  index: number,
): BindingConfig {
  const object = expectObject(r, path, value, "a binding object");
  checkKeys(r, path, object, BINDING_KEYS);
  const name = expectString(r, `${path}.name`, required(r, path, object, "name"), true);
  const first = nameIndex.get(name);
  if (first !== undefined) {
    r.fail(`${path}.name`, `duplicate binding name ${quote(name)} (first used by worker.bindings[${first}])`);
  }
  nameIndex.set(name, index);

  const kinds = BINDING_KINDS.filter((kind) => own(object, kind) !== undefined);
  const allowed = BINDING_KINDS.map(quote).join(", ");
  const [kind, other] = kinds;
  if (kind === undefined) r.fail(path, `binding ${quote(name)} has no value; expected one of ${allowed}`);
  if (other !== undefined) {
    r.fail(
      path,
      `binding ${quote(name)} has both ${quote(kind)} and ${quote(other)}; expected exactly one of ${allowed}`,
    );
  }
  const kindPath = `${path}.${kind}`;
  const kindValue = own(object, kind);
  switch (kind) {
    case "service": {
      if (typeof kindValue === "string") {
        const service = expectString(r, kindPath, kindValue, true);
        checkKnownService(r, kindPath, service, serviceNames);
        return { type: "service", name, service };
      }
      const designator = expectObject(r, kindPath, kindValue, "a service name or an object {name, entrypoint?}");
      checkKeys(r, kindPath, designator, SERVICE_DESIGNATOR_KEYS);
      const service = expectString(r, `${kindPath}.name`, required(r, kindPath, designator, "name"), true);
      checkKnownService(r, `${kindPath}.name`, service, serviceNames);
      const entrypointValue = own(designator, "entrypoint");
      if (entrypointValue === undefined) return { type: "service", name, service };
      const entrypoint = expectString(r, `${kindPath}.entrypoint`, entrypointValue, true);
      return { type: "service", name, service, entrypoint };
    }
    case "durableObjectNamespace": {
      if (typeof kindValue === "string") {
        return { type: "durableObjectNamespace", name, className: expectString(r, kindPath, kindValue, true) };
      }
      const designator = expectObject(r, kindPath, kindValue, "a class name or an object {className, serviceName?}");
      checkKeys(r, kindPath, designator, NAMESPACE_DESIGNATOR_KEYS);
      const className = expectString(r, `${kindPath}.className`, required(r, kindPath, designator, "className"), true);
      const serviceValue = own(designator, "serviceName");
      if (serviceValue === undefined) return { type: "durableObjectNamespace", name, className };
      const serviceName = expectString(r, `${kindPath}.serviceName`, serviceValue, true);
      checkKnownService(r, `${kindPath}.serviceName`, serviceName, serviceNames);
      return { type: "durableObjectNamespace", name, className, serviceName };
    }
    case "json":
      return { type: "json", name, value: copyJson(r, kindPath, kindValue) };
    case "text":
      return { type: "text", name, value: expectString(r, kindPath, kindValue, false) };
    case "queue":
      return { type: "queue", name, queue: expectString(r, kindPath, kindValue, true) };
  }
}

function resolveCompat(
  serviceName: string,
  compatibilityDate: string,
  compatibilityFlags: readonly string[],
  options: ValidateConfigOptions,
): ResolvedCompatibilityFlags {
  const input: CompatibilityInput = {
    compatibilityDate,
    compatibilityFlags,
    experimental: options.experimental === true,
    ...(options.today !== undefined ? { today: options.today } : {}),
    ...(options.maxDate !== undefined ? { maxDate: options.maxDate } : {}),
  };
  try {
    return resolveCompatibilityFlags(input);
  } catch (error) {
    // workerd prefixes compatibility errors with `service <name>: ` (name unquoted).
    if (error instanceof WorkersShimError) {
      throw new WorkersShimError(error.code, `workers-shim: service ${serviceName}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Checks that each Durable Object binding to another service names a class that service declares. */
function checkForeignClasses(services: readonly ServiceConfig[]): void {
  const byName = new Map(services.map((service) => [service.name, service]));
  for (const { name, worker } of services) {
    worker.bindings.forEach((binding, i) => {
      if (binding.type !== "durableObjectNamespace" || binding.serviceName === undefined) return;
      const owner = byName.get(binding.serviceName)!;
      const declared = owner.worker.durableObjectNamespaces.map((ns) => ns.className);
      if (declared.includes(binding.className)) return;
      serviceReporter(name).fail(
        `worker.bindings[${i}].durableObjectNamespace.className`,
        `class ${quote(binding.className)} is not declared in the durableObjectNamespaces of service ${quote(owner.name)} (${
          declared.length === 0 ? "none declared" : `declared: ${declared.join(", ")}`
        })`,
      );
    });
  }
}

function checkKnownService(r: Reporter, path: string, name: string, serviceNames: readonly string[]): void {
  if (!serviceNames.includes(name)) {
    r.fail(path, `unknown service ${quote(name)}. Known services: ${serviceNames.join(", ")}.`);
  }
}

function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function required(r: Reporter, path: string, object: JsonObject, key: string): unknown {
  const value = own(object, key);
  if (value === undefined) r.fail(path === "" ? key : `${path}.${key}`, "required field is missing");
  return value;
}

function expectObject(r: Reporter, path: string, value: unknown, expected: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    r.fail(path, `expected ${expected}, received ${describeValue(value)}`);
  }
  return value as JsonObject;
}

function expectArray(r: Reporter, path: string, value: unknown, items: string): readonly unknown[] {
  if (!Array.isArray(value)) r.fail(path, `expected an array of ${items}, received ${describeValue(value)}`);
  return value;
}

function optionalArray(r: Reporter, worker: JsonObject, key: string, items: string): readonly unknown[] {
  const value = own(worker, key);
  return value === undefined ? [] : expectArray(r, `worker.${key}`, value, items);
}

function expectString(r: Reporter, path: string, value: unknown, nonEmpty: boolean): string {
  const expected = nonEmpty ? "a non-empty string" : "a string";
  if (typeof value !== "string" || (nonEmpty && value === "")) {
    r.fail(path, `expected ${expected}, received ${describeValue(value)}`);
  }
  return value;
}

function checkKeys(r: Reporter, path: string, object: JsonObject, allowed: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    r.fail(path, `unknown key ${quote(key)}. Allowed keys: ${allowed.join(", ")}.${suggestKey(key, allowed)}`);
  }
}

function suggestKey(key: string, allowed: readonly string[]): string {
  const normalised = key.replace(/[-_\s]/g, "").toLowerCase();
  const match = allowed.find((candidate) => candidate.toLowerCase() === normalised);
  return match === undefined ? "" : ` Did you mean ${quote(match)}?`;
}

function copyJson(r: Reporter, path: string, value: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) r.fail(path, `expected a JSON value, received ${describeValue(value)}`);
  return JSON.parse(text);
}

const MAX_QUOTED = 60;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Quotes a user-supplied name as a JSON string literal (escapes keep the message one line). */
export function quote(text: string): string {
  return JSON.stringify(truncate(text, MAX_QUOTED));
}

/** Describes a received value as `<type> <value>`, quoting strings and truncating long values. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array ${truncate(safeJson(value), MAX_QUOTED)}`;
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return `string ${quote(value)}`;
    case "number":
    case "boolean":
      return `${typeof value} ${String(value)}`;
    case "bigint":
      return `bigint ${String(value)}n`;
    case "object":
      return `object ${truncate(safeJson(value), MAX_QUOTED)}`;
    default:
      return typeof value;
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return "[not serialisable]";
  }
}
