import type { CompatFlags } from "../compat/resolve";
import type { CompatProfile } from "../compat/tracing-gate";

/**
 * Validated, normalised and frozen form of a `config.json` (conformance README, "config.json format").
 * @remarks Produced by {@link loadConfig} or {@link validateConfig}; every nested object and
 * array is frozen.
 * @public
 */
export interface ShimConfig {
  /** Absolute path of the config file; absent when the config was validated from an object. */
  readonly configPath?: string;
  /** Absolute folder that relative module paths were resolved from. */
  readonly baseDir: string;
  /**
   * With the `confineModules` option: the real path of `baseDir`; every module file, named in
   * the config or imported, must be inside it.
   */
  readonly moduleRoot?: string;
  /** The services in config order, which is also the order their `test()` handlers run in. */
  readonly services: readonly ServiceConfig[];
  /**
   * Compatibility warnings of all workers, each prefixed `service <name>: ` as workerd does,
   * then at most one line naming the listed flags that are accepted with no effect in workers-shim.
   */
  readonly warnings: readonly string[];
  /** The registry profile: root key `compatibilityProfile` or the `profile` option; `head` by default. */
  readonly compatibilityProfile: CompatProfile;
}

/**
 * One service of a {@link ShimConfig}; only worker services are supported.
 * @public
 */
export interface ServiceConfig {
  /** The service name, unique within the config. */
  readonly name: string;
  /** The worker that implements the service. */
  readonly worker: WorkerConfig;
}

/**
 * One worker: its modules, compatibility settings, bindings, Durable Objects and tails.
 * @public
 */
export interface WorkerConfig {
  /** The ES modules of the worker; the first one is the main module. Never empty. */
  readonly modules: readonly ModuleConfig[];
  /** The compatibility date as written in the config. */
  readonly compatibilityDate: string;
  /** The compatibility flags as written in the config (empty when absent). */
  readonly compatibilityFlags: readonly string[];
  /** The resolved compatibility flags (see `resolveCompatibilityFlags`). */
  readonly flags: CompatFlags;
  /** The config's registry profile (the same for every worker; see {@link ShimConfig}). */
  readonly compatibilityProfile: CompatProfile;
  /** The bindings, in config order (empty when absent). */
  readonly bindings: readonly BindingConfig[];
  /** The Durable Object classes this worker exports (empty when absent). */
  readonly durableObjectNamespaces: readonly DurableObjectNamespaceConfig[];
  /** Where Durable Object data lives; only in-memory storage is supported. */
  readonly durableObjectStorage?: { readonly inMemory: true };
  /** Names of the services that receive this worker's streaming tail events (empty when absent). */
  readonly streamingTails: readonly string[];
  /**
   * Names of the legacy tail workers: their `tail(items)` handler gets one `TraceItem` per
   * invocation of this worker once it is over (empty when absent).
   */
  readonly tails: readonly string[];
  /** The queues whose messages this worker's `queue()` handler consumes (empty when absent). */
  readonly queueConsumers: readonly QueueConsumerConfig[];
  /**
   * W3C trace context (a shim extension, off by default): whether requests from outside continue
   * the trace of their `traceparent` header, and which of the worker's own `fetch()` calls carry
   * one.
   */
  readonly traceContext: TraceContextConfig;
}

/**
 * W3C Trace Context (`traceparent`/`tracestate`) for one worker: a shim extension, off by default
 * (workerd neither reads nor writes the headers).
 * @remarks See the package README, "W3C trace context", for the effect on the tail events.
 * @public
 */
export interface TraceContextConfig {
  /**
   * A request from outside (`serve`, {@link Runtime.dispatchFetch}) with a valid `traceparent`
   * continues that trace: the invocation's trace id is the header's, and its onset's
   * `spanContext` names the caller's span and trace flags. Invalid headers are ignored.
   */
  readonly incoming: boolean;
  /** Which `fetch()` calls of the worker get a `traceparent` (and `tracestate`) header. */
  readonly outgoing: TraceContextPolicy;
}

/**
 * Where a worker's `fetch()` sends `traceparent`: `"none"`; `"all"` (every http(s) URL);
 * `"same-origin"` (the origin of the request the invocation handles); or a list of hosts
 * (`"api.example.com"` any port, `"api.example.com:8443"` that port, `"*.example.com"` its
 * subdomains).
 * @public
 */
export type TraceContextPolicy = "none" | "all" | "same-origin" | readonly string[];

/**
 * A queue this worker consumes (a shim extension: workerd's config has no queue broker).
 * @remarks Messages sent to the queue through a {@link QueueBindingConfig} are delivered to
 * the worker's `queue()` handler in batches of up to `maxBatchSize`, at the latest
 * `maxBatchTimeoutMs` after the first message of a batch; a message that is not acknowledged is
 * delivered again up to `maxRetries` times, then sent to `deadLetterQueue` or dropped.
 * @public
 */
export interface QueueConsumerConfig {
  /** The queue's name. */
  readonly queue: string;
  /** Most messages in one batch, 1–100; default 10. */
  readonly maxBatchSize: number;
  /** Longest wait for a full batch in milliseconds, 0–60000; default 5000. */
  readonly maxBatchTimeoutMs: number;
  /** How many times a message is delivered again before it is given up, 0–100; default 3. */
  readonly maxRetries: number;
  /** Where given-up messages go; absent: they are dropped with a warning. */
  readonly deadLetterQueue?: string;
  /** Delay before a message is delivered again, in seconds, 0–43200; default 0. */
  readonly retryDelaySeconds: number;
}

