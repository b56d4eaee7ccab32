import {
  describeReceived,
  type IdGenerator,
  RANDOM_IDS,
  runOutsideInvocations,
  TAIL_BACKLOG_LIMIT_BYTES,
  TailBacklog,
  type TailBacklogOptions,
  type TailStreamHandler,
} from "@workers-tracing/core-context";
import { adoptRpcError, RESERVED_RPC_NAMES, rpcMethodNames, type RpcRequest } from "./bindings/rpc";
import { receiveStream, rpcStreamResult } from "./bindings/rpc-stream";
import { WorkersShimError, type ShimConfig } from "./config/index";
import { closeLiveDeliveries, countLiveDeliveries } from "./delivery";
import { describeErrorAt } from "./errors";
import { enableHangDetection, onStall } from "./hang";
import { toRequest } from "./http";
import { VM_MODULES_FLAG, hasVmModules } from "./loader/vm-modules";
import { installProcessErrorHandlers } from "./process-errors";
import { warmUpResponseBodies } from "./response-body";
import { ServiceInstance, hasTestHandler, type ServiceHost } from "./service";
import { createRuntimeTailSink } from "./tails";
import { QueueBroker } from "./queues";
import { readIncomingTraceContext } from "./trace-context";

/**
 * Options of {@link createRuntime}.
 * @public
 */
export interface RuntimeOptions {
  /** Where trace, invocation and span ids come from; random by default. */
  readonly ids?: IdGenerator;
  /**
   * Receives the runtime's warnings and the errors worker code left uncaught, one line each
   * (without a trailing newline); by default they are written to stderr prefixed with
   * `workers-shim: `.
   */
  readonly onWarning?: (message: string) => void;
  /**
   * A streaming tail for every invocation of every service, besides the tails a worker lists in
   * `streamingTails`: `tail.tailStream(onset, { service })` is called once per invocation (with
   * the name of the invocation's service) and returns the handler for its later events, as a
   * streaming tail worker's export does. Invocations of tail
   * workers (their `tailStream()` sessions) are not included.
   * @remarks With it, every invocation is traced. The handler runs outside the invocation, behind
   * the same bounded queue as a tail worker, so a slow or throwing handler never holds up or
   * breaks the worker; a failure ends that invocation's session and is passed to `onWarning`.
   */
  readonly tail?: TailStreamHandler;
  /**
   * The heap, in bytes, that the events waiting for one streaming tail may take together, over
   * all its sessions (each tail worker has its own budget, the runtime-wide `tail` another); 32 MiB
   * by default. An event that does not fit is dropped and counted in its session's
   * `streamDiagnostic` event, as workerd counts the events over a session's 4 MiB queue.
   * @remarks Sizes are upper estimates, so this bounds the memory a slow or stuck tail holds,
   * however many requests it falls behind on.
   */
  readonly tailBacklogLimitBytes?: number;
  /**
   * Longest one call into a streaming tail (its `tailStream()` or a handler) may run, in
   * milliseconds, before it is stopped: the session ends with an `exception` and the outcome
   * "exceededCpu", and the worker and the other tails go on. 2000 by default; 0 turns the
   * guard off (it costs about 0.15 ms per event-loop turn that calls into a tail).
   * @remarks This stops synchronous endless loops in a tail; an `await` in a loop is not stopped.
   */
  readonly tailCallTimeLimitMs?: number;
  /**
   * `workerd test --predictable`: workers get V8's `gc()` function as a global. Off by default.
   * @remarks Workers share Node's global scope here, so `gc` is defined on `globalThis` while the
   * runtime is open (removed by {@link Runtime.close}).
   * @beta
   */
  readonly predictable?: boolean;
}

/**
 * One `test()` handler of a loaded config, in the order `workerd test` runs them.
 * @public
 */
export interface TestCase {
  /** `service` for the default export, `service:Export` for a named export (workerd's label). */
  readonly name: string;
  /** The service that exports the handler. */
  readonly service: string;
  /** The named export; absent for the default export. */
  readonly entrypoint?: string;
}

/**
 * The result of one `test()` handler.
 * @public
 */
