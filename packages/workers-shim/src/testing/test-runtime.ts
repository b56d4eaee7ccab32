import { createSequentialIds, drainTailSessions, type EventInfo, type TailEvent } from "@workers-tracing/core-context";
import { loadConfig, type LoadConfigOptions, type ShimConfig } from "../config/index";
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
 * A worker config running in the test's process, with stable ids, whose requests come back
 * with their traces.
 * @public
 */
export interface TestRuntime {
  /**
   * Sends a request to a service (the config's first by default) and resolves once its response
   * body was read and every invocation of its trace reported its outcome.
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
  /** The warnings the runtime gave so far (unless `onWarning` was given). */
  readonly warnings: readonly string[];
  /** The loaded runtime, for what the kit does not cover. */
  readonly runtime: Runtime;
  /** Closes the runtime. */
  close(): Promise<void>;
}

interface Session {
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
      tailStream(onset) {
        const session: Session = { traceId: onset.spanContext.traceId, events: [onset], done: false };
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

  /** The trace of the first invocation started after session `first` whose onset `matches`. */
  async function traceOf(first: number, matches: (info: EventInfo) => boolean, what: string): Promise<TraceTree> {
    await drainTailSessions(timeoutMs);
    const own = sessions.slice(first).find((session) => {
      const onset = session.events[0]!.event;
      return onset.type === "onset" && matches(onset.info);
    });
    if (own === undefined) throw new Error(`workers-shim: no invocation was traced for ${what}.`);
    await settled(own.traceId);
    return traceTree(
      sessions.filter((session) => session.traceId === own.traceId).flatMap((session) => session.events),
    );
  }

  return {
    warnings,
    runtime,
    async fetch(input, init, fetchOptions) {
      const first = sessions.length;
      const url = input instanceof Request ? input.url : new URL(String(input)).href;
      const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
      const response = await runtime.dispatchFetch(fetchOptions?.service ?? defaultService, input, init);
      const body = await response.arrayBuffer();
      const trace = await traceOf(
        first,
        (info) => info.type === "fetch" && info.url === url && info.method === method,
        `${method} ${url}`,
      );
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
    async queue(queueName, bodies, queueOptions) {
      const first = sessions.length;
      const { outcome } = await runtime.dispatchQueue(queueOptions?.service ?? defaultService, queueName, bodies);
      const trace = await traceOf(
        first,
        (info) => info.type === "queue" && info.queueName === queueName,
        `queue ${queueName}`,
      );
      return { outcome, trace };
    },
    async scheduled(cron, scheduledOptions) {
      const first = sessions.length;
      const { outcome } = await runtime.dispatchScheduled(scheduledOptions?.service ?? defaultService, cron);
      const trace = await traceOf(
        first,
        (info) => info.type === "scheduled" && info.cron === cron,
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
