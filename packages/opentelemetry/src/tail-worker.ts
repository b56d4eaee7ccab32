import type { Onset, TailEvent } from "@workers-tracing/core-context";
import { OtlpExporter, type OtlpExporterOptions } from "./exporter";

/**
 * The default export of a streaming tail worker that sends what it receives to OTLP.
 * @public
 */
export interface OtlpTailWorker {
  /** Called once per tail session by the runtime, as a streaming tail worker's export is. */
  tailStream(onset: TailEvent<Onset>, env?: unknown, ctx?: unknown): (event: TailEvent) => Promise<void> | undefined;
  /** The exporter, created from the options and `env` at the first session; `undefined` before. */
  readonly exporter: OtlpExporter | undefined;
}

interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Creates a streaming tail worker module's default export that maps each tailed invocation to
 * spans and sends them to an OTLP/HTTP receiver.
 * @remarks The exporter is created at the first session, from `options` and the worker's `env`
 * bindings, which are read as the environment (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`,
 * …) unless `options.env` is given. At each invocation's `outcome` the handler flushes the queue
 * (concurrent sessions share one request) and keeps the session open until that is done, so no
 * timer has to outlive the tail's invocation.
 * @example
 * ```ts
 * // otlp-tail.js, listed in a worker's streamingTails; set OTEL_EXPORTER_OTLP_ENDPOINT in its env.
 * import { createOtlpTailWorker } from "@workers-tracing/opentelemetry";
 * export default createOtlpTailWorker();
 * ```
 * @public
 */
export function createOtlpTailWorker(options: OtlpExporterOptions = {}): OtlpTailWorker {
  let exporter: OtlpExporter | undefined;
  return {
    tailStream(onset, env, ctx) {
      exporter ??= new OtlpExporter({
        ...options,
        env: options.env ?? (env !== null && typeof env === "object" ? (env as Record<string, unknown>) : {}),
      });
      const current = exporter;
      const handler = current.tailStream(onset);
      return (event) => {
        handler(event);
        if (event.event.type !== "outcome") return undefined;
        const flushed = current.forceFlush();
        if (ctx !== null && typeof ctx === "object" && typeof (ctx as Partial<WaitUntil>).waitUntil === "function") {
          (ctx as WaitUntil).waitUntil(flushed);
        }
        return flushed;
      };
    },
    get exporter() {
      return exporter;
    },
  };
}