export interface TestResult extends TestCase {
  /** `true` unless the handler threw or rejected. */
  readonly passed: boolean;
  /** What the handler threw, when it failed. */
  readonly error?: unknown;
}

/**
 * Options of {@link Runtime.runTests}.
 * @public
 */
export interface RunTestsOptions {
  /** Called before each test starts. */
  readonly onTestStart?: (test: TestCase) => void;
  /** Called after each test finished (its invocation's `outcome` was reported). */
  readonly onTestEnd?: (result: TestResult) => void;
  /**
   * A time limit per test, in milliseconds (a positive integer): a test still running after it
   * is cancelled and fails with an error naming the test and the limit; later tests still run.
   * No limit by default (as `workerd test`).
   */
  readonly timeoutMs?: number;
}

/**
 * What {@link Runtime.runTests} resolves to.
 * @public
 */
export interface TestRunSummary {
  /** Every test, in run order. */
  readonly results: readonly TestResult[];
  /** How many passed. */
  readonly passed: number;
  /** How many failed. */
  readonly failed: number;
}

let runtimeCount = 0;
/** Creates a runtime and loads its services (see {@link createRuntime}). */
let startRuntime: (config: ShimConfig, options: RuntimeOptions) => Promise<Runtime>;

/**
 * A loaded config: every service's modules evaluated, its bindings, Durable Objects and
 * streaming tails wired, ready to deliver events as `workerd` would.
 * @remarks Create it with {@link createRuntime}; call {@link Runtime.close} when done (alarms
 * stop, the process hooks are removed with the last open runtime). Each service gets
 * its own global scope (a `vm` context) and module instances, even when two services share a file.
 * @public
 */
export class Runtime {
  /** The config this runtime runs. */
  readonly config: ShimConfig;
  readonly #services = new Map<string, ServiceInstance>();
  readonly #queues: QueueBroker;
  readonly #warn: (message: string) => void;
  readonly #cleanup: (() => void)[] = [];
  readonly #predictable: boolean;
  readonly #runtimeTailBacklog: TailBacklog | undefined;
  #closed = false;

  private constructor(config: ShimConfig, options: RuntimeOptions) {
    this.config = config;
    const warn = options.onWarning ?? ((message: string) => void process.stderr.write(`workers-shim: ${message}\n`));
    this.#warn = warn;
    this.#predictable = options.predictable === true;
    const id = `r${++runtimeCount}`;
    const ids = options.ids ?? RANDOM_IDS;
    const tail = options.tail;
    const tailBacklogOptions = tailBacklogOptionsOf(options);
    const runtimeTailBacklog = tail === undefined ? undefined : new TailBacklog(tailBacklogOptions);
    this.#runtimeTailBacklog = runtimeTailBacklog;
    this.#queues = new QueueBroker(config.services, (name) => this.#service(name), warn);
    const host: ServiceHost = {
      ids,
      service: (name) => this.#service(name),
      warn,
      tailBacklogOptions,
      queues: this.#queues,
      ...(tail === undefined
        ? {}
        : { openExtraTail: (service) => createRuntimeTailSink(tail, runtimeTailBacklog!, warn, service) }),
    };
    for (const service of config.services) {
      this.#services.set(service.name, new ServiceInstance(host, service, `${id}/${service.name}`));
    }
  }

  static {
    startRuntime = async (config, options) => {
      const runtime = new Runtime(config, options);
      await runtime.#start();
      return runtime;
    };
  }