/**
 * One ES module of a worker.
 * @public
 */
export interface ModuleConfig {
  /** The module name (`Worker.Module.name`). */
  readonly name: string;
  /** Absolute path of the module file; the file existed when the config was validated. */
  readonly path: string;
}

/**
 * Any binding of a worker, discriminated on `type`.
 * @public
 */
export type BindingConfig =
  | ServiceBindingConfig
  | DurableObjectNamespaceBindingConfig
  | JsonBindingConfig
  | TextBindingConfig
  | QueueBindingConfig;

/**
 * A queue producer: `env.<name>.send(body)` and `sendBatch(messages)` put messages on the queue,
 * for the worker that consumes it (see {@link QueueConsumerConfig}).
 * @public
 */
export interface QueueBindingConfig {
  /** Discriminant. */
  readonly type: "queue";
  /** The name of the binding in `env`. */
  readonly name: string;
  /** The queue's name. */
  readonly queue: string;
}

/**
 * A service binding: a Fetcher for a service's default export or for one of its named entrypoints.
 * @public
 */
export interface ServiceBindingConfig {
  /** Discriminant. */
  readonly type: "service";
  /** The name of the binding in `env`. */
  readonly name: string;
  /** The bound service, which exists in the config. */
  readonly service: string;
  /** The named `WorkerEntrypoint` export; absent for the default export. */
  readonly entrypoint?: string;
}

/**
 * A Durable Object namespace binding: for a class of the same worker, or of another service's
 * worker (workerd's `serviceName`, wrangler's `script_name`).
 * @public
 */
export interface DurableObjectNamespaceBindingConfig {
  /** Discriminant. */
  readonly type: "durableObjectNamespace";
  /** The name of the binding in `env`. */
  readonly name: string;
  /** The class name, which is listed in the owning worker's `durableObjectNamespaces`. */
  readonly className: string;
  /**
   * The service whose worker declares and exports the class; absent for a class of the bound
   * worker itself. Its objects run in that service, and report to that service's tails.
   */
  readonly serviceName?: string;
}

/**
 * A plain JSON value binding (a shim extension to the conformance contract).
 * @remarks The stored value is a frozen copy; give the worker a fresh copy if it may mutate it.
 * @public
 */
export interface JsonBindingConfig {
  /** Discriminant. */
  readonly type: "json";
  /** The name of the binding in `env`. */
  readonly name: string;
  /** The JSON value (frozen). */
  readonly value: unknown;
}

/**
 * A plain text binding (a shim extension to the conformance contract).
 * @public
 */
export interface TextBindingConfig {
  /** Discriminant. */
  readonly type: "text";
  /** The name of the binding in `env`. */
  readonly name: string;
  /** The text. */
  readonly value: string;
}

/**
 * A Durable Object class exported by a worker.
 * @public
 */
export interface DurableObjectNamespaceConfig {
  /** The exported class name. */
  readonly className: string;
  /** The key that identifies the namespace's storage. */
  readonly uniqueKey: string;
}

/** Keys accepted at each level of `config.json`, in the order the error messages list them. */
export const ROOT_KEYS = ["services", "compatibilityProfile"] as const;
export const SERVICE_KEYS = ["name", "worker"] as const;
export const WORKER_KEYS = [
  "modules",
  "compatibilityDate",
  "compatibilityFlags",
  "bindings",
  "durableObjectNamespaces",
  "durableObjectStorage",
  "streamingTails",
  "tails",
  "queueConsumers",
  "traceContext",
] as const;
export const TRACE_CONTEXT_KEYS = ["incoming", "outgoing"] as const;
export const QUEUE_CONSUMER_KEYS = [
  "queue",
  "maxBatchSize",
  "maxBatchTimeoutMs",
  "maxRetries",
  "deadLetterQueue",
  "retryDelaySeconds",
] as const;
export const MODULE_KEYS = ["name", "esModule"] as const;
export const BINDING_KINDS = ["service", "durableObjectNamespace", "json", "text", "queue"] as const;
export const BINDING_KEYS = ["name", ...BINDING_KINDS] as const;
export const SERVICE_DESIGNATOR_KEYS = ["name", "entrypoint"] as const;
export const NAMESPACE_DESIGNATOR_KEYS = ["className", "serviceName"] as const;
export const DURABLE_OBJECT_NAMESPACE_KEYS = ["className", "uniqueKey"] as const;
export const DURABLE_OBJECT_STORAGE_KEYS = ["inMemory"] as const;

/** workerd service kinds other than `worker`, rejected with a dedicated message. */
export const OTHER_SERVICE_KINDS = ["network", "external", "disk"] as const;
/** workerd module kinds other than `esModule`, rejected with a dedicated message. */
export const OTHER_MODULE_KINDS = [
  "commonJsModule",
  "text",
  "data",
  "wasm",
  "json",
  "nodeJsCompatModule",
  "pythonModule",
  "pythonRequirement",
  "obsolete",
] as const;
/** File extensions accepted for `esModule` (Node.js treats `.cjs` and the rest as something else). */
export const ES_MODULE_EXTENSIONS = [".js", ".mjs"] as const;
