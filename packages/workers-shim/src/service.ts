import {
  type IdGenerator,
  IoContext,
  type IoContextOptions,
  type Onset,
  runInInvocation,
  type SpanContext,
  TailBacklog,
  type TailBacklogOptions,
  type TailEvent,
  type TailSink,
  toTailSink,
} from "@workers-tracing/core-context";
import { isTracingEnabled } from "./compat/index";
import { contextOptionsFor } from "./compat/improvements";
import { WorkersShimError, type ServiceConfig, type WorkerConfig } from "./config/index";
import { createServiceBinding, type BindingTarget } from "./bindings/fetcher";
import { adoptRpcError, runRpcMethod, type RpcRequest } from "./bindings/rpc";
import type { QueueBroker } from "./queues";
import { createLegacyTailSink, type TraceItem } from "./legacy-tails";
import { InvocationScope, deliver, type IncomingTraceContext } from "./delivery";
import { DurableObjectClass, DurableObjectNamespace, type ActorHost } from "./durable-objects";
import {
  MessageBatch,
  ScheduledController,
  TestController,
  type QueueMessageInput,
  type QueueResult,
  type ScheduledResult,
} from "./event-objects";
import { fetchEventInfo } from "./http";
import { holdUntilBodySent } from "./response-body";
import { WorkerModules } from "./loader/worker-modules";
import { createTailSessionSink, type TailStreamOpening, type TailWorker } from "./tails";
import { WorkerExecutionContext } from "./worker-context";
import { createTraceContextFetch } from "./trace-context";

/** What a service needs from its runtime. */
export interface ServiceHost {
  /** Id source of every execution context. */
  readonly ids: IdGenerator;
  /** Looks up another service of the config. */
  service(name: string): ServiceInstance;
  /** Prints a runtime warning. */
  warn(message: string): void;
  /** A new sink of the runtime-wide tail (`RuntimeOptions.tail`) for one invocation, if there is one. */
  readonly openExtraTail?: (service: string) => TailSink;
  /** What each tail's backlog is made with (`RuntimeOptions.tailBacklogLimitBytes`, `tailCallTimeLimitMs`). */
  readonly tailBacklogOptions: TailBacklogOptions;
  /** The runtime's queues (producer bindings and consumers). */
  readonly queues: QueueBroker;
}

/** The outcome of one `test()` handler. */
export interface TestOutcome {
  /** `true` unless the handler threw or rejected. */
  readonly passed: boolean;
  /** What the handler threw, when it failed. */
  readonly error?: unknown;
}

type Handler = (...args: unknown[]) => unknown;

function isClass(value: unknown): value is new (...args: unknown[]) => object {
  return typeof value === "function" && typeof (value as { prototype?: unknown }).prototype === "object";
}

/** Whether an export has a `test()` handler (an object's method or a class's prototype method). */
export function hasTestHandler(value: unknown): boolean {
  if (isClass(value)) return typeof (value.prototype as { test?: unknown }).test === "function";
  return value !== null && typeof value === "object" && typeof (value as { test?: unknown }).test === "function";
}

/**
 * One service of the config, loaded: its module instances, `env`, Durable Object classes and
 * tail workers, and the handlers that deliver events to it.
 */
export class ServiceInstance implements BindingTarget, ActorHost, TailWorker {
  readonly name: string;
  readonly worker: WorkerConfig;
  /** Identifies the service within the process (`<runtime>/<service>`). */
  readonly key: string;
  /** Whether `ctx.tracing` is a `Tracing` object for this worker. */
  readonly tracingEnabled: boolean;
  /** What every I/O context of this worker is made with: ids and the improvements its own flags turn on. */
  readonly contextOptions: IoContextOptions;
  readonly env: Record<string, unknown>;
  readonly #host: ServiceHost;
  readonly #objects = new Map<string, DurableObjectClass>();
  #namespace: Record<string, unknown> | undefined = undefined;
  #tailBacklog: TailBacklog | undefined = undefined;
  /** Whether this service's last session as a tail was refused (see {@link TailWorker.tailBehind}). */
  tailBehind = false;
  /** Whether a call into this service as a tail was stopped (see {@link TailWorker.tailStopped}). */
  tailStopped = false;
  #global: Record<PropertyKey, unknown> | undefined = undefined;

  constructor(host: ServiceHost, config: ServiceConfig, key: string) {
    this.#host = host;
    this.name = config.name;
    this.worker = config.worker;
    this.key = key;
    this.tracingEnabled = isTracingEnabled(config.worker.flags, config.worker.compatibilityProfile);
    this.contextOptions = contextOptionsFor(config.worker.flags, host.ids);
    for (const { className, uniqueKey } of config.worker.durableObjectNamespaces) {
      this.#objects.set(className, new DurableObjectClass(this, className, uniqueKey));
    }
    this.env = this.#createEnv();
  }