  async #start(): Promise<void> {
    this.#cleanup.push(installProcessErrorHandlers(this.#warn), enableHangDetection());
    warmUpResponseBodies();
    for (const service of this.#services.values()) {
      try {
        // Module top-level code runs outside any invocation.
        await runOutsideInvocations(() =>
          service.load({
            predictable: this.#predictable,
            ...(this.config.moduleRoot === undefined ? {} : { moduleRoot: this.config.moduleRoot }),
          }),
        );
      } catch (error) {
        void this.close(0);
        throw new WorkersShimError(
          "ERR_CONFIG",
          `workers-shim: service "${service.name}": cannot load module ${service.worker.modules[0]!.path}: ${describeErrorAt(error)}`,
          { cause: error },
        );
      }
    }
  }

  #service(name: string): ServiceInstance {
    const service = this.#services.get(name);
    if (service === undefined) {
      const known = [...this.#services.keys()].join(", ");
      throw new WorkersShimError(
        "ERR_UNKNOWN_SERVICE",
        `workers-shim: unknown service ${quote(name)}. Known services: ${known}.`,
      );
    }
    return service;
  }

  #assertOpen(): void {
    if (this.#closed) throw new WorkersShimError("ERR_RUNTIME_CLOSED", "workers-shim: the runtime is closed.");
  }

  /**
   * Lists the `test()` handlers in `workerd test` order: services in config order; in each, the
   * default export first, then named exports with a `test` method, alphabetically (Durable
   * Object classes excluded).
   */
  listTests(): TestCase[] {
    const tests: TestCase[] = [];
    for (const service of this.#services.values()) {
      const namespace = service.namespace;
      if (hasTestHandler(namespace["default"])) tests.push({ name: service.name, service: service.name });
      const names = Object.keys(namespace)
        .filter((name) => name !== "default" && !service.isDurableObjectClass(name) && hasTestHandler(namespace[name]))
        .sort();
      for (const entrypoint of names)
        tests.push({ name: `${service.name}:${entrypoint}`, service: service.name, entrypoint });
    }
    return tests;
  }

  /**
   * Runs every `test()` handler, one at a time, as `workerd test` does; a failing test does not
   * stop the run.
   * @remarks Each test is awaited until its invocation reported `outcome` (its `waitUntil` work
   * included); streaming tail sessions are never awaited. A test that hangs (nothing is left that
   * could settle it) fails with workerd's hang error; one that waits on work which never ends
   * (e.g. a Durable Object request that hangs, which workerd waits for forever) fails once the
   * process has nothing else to do, or after `timeoutMs`.
   * @throws TypeError (rejects) for a `timeoutMs` that is not a positive integer;
   * {@link WorkersShimError} (rejects) with code `ERR_RUNTIME_CLOSED` after {@link Runtime.close}.
   * @example
   * ```ts
   * const runtime = await createRuntime(loadConfig("scenario/config.json"));
   * const summary = await runtime.runTests();
   * console.log(`${summary.passed} passed, ${summary.failed} failed`);
   * await runtime.close();
   * ```
   */
  async runTests(options: RunTestsOptions = {}): Promise<TestRunSummary> {
    this.#assertOpen();
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) {
      throw new TypeError(
        `runTests(): timeoutMs must be a positive integer of milliseconds, received ${String(timeoutMs)}.`,
      );
    }
    const results: TestResult[] = [];
    for (const test of this.listTests()) {
      options.onTestStart?.(test);
      const outcome = await runOutsideInvocations(() => this.#runTest(test, timeoutMs));
      const result: TestResult = outcome.passed
        ? { ...test, passed: true }
        : { ...test, passed: false, error: outcome.error };
      results.push(result);
      options.onTestEnd?.(result);
    }
    const passed = results.filter((result) => result.passed).length;
    return { results, passed, failed: results.length - passed };
  }

  async #runTest(test: TestCase, timeoutMs: number | undefined) {
    const controller = new AbortController();
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              controller.abort(
                new Error(
                  `workers-shim: test "${test.name}" did not finish within ${timeoutMs} ms (the test time limit).`,
                ),
              ),
            timeoutMs,
          );
    const stop = onStall(() =>
      controller.abort(
        new Error(
          `workers-shim: test "${test.name}" can never finish: it waits for work that never ends and nothing else is left to run (workerd would wait forever, e.g. for a Durable Object request that hangs).`,
        ),
      ),
    );
    try {
      return await this.#service(test.service).runTest(test.entrypoint, controller.signal);
    } finally {
      clearTimeout(timer);
      stop();
    }
  }

  /**
   * Delivers an HTTP request to a service's default export (or a named entrypoint) as an
   * incoming request: a new trace, no parent span — unless the service reads W3C trace context
   * (`traceContext.incoming`) and the request has a valid `traceparent`: then the invocation
   * continues that trace, its onset naming the caller's span.
   * @remarks A `cf` object in `init` (or on an input `Request`) becomes the worker's
   * `request.cf` and the onset's `cfJson`, as Workers' `RequestInit.cf` does. As in workerd, the
   * invocation reports `return` once the response body has been read to the end, and its
   * `outcome` waits until the body was read or cancelled: read or cancel every body.
   * @throws {@link WorkersShimError} (rejects) with code `ERR_RUNTIME_CLOSED` after
   * {@link Runtime.close}, `ERR_UNKNOWN_SERVICE` for an unknown service, `ERR_UNKNOWN_ENTRYPOINT`
   * when the service has no such export (or no default export); the handler's own error when it
   * throws.
   * @example
   * ```ts
   * const response = await runtime.dispatchFetch("main", "http://localhost/hello");
   * console.log(response.status, await response.text());
   * ```
   */
  async dispatchFetch(
    serviceName: string,
    input: Request | string | URL,
    init?: RequestInit,
    entrypoint?: string,
  ): Promise<Response> {
    this.#assertOpen();
    const service = this.#service(serviceName);
    if (!service.hasExport(entrypoint ?? "default")) {
      throw new WorkersShimError(
        "ERR_UNKNOWN_ENTRYPOINT",
        entrypoint === undefined
          ? `workers-shim: dispatchFetch() expects a service with a default export, but service ${quote(serviceName)} has none.`
          : `workers-shim: dispatchFetch() expects an export of service ${quote(serviceName)}, received ${quote(entrypoint)}.`,
      );
    }
    const request = toRequest(input, init);
    const incoming = service.worker.traceContext.incoming ? readIncomingTraceContext(request.headers) : undefined;
    return runOutsideInvocations(() => service.deliverFetch(request, entrypoint, undefined, incoming));
  }

  /**
   * Calls a JS RPC method of a service's default export (or of a named entrypoint) from outside
   * the runtime, as a service binding calls it but with no caller span: a new trace whose root
   * is the `jsrpc` invocation (onset info `{ type: "jsrpc" }`, then the `jsrpc.method`
   * attribute, as workerd reports it). Resolves with what the method returned.
   * @remarks The method is looked up as workerd looks it up: on a class export (a
   * `WorkerEntrypoint`) among the class's methods, instance properties excluded; on an object
   * export among its function-valued properties. Arguments and result are passed as they are,
   * not copied. An error the method throws rejects the call, re-created with this realm's
   * constructors (name, message, stack and own properties kept) as an RPC caller receives it,
   * so `instanceof RangeError` holds; as for every RPC invocation, that error is not an
   * `exception` event of the trace and the outcome is "ok". A returned ReadableStream keeps the
   * invocation running until it has been read to the end or cancelled.
   * @throws TypeError (rejects) for a `method` that is not a string or `args` that is not an
   * array; {@link WorkersShimError} (rejects) with code `ERR_RUNTIME_CLOSED` after
   * {@link Runtime.close}, `ERR_UNKNOWN_SERVICE` for an unknown service,
   * `ERR_UNKNOWN_ENTRYPOINT` when the service has no such export (or no default export) or the
   * export is a Durable Object class, `ERR_UNKNOWN_METHOD` when the export has no such method
   * or the name is reserved (`fetch`, `connect`, `alarm`, `webSocketMessage`, `webSocketClose`,
   * `webSocketError`, `dup`, `constructor`); the method's own error when it throws.
   * @example
   * ```ts
   * const products = await runtime.dispatchRpc("inventory", "listProducts", [], "Inventory");
   * ```
   */
  async dispatchRpc(
    serviceName: string,
    method: string,
    args: readonly unknown[] = [],
    entrypoint?: string,
  ): Promise<unknown> {
    this.#assertOpen();
    if (typeof method !== "string") {
      throw new TypeError(`dispatchRpc(): method must be a string, received ${describeReceived(method)}.`);
    }
    if (!Array.isArray(args)) {
      throw new TypeError(`dispatchRpc(): args must be an array of arguments, received ${describeReceived(args)}.`);
    }
    const service = this.#service(serviceName);
    const exportName = entrypoint ?? "default";
    const what = entrypoint === undefined ? "the default export" : `export ${quote(entrypoint)}`;
    if (!service.hasExport(exportName)) {
      const exports = Object.keys(service.namespace).filter((name) => !service.isDurableObjectClass(name));
      throw new WorkersShimError(
        "ERR_UNKNOWN_ENTRYPOINT",
        entrypoint === undefined
          ? `workers-shim: dispatchRpc() expects a service with a default export, but service ${quote(serviceName)} has none.`
          : `workers-shim: dispatchRpc() expects an export of service ${quote(serviceName)}, received ${quote(entrypoint)}. Its exports: ${exports.join(", ") || "none"}.`,
      );
    }
    if (service.isDurableObjectClass(exportName)) {
      throw new WorkersShimError(
        "ERR_UNKNOWN_ENTRYPOINT",
        `workers-shim: dispatchRpc() expects a WorkerEntrypoint or handler export of service ${quote(serviceName)}, but ${quote(exportName)} is a Durable Object class: call it from a worker through its namespace binding.`,
      );
    }
    if (RESERVED_RPC_NAMES.has(method)) {
      throw new WorkersShimError(
        "ERR_UNKNOWN_METHOD",
        `workers-shim: dispatchRpc() cannot call ${quote(method)} over RPC: the name is reserved${method === "fetch" ? " (use dispatchFetch())" : ""}.`,
      );
    }
    const methods = rpcMethodNames(service.exportValue(exportName));
    if (!methods.includes(method)) {
      throw new WorkersShimError(
        "ERR_UNKNOWN_METHOD",
        `workers-shim: dispatchRpc() expects a method of ${what} of service ${quote(serviceName)}, received ${quote(method)}. Its methods: ${methods.join(", ") || "none"}.`,
      );
    }
    const request: RpcRequest = { method, operation: "call", args, parent: undefined, callerSpanId: undefined };
    let value: unknown;
    try {
      value = await runOutsideInvocations(() => service.deliverRpc(entrypoint, request));
    } catch (error) {
      throw adoptRpcError(error, globalThis);
    }
    const stream = rpcStreamResult(value);
    if (stream !== undefined) receiveStream(stream);
    return value;
  }

  /**
   * Delivers a `scheduled()` event (a new trace) to a service's default export, as
   * `serve --test-scheduled`'s `/__scheduled?cron=` route does (wrangler dev's); resolves its
   * outcome.
   * @throws WorkersShimError `ERR_RUNTIME_CLOSED` after {@link Runtime.close},
   * `ERR_UNKNOWN_SERVICE` for a service not in the config.
   */
  dispatchScheduled(serviceName: string, cron: string): Promise<{ readonly outcome: string }> {
    this.#assertOpen();
    const service = this.#service(serviceName);
    return runOutsideInvocations(() => service.deliverScheduled(undefined, cron, Date.now(), undefined));
  }

  /**
   * Delivers a batch of messages (a new trace) to a service's default export's `queue()` handler,
   * as a queue consumer gets them: each body becomes a message with an id, a timestamp and one
   * attempt. Resolves the invocation's outcome.
   * @throws WorkersShimError `ERR_RUNTIME_CLOSED` after {@link Runtime.close},
   * `ERR_UNKNOWN_SERVICE` for a service not in the config.
   */
  async dispatchQueue(
    serviceName: string,
    queueName: string,
    bodies: readonly unknown[],
  ): Promise<{ readonly outcome: string }> {
    this.#assertOpen();
    const service = this.#service(serviceName);
    const now = Date.now();
    const messages = bodies.map((body, i) => ({ id: `message-${i + 1}`, timestamp: now, body, attempts: 1 }));
    const { outcome } = await runOutsideInvocations(() =>
      service.deliverQueue(undefined, queueName, messages, undefined),
    );
    return { outcome };
  }

  /**
   * How many invocations of this runtime's services are still running (`serve --watch` closes a
   * replaced runtime once none is).
   */
  get liveInvocationCount(): number {
    return countLiveDeliveries(this.#services.values());
  }

  /**
   * Stops the runtime: invocations still running end at once (outcome "canceled"; fetch and RPC
   * ones report an `exception` saying the runtime closed), the streaming tails get up to
   * `tailGraceMs` (2 s by default) to take the events already reported, then Durable Object
   * alarms are cancelled and, with the last open runtime, the process hooks are removed. Other
   * work still running is not awaited.
   * @param tailGraceMs - how long to wait for busy tails; 0 waits for none
   */
  async close(tailGraceMs = 2000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queues.close();
    // Invocations still running (a request past serve's grace period) end as canceled, so
    // that every tail gets their final events.
    closeLiveDeliveries(this.#services.values(), new Error(RUNTIME_CLOSED_MESSAGE));
    // Tail handlers run between the event loop's turns: let them take what was reported.
    if (tailGraceMs > 0 && !(await this.#drainTails(tailGraceMs))) {
      this.#warn(
        `the streaming tails were still busy ${tailGraceMs} ms after the runtime closed; their last events may be lost.`,
      );
    }
    for (const service of this.#services.values()) service.close();
    for (const undo of this.#cleanup.splice(0)) undo();
  }

  /** Resolves `true` once the tail sessions of this runtime are idle, `false` after `timeoutMs`. */
  async #drainTails(timeoutMs: number): Promise<boolean> {
    const drains = [...this.#services.values()].map((service) => service.drainTailSessions(timeoutMs));
    if (this.#runtimeTailBacklog !== undefined) drains.push(this.#runtimeTailBacklog.drain(timeoutMs));
    return (await Promise.all(drains)).every(Boolean);
  }
}

/** The default of {@link RuntimeOptions.tailCallTimeLimitMs}. */
const TAIL_CALL_TIME_LIMIT_MS = 2000;

function tailBacklogOptionsOf(options: RuntimeOptions): TailBacklogOptions {
  const limitBytes = options.tailBacklogLimitBytes ?? TAIL_BACKLOG_LIMIT_BYTES;
  if (!(typeof limitBytes === "number" && limitBytes > 0)) {
    throw new RangeError(
      `workers-shim: tailBacklogLimitBytes must be a positive number of bytes, received ${String(limitBytes)}.`,
    );
  }
  const callTimeLimitMs = options.tailCallTimeLimitMs ?? TAIL_CALL_TIME_LIMIT_MS;
  if (!(Number.isSafeInteger(callTimeLimitMs) && callTimeLimitMs >= 0)) {
    throw new RangeError(
      `workers-shim: tailCallTimeLimitMs must be a whole number of milliseconds (0 for no limit), received ${String(callTimeLimitMs)}.`,
    );
  }
  return callTimeLimitMs === 0 ? { limitBytes } : { limitBytes, callTimeLimitMs };
}

/** A name as messages quote it: JSON-quoted, cut after 80 characters. */
function quote(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** The `exception` of an invocation that was still running when its runtime closed. */
const RUNTIME_CLOSED_MESSAGE = "workers-shim: the runtime closed before this invocation finished.";

/**
 * Loads a config into a new {@link Runtime}: creates every service's `env` and global scope (a
 * `vm` context of its own), and evaluates each service's modules in it, in config order.
 * @remarks `ctx.tracing` is a `Tracing` object in every worker, whatever its compatibility date
 * and flags, as in workerd 2026-11-17; so is the `cloudflare:workers` `tracing` export.
 * Needs Node.js started with `--experimental-vm-modules` (the `workers-shim` CLI adds it itself).
 * @throws {@link WorkersShimError} (rejects) with code `ERR_CONFIG` when a module cannot be loaded,
 * and with code `ERR_VM_MODULES` when Node.js runs without `--experimental-vm-modules`.
 * @example
 * ```ts
 * const runtime = await createRuntime(loadConfig("config.json", { experimental: true }));
 * const { failed } = await runtime.runTests();
 * await runtime.close();
 * ```
 * @public
 */
export function createRuntime(config: ShimConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  if (!hasVmModules()) {
    return Promise.reject(
      new WorkersShimError(
        "ERR_VM_MODULES",
        `workers-shim: workers run as vm modules, which need Node.js started with ${VM_MODULES_FLAG} (e.g. NODE_OPTIONS=${VM_MODULES_FLAG}); this process was started without it.`,
      ),
    );
  }
  return startRuntime(config, options);
}
