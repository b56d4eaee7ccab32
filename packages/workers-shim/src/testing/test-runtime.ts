import { createSequentialIds, drainTailSessions, type Onset, type TailEvent } from "@workers-tracing/core-context";
import { loadConfig, WorkersShimError, type LoadConfigOptions, type ShimConfig } from "../config/index";
import { isWranglerConfigFile } from "../config/wrangler";
import { WranglerProject } from "../config/wrangler-project";
import { createRuntime, type Runtime, type RuntimeOptions } from "../runtime";
import { traceTree, type TraceTree } from "./trace-tree";

/**
 * Options of {@link createTestRuntime}.
 * @public
 */
export interface TestRuntimeOptions {
  /** How a config file is read (`experimental`, `profile`, …), as for `loadConfig`. */
  readonly load?: LoadConfigOptions;
  /** For wrangler configs: the `env.<name>` section to apply (as `--env`). */
  readonly env?: string;
  /** Receives the runtime's warnings; by default they are collected in {@link TestRuntime.warnings}. */
  readonly onWarning?: (message: string) => void;
  /** How long to wait for a request's trace to be complete, in milliseconds; 5000 by default. */
  readonly traceTimeoutMs?: number;
}

/**
 * What {@link TestRuntime.fetch} resolves to.
 * @public
 */
export interface TracedResponse {
  /** The response, its body already read (so `text()`, `json()` work once more). */
  readonly response: Response;
  /** The spans of the request, across every service it reached. */
  readonly trace: TraceTree;
}

/**
 * What {@link TestRuntime.rpc} resolves to.
 * @public
 */
export interface TracedRpcResult {
  /**
   * What the method returned; a returned ReadableStream has been read to the end and comes as
   * a new stream of the same chunks.
   */
  readonly result: unknown;
  /** The spans of the call, its `jsrpc` invocation as the root, across every service it reached. */
  readonly trace: TraceTree;
}

/**
 * A worker config running in the test's process, with stable ids, whose requests come back
 * with their traces.
 * @public
 */
export interface TestRuntime {
  /**
   * Sends a request to a service (the config's first by default) and resolves once its response
   * body was read and every invocation of its trace reported its outcome. A handler that throws
   * rejects with its error once the trace is complete: {@link TestRuntime.traceOf} gives that
   * trace.
   */
  fetch(
    input: string | URL | Request,
    init?: RequestInit,
    options?: { readonly service?: string },
  ): Promise<TracedResponse>;
  /**
   * Runs a service's `scheduled()` handler (the config's first service by default) for `cron`
   * and resolves once every invocation of its trace reported its outcome.
   */
  scheduled(
    cron: string,
    options?: { readonly service?: string },
  ): Promise<{ readonly outcome: string; readonly trace: TraceTree }>;
  /**
   * Delivers `bodies` as one batch of messages of queue `queueName` to a service's `queue()`
   * handler and resolves once every invocation of its trace reported its outcome.
   */
  queue(
    queueName: string,
    bodies: readonly unknown[],
    options?: { readonly service?: string },
  ): Promise<{ readonly outcome: string; readonly trace: TraceTree }>;
  /**
   * Calls the JS RPC method `method` of a service's default export (the config's first service
   * by default) or of its named `entrypoint`, as a service binding would but with no caller, and
   * resolves once every invocation of its trace (whose root is the `jsrpc` invocation) reported
   * its outcome. A method that throws rejects with its error, re-created in the test's realm as
   * an RPC caller receives it, once the trace is complete: {@link TestRuntime.traceOf} gives that
   * trace.
   * @throws WorkersShimError (rejects) with code `ERR_UNKNOWN_SERVICE`, `ERR_UNKNOWN_ENTRYPOINT`
   * or `ERR_UNKNOWN_METHOD` for a call that names nothing to call (no invocation starts).
   */
  rpc(
    method: string,
    args?: readonly unknown[],
    options?: { readonly service?: string; readonly entrypoint?: string },
  ): Promise<TracedRpcResult>;
  /**
   * The trace of the {@link TestRuntime.fetch} or {@link TestRuntime.rpc} call that rejected with
   * `error` (its handler or method threw), complete; `undefined` for any other value, and when a
   * primitive was thrown.
   */
  traceOf(error: unknown): TraceTree | undefined;
  /** The warnings the runtime gave so far (unless `onWarning` was given). */
  readonly warnings: readonly string[];
  /** The loaded runtime, for what the kit does not cover. */
  readonly runtime: Runtime;
  /** Closes the runtime. */
  close(): Promise<void>;
}