  get ids(): IdGenerator {
    return this.#host.ids;
  }

  /**
   * What this service's sessions as a streaming tail share (a heap budget, their delivery
   * order), made on first use.
   */
  get tailBacklog(): TailBacklog {
    return (this.#tailBacklog ??= new TailBacklog(this.#host.tailBacklogOptions));
  }

  /** Resolves `true` once this service's tail sessions are idle, `false` after `timeoutMs`. */
  drainTailSessions(timeoutMs: number): Promise<boolean> {
    return this.#tailBacklog === undefined ? Promise.resolve(true) : this.#tailBacklog.drain(timeoutMs);
  }

  warn(message: string): void {
    this.#host.warn(message);
  }

  #createEnv(): Record<string, unknown> {
    const env: Record<string, unknown> = {};
    const extraHandlers = this.worker.flags.serviceBindingExtraHandlers;
    // Defined, not assigned: a binding named "__proto__" is a binding, not env's prototype.
    const bind = (name: string, value: unknown): void => {
      Object.defineProperty(env, name, { value, writable: true, enumerable: true, configurable: true });
    };
    for (const binding of this.worker.bindings) {
      switch (binding.type) {
        case "service": {
          const target = binding.service;
          bind(
            binding.name,
            createServiceBinding(
              () => this.#host.service(target),
              binding.entrypoint,
              extraHandlers,
              (error) => this.#adoptError(error),
            ),
          );
          break;
        }
        case "durableObjectNamespace": {
          const { className, serviceName } = binding;
          bind(
            binding.name,
            new DurableObjectNamespace(
              serviceName === undefined || serviceName === this.name
                ? this.#objects.get(className)!
                : () => this.#host.service(serviceName).durableObjectClass(className),
            ),
          );
          break;
        }
        case "json":
          bind(binding.name, structuredClone(binding.value));
          break;
        case "text":
          bind(binding.name, binding.value);
          break;
        case "queue":
          bind(binding.name, this.#host.queues.producer(binding.queue));
          break;
      }
    }
    return env;
  }

  /**
   * Loads the main module (its imports follow) into the service's own vm context, a global scope
   * of its own; evaluates the worker's top-level code.
   */
  async load(
    options: { readonly hostConsole?: Console; readonly predictable?: boolean; readonly moduleRoot?: string } = {},
  ): Promise<void> {
    const modules = new WorkerModules({
      serviceName: this.name,
      modules: this.worker.modules,
      flags: this.worker.flags,
      env: this.env,
      hostConsole: options.hostConsole ?? console,
      predictable: options.predictable === true,
      ...(options.moduleRoot === undefined ? {} : { moduleRoot: options.moduleRoot }),
      fetch: createTraceContextFetch(this.worker.traceContext.outgoing),
    });
    this.#global = modules.global;
    // env belongs to the worker's global scope, as in workerd: `env instanceof Object` holds.
    Object.setPrototypeOf(this.env, (modules.global["Object"] as ObjectConstructor).prototype);
    this.#namespace = await modules.loadMain();
  }

  /**
   * An error another service's RPC method threw, as this service sees it: re-created from this
   * service's own constructors (name, message, stack and own properties kept), as workerd
   * serialises an RPC error into the caller's isolate, so that `instanceof RangeError` holds.
   */
  #adoptError(error: unknown): unknown {
    return this.#global === undefined ? error : adoptRpcError(error, this.#global);
  }

  /** The main module's namespace. */
  get namespace(): Record<string, unknown> {
    if (this.#namespace === undefined) {
      throw new WorkersShimError(
        "ERR_SERVICE_NOT_LOADED",
        `workers-shim: service "${this.name}" is not loaded yet: services load in config order, and a worker's top-level code cannot reach one that loads after it.`,
      );
    }
    return this.#namespace;
  }

  /** Whether the main module exports `name` (`default` for the default export). */
  hasExport(name: string): boolean {
    return this.namespace[name] !== undefined;
  }

  /** The named export (or `default`). */
  exportValue(name: string): unknown {
    return this.namespace[name];
  }