interface Session {
  /** The service of the invocation. */
  readonly service: string | undefined;
  readonly traceId: string;
  readonly events: TailEvent[];
  done: boolean;
}

/**
 * Loads a worker config into an in-process runtime for tests: a `config.json` path, a wrangler
 * config path (`wrangler.json`, `.jsonc`, `.toml`; its TypeScript entry is bundled as `serve`
 * does), several wrangler config paths (the first is the primary worker), or a config that
 * `loadConfig`/`validateConfig` returned. Ids are sequential, so a request's trace is the same on
 * every run.
 * @throws WorkersShimError for a config that does not load.
 * @example
 * ```ts
 * const rt = await createTestRuntime("./config.json");
 * const { response, trace } = await rt.fetch("http://shop.example/cart");
 * expect(response.status).toBe(200);
 * expect(trace.find("load-cart")?.attributes).toEqual({ "cart.items": 3 });
 * await rt.close();
 * ```
 * @public
 */
export async function createTestRuntime(
  config: string | readonly string[] | ShimConfig,
  options: TestRuntimeOptions = {},
): Promise<TestRuntime> {
  const paths =
    typeof config === "string" ? [config] : Array.isArray(config) ? (config as readonly string[]) : undefined;
  let project: WranglerProject | undefined;
  let shimConfig: ShimConfig;
  if (paths === undefined) shimConfig = config as ShimConfig;
  else if (paths.length === 1 && !isWranglerConfigFile(paths[0]!)) shimConfig = loadConfig(paths[0]!, options.load);
  else {
    project = WranglerProject.open(paths, {
      ...options.load,
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    try {
      shimConfig = (await project.build()).config;
    } catch (error) {
      await project.dispose();
      throw error;
    }
  }
  const warnings: string[] = [];
  const sessions: Session[] = [];
  let changed: (() => void) | undefined;
  const notify = (): void => {
    const wake = changed;
    changed = undefined;
    wake?.();
  };
  const runtimeOptions: RuntimeOptions = {
    ids: createSequentialIds(),
    onWarning: options.onWarning ?? ((message) => warnings.push(message)),
    tail: {
      // The runtime names the invocation's service in a second argument.
      tailStream(onset: TailEvent<Onset>, info?: { readonly service?: string }) {
        const session: Session = {
          service: info?.service,
          traceId: onset.spanContext.traceId,
          events: [onset],
          done: false,
        };
        sessions.push(session);
        notify();
        return (event: TailEvent) => {
          session.events.push(event);
          if (event.event.type === "outcome") {
            session.done = true;
            notify();
          }
        };
      },
    },
  };
  let runtime: Runtime;
  try {
    runtime = await createRuntime(shimConfig, runtimeOptions);
  } catch (error) {
    await project?.dispose();
    throw error;
  }
  const timeoutMs = options.traceTimeoutMs ?? 5000;
  const defaultService = shimConfig.services[0]!.name;

  /** Resolves once every session of `traceId` is done and the tails are idle. */
  async function settled(traceId: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await drainTailSessions(Math.max(0, deadline - Date.now()));
      const mine = sessions.filter((session) => session.traceId === traceId);
      if (mine.length > 0 && mine.every((session) => session.done)) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `workers-shim: the trace of this request did not complete within ${timeoutMs} ms (an invocation never reported its outcome); raise traceTimeoutMs if it needs longer.`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /**
   * The trace of the first invocation started after session `first` whose onset `matches`, once
   * complete; `undefined` when no such invocation was traced.
   */
  async function findTrace(
    first: number,
    matches: (onset: TailEvent<Onset>, session: Session) => boolean,
  ): Promise<TraceTree | undefined> {
    await drainTailSessions(timeoutMs);
    const own = sessions.slice(first).find((session) => matches(session.events[0] as TailEvent<Onset>, session));
    if (own === undefined) return undefined;
    await settled(own.traceId);
    return traceTree(
      sessions.filter((session) => session.traceId === own.traceId).flatMap((session) => session.events),
    );
  }

  /** {@link findTrace}, failing when no invocation was traced for `what`. */
  async function traceOf(
    first: number,
    matches: (onset: TailEvent<Onset>, session: Session) => boolean,
    what: string,
  ): Promise<TraceTree> {
    const trace = await findTrace(first, matches);
    if (trace === undefined) throw new Error(`workers-shim: no invocation was traced for ${what}.`);
    return trace;
  }

  /** The traces of calls that rejected, by the error they rejected with. */
  const failedTraces = new WeakMap<object, TraceTree>();

  /**
   * Waits for the trace of a call that rejected with `error` and keeps it for
   * {@link TestRuntime.traceOf}; misuse errors (no invocation started) and errors of calls whose
   * trace did not complete are rethrown as they are.
   */
  async function failed(
    error: unknown,
    first: number,
    matches: (onset: TailEvent<Onset>, session: Session) => boolean,
  ): Promise<never> {
    if (error instanceof WorkersShimError) throw error;
    const trace = await findTrace(first, matches).catch(() => undefined);
    if (trace !== undefined && ((typeof error === "object" && error !== null) || typeof error === "function")) {
      failedTraces.set(error, trace);
    }
    throw error;
  }

  return {
    warnings,
    runtime,
    async fetch(input, init, fetchOptions) {
      const first = sessions.length;
      const url = input instanceof Request ? input.url : new URL(String(input)).href;
      const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
      const isOwn = ({ event }: TailEvent<Onset>): boolean =>
        event.info.type === "fetch" && event.info.url === url && event.info.method === method;
      let response: Response;
      let body: ArrayBuffer;
      try {
        response = await runtime.dispatchFetch(fetchOptions?.service ?? defaultService, input, init);
        body = await response.arrayBuffer();
      } catch (error) {
        return failed(error, first, isOwn);
      }
      const trace = await traceOf(first, isOwn, `${method} ${url}`);
      const copy = new Response(
        response.status === 101 || response.status === 204 || response.status === 304 ? null : body,
        {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        },
      );
      return { response: copy, trace };
    },
    async rpc(method, args = [], rpcOptions) {
      const first = sessions.length;
      const service = rpcOptions?.service ?? defaultService;
      const entrypoint = rpcOptions?.entrypoint;
      // A root jsrpc invocation of that export: no caller span, the method in its first attributes.
      const isOwn = ({ spanContext, event }: TailEvent<Onset>, session: Session): boolean =>
        event.info.type === "jsrpc" &&
        spanContext.spanId === undefined &&
        session.service === service &&
        event.entrypoint === entrypoint &&
        session.events.some(
          ({ event: later }) =>
            later.type === "attributes" &&
            later.info.some((attribute) => attribute.name === "jsrpc.method" && attribute.value === method),
        );
      let result: unknown;
      try {
        result = await runtime.dispatchRpc(service, method, args, entrypoint);
        if (result instanceof ReadableStream) result = await buffered(result);
      } catch (error) {
        return failed(error, first, isOwn);
      }
      const trace = await traceOf(first, isOwn, `RPC ${method}()`);
      return { result, trace };
    },
    traceOf(error) {
      return (typeof error === "object" && error !== null) || typeof error === "function"
        ? failedTraces.get(error)
        : undefined;
    },
    async queue(queueName, bodies, queueOptions) {
      const first = sessions.length;
      const { outcome } = await runtime.dispatchQueue(queueOptions?.service ?? defaultService, queueName, bodies);
      const trace = await traceOf(
        first,
        ({ event }) => event.info.type === "queue" && event.info.queueName === queueName,
        `queue ${queueName}`,
      );
      return { outcome, trace };
    },
    async scheduled(cron, scheduledOptions) {
      const first = sessions.length;
      const { outcome } = await runtime.dispatchScheduled(scheduledOptions?.service ?? defaultService, cron);
      const trace = await traceOf(
        first,
        ({ event }) => event.info.type === "scheduled" && event.info.cron === cron,
        `scheduled ${cron}`,
      );
      return { outcome, trace };
    },
    async close() {
      await runtime.close();
      await project?.dispose();
    },
  };
}

/** Reads `stream` to the end; a new stream of the same chunks. */
async function buffered(stream: ReadableStream): Promise<ReadableStream> {
  const chunks: unknown[] = [];
  for await (const chunk of stream as ReadableStream<unknown> & AsyncIterable<unknown>) chunks.push(chunk);
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}