  #entrypoint(entrypoint: string | undefined): unknown {
    const value = this.namespace[entrypoint ?? "default"];
    if (value === undefined) {
      throw new TypeError(
        entrypoint === undefined
          ? `workers-shim: service "${this.name}" has no default export.`
          : `workers-shim: service "${this.name}" has no export named "${entrypoint}".`,
      );
    }
    return value;
  }

  /**
   * A new tail sink for one invocation, fanning out to one session per streaming tail and to the
   * runtime-wide tail; `undefined` when there is none (the invocation is untraced).
   * @param chain - services whose events led to this invocation (tail sessions only); they are
   * left out, so that tails that tail each other cannot loop
   */
  openTailSink(chain: readonly string[] = [], legacy = true): TailSink | undefined {
    // A tail whose call was stopped for running too long gets no further sessions.
    const tails = this.worker.streamingTails.filter(
      (name) => !chain.includes(name) && !this.#host.service(name).tailStopped,
    );
    // Tail sessions and legacy tail() invocations are not traced again by legacy tails.
    const legacyTails = legacy && chain.length === 0 ? this.worker.tails : [];
    // The runtime-wide tail sees the invocations of workers, not those of tail sessions.
    const extra = chain.length === 0 ? this.#host.openExtraTail?.(this.name) : undefined;
    if (tails.length === 0 && legacyTails.length === 0) return extra;
    const warn = (message: string): void => this.#host.warn(message);
    const next = [...chain, this.name];
    const sinks = tails.map((name) => createTailSessionSink(this.#host.service(name), warn, next));
    for (const name of legacyTails) sinks.push(createLegacyTailSink(this.#host.service(name), this.name, warn));
    if (extra !== undefined) sinks.push(extra);
    return toTailSink(sinks);
  }

  /** Calls the default export's `tail(items)` (a legacy tail worker) in a `trace` invocation. */
  async deliverTrace(items: readonly TraceItem[]): Promise<void> {
    const delivery = deliver(
      this,
      {
        kind: "trace",
        info: { type: "trace", traces: items.map((item) => item.scriptName) },
        returnInfo: () => undefined,
        failureOutcome: "exception",
        reportFailure: true,
        sink: this.openTailSink([], false),
      },
      (scope) => this.#callHandler(this.#entrypoint(undefined), "tail", [items], scope),
    );
    await delivery.done;
  }

  /** The `ctx` of one invocation. */
  createContext(scope: InvocationScope): WorkerExecutionContext {
    return new WorkerExecutionContext(this.tracingEnabled, (promise) => scope.waitUntil(promise));
  }

  /**
   * Calls handler `method` of an export: on a class (a `WorkerEntrypoint`), a new instance is
   * created with `(ctx, env)` and called with the event arguments; on an object the method is
   * called with `(...event, env, ctx)`.
   */
  #callHandler(exported: unknown, method: string, event: readonly unknown[], scope: InvocationScope): unknown {
    const ctx = this.createContext(scope);
    if (isClass(exported)) {
      const instance = new exported(ctx, this.env) as Record<string, unknown>;
      const handler = instance[method];
      if (typeof handler !== "function") throw new TypeError(`Handler does not export a ${method}() function.`);
      return (handler as Handler).apply(instance, [...event]);
    }
    const handler =
      exported !== null && typeof exported === "object" ? (exported as Record<string, unknown>)[method] : undefined;
    if (typeof handler !== "function") throw new TypeError(`Handler does not export a ${method}() function.`);
    return (handler as Handler).call(exported, ...event, this.env, ctx);
  }

  deliverFetch(
    request: Request,
    entrypoint: string | undefined,
    parent: SpanContext | undefined,
    incomingTraceContext?: IncomingTraceContext,
  ): Promise<Response> {
    const held = new WeakSet<Response>();
    const delivery = deliver(
      this,
      {
        kind: "fetch",
        info: fetchEventInfo(request),
        parent,
        incomingTraceContext,
        entrypoint,
        // A response with a body reports `return` once the body has been sent (holdUntilBodySent).
        returnInfo: (response: Response) =>
          held.has(response) ? false : { type: "fetch", statusCode: response.status },
        failureOutcome: "exception",
        reportFailure: true,
      },
      async (scope) => {
        const response: unknown = await this.#callHandler(this.#entrypoint(entrypoint), "fetch", [request], scope);
        if (!(response instanceof Response)) {
          throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
        }
        const watched = holdUntilBodySent(response, scope);
        if (watched === false) return response;
        held.add(watched);
        return watched;
      },
    );
    return delivery.result;
  }

  async deliverScheduled(
    entrypoint: string | undefined,
    cron: string,
    scheduledTime: number,
    parent: SpanContext | undefined,
  ): Promise<ScheduledResult> {
    const controller = new ScheduledController(cron, scheduledTime);
    const delivery = deliver(
      this,
      {
        kind: "scheduled",
        info: { type: "scheduled", scheduledTime: new Date(scheduledTime), cron },
        parent,
        entrypoint,
        returnInfo: () => undefined,
        failureOutcome: "exception",
        reportFailure: true,
      },
      (scope) => this.#callHandler(this.#entrypoint(entrypoint), "scheduled", [controller], scope),
    );
    await delivery.done;
    return { outcome: delivery.failed() ? "exception" : "ok", noRetry: controller._noRetry };
  }

  async deliverQueue(
    entrypoint: string | undefined,
    queueName: string,
    messages: readonly QueueMessageInput[],
    parent: SpanContext | undefined,
  ): Promise<QueueResult> {
    const batch = new MessageBatch(queueName, messages);
    const delivery = deliver(
      this,
      {
        kind: "queue",
        info: { type: "queue", queueName, batchSize: messages.length },
        parent,
        entrypoint,
        returnInfo: () => undefined,
        failureOutcome: "exception",
        reportFailure: true,
      },
      (scope) => this.#callHandler(this.#entrypoint(entrypoint), "queue", [batch], scope),
    );
    await delivery.done;
    return batch._result(delivery.failed() ? "exception" : "ok");
  }

  deliverRpc(entrypoint: string | undefined, request: RpcRequest): Promise<unknown> {
    const delivery = deliver(
      this,
      {
        kind: "jsrpc",
        info: { type: "jsrpc" },
        parent: request.parent,
        entrypoint,
        returnInfo: () => undefined,
        failureOutcome: "ok",
        reportFailure: false,
      },
      (scope) =>
        runRpcMethod(scope.invocation, request, () => {
          const exported = this.#entrypoint(entrypoint);
          return isClass(exported) ? new exported(this.createContext(scope), this.env) : exported;
        }),
    );
    return delivery.result;
  }

  /** Runs the `test()` handler of the default export (no `exportName`) or of a named export. */
  /** Runs one test() handler; aborting `signal` cancels it with the signal's reason. */
  async runTest(exportName: string | undefined, signal?: AbortSignal): Promise<TestOutcome> {
    const delivery = deliver(
      this,
      {
        kind: "test",
        info: { type: "custom" },
        entrypoint: exportName,
        returnInfo: () => false,
        failureOutcome: "ok",
        reportFailure: true,
      },
      (scope) => this.#callHandler(this.#entrypoint(exportName), "test", [new TestController()], scope),
    );
    const abort = (): void =>
      delivery.cancel(signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason)));
    signal?.addEventListener("abort", abort, { once: true });
    let outcome: TestOutcome;
    try {
      await delivery.result;
      outcome = { passed: true };
    } catch (error) {
      outcome = { passed: false, error };
    }
    await delivery.done;
    signal?.removeEventListener("abort", abort);
    // A test whose waitUntil work was cancelled (hung) fails, as in `workerd test`.
    const cancelled = delivery.cancelled();
    if (outcome.passed && cancelled !== undefined) outcome = { passed: false, error: cancelled };
    return outcome;
  }

  openTailStream(chain: readonly string[]): TailStreamOpening | undefined {
    const exported = this.namespace["default"];
    const handler = isClass(exported)
      ? (exported.prototype as { tailStream?: unknown }).tailStream
      : exported !== null && typeof exported === "object"
        ? (exported as { tailStream?: unknown }).tailStream
        : undefined;
    if (typeof handler !== "function") return undefined;
    const context = new IoContext(this.contextOptions);
    const invocation = context.startInvocation({
      kind: "tailStream",
      info: { type: "trace", traces: [] },
      sink: this.openTailSink(chain),
    });
    const scope = new InvocationScope(invocation);
    const call = (onset: TailEvent<Onset>): unknown => {
      try {
        return runInInvocation(invocation, () => {
          const ctx = this.createContext(scope);
          if (isClass(exported)) {
            const instance = new exported(ctx, this.env) as { tailStream: Handler };
            return instance.tailStream(onset);
          }
          return (handler as Handler).call(exported, onset, this.env, ctx);
        });
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return { invocation, call };
  }

  /** Whether `name` is one of this worker's Durable Object classes. */
  isDurableObjectClass(name: string): boolean {
    return this.#objects.has(name);
  }

  /** The objects of this worker's Durable Object class `name`, which the config declares. */
  durableObjectClass(name: string): DurableObjectClass {
    const objects = this.#objects.get(name);
    if (objects === undefined) {
      throw new WorkersShimError(
        "ERR_CONFIG",
        `workers-shim: service "${this.name}" declares no Durable Object class "${name}".`,
      );
    }
    return objects;
  }

  /** Stops the service's Durable Object alarms. */
  close(): void {
    for (const objects of this.#objects.values()) objects.close();
  }
}
