import type { Onset, TailEvent, TailStreamHandler } from "@workers-tracing/core-context";
import { createSpanAssembler } from "./assemble";
import { resolveOtlpConnection, type OtlpConnection, type OtlpConnectionOptions } from "./config";
import { encodeTracesJson } from "./encode-json";
import { encodeTracesProtobuf } from "./encode-protobuf";
import type { OtlpSpan, ResourceSpans } from "./span";

/**
 * Options of {@link OtlpExporter}: where to send (see {@link OtlpConnectionOptions}) and how to
 * batch and retry.
 * @public
 */
export interface OtlpExporterOptions extends OtlpConnectionOptions {
  /** Most spans waiting to be sent; spans beyond it are dropped and counted. Default 2048. */
  readonly maxQueueSize?: number;
  /** Most spans in one request. Default 512. */
  readonly maxBatchSize?: number;
  /** How long a span may wait for its batch to fill, in milliseconds. Default 1000. */
  readonly scheduledDelayMs?: number;
  /** Tries per batch, the first included, on 429, 5xx and network errors. Default 5. */
  readonly maxAttempts?: number;
  /** Wait before the first retry, doubled for each further one (with jitter), in milliseconds. Default 500. */
  readonly initialBackoffMs?: number;
  /** Longest wait between tries, also for a `Retry-After` answer, in milliseconds. Default 30000. */
  readonly maxBackoffMs?: number;
  /** The `fetch` to send with; the global one by default. */
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /**
   * Receives one line when spans start being dropped or a batch cannot be sent, and a summary at
   * `shutdown()`. By default a process warning (`WorkersTracingWarning`), or `console.warn` where
   * there is no `process`.
   */
  readonly onDiagnostic?: (message: string) => void;
}

/**
 * What an {@link OtlpExporter} has done so far.
 * @public
 */
export interface OtlpExporterStats {
  /** Spans waiting to be sent. */
  readonly queued: number;
  /** Spans the receiver accepted. */
  readonly exported: number;
  /** Spans dropped because the queue was full or the exporter was shut down. */
  readonly dropped: number;
  /** Spans given up on: rejected by the receiver, or still failing after the last try. */
  readonly failed: number;
  /** Requests sent, retries included. */
  readonly requests: number;
  /** Of those, retries. */
  readonly retries: number;
}

/**
 * Something that decides the `service.name` of a tail session; the runtime passes it as the
 * second argument of `tailStream()`.
 * @public
 */
export interface TailSessionInfo {
  /** The service whose invocation the session reports. */
  readonly service?: string;
}

interface Queued {
  readonly span: OtlpSpan;
  readonly service: string;
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

function positiveInteger(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new RangeError(
      `opentelemetry: new OtlpExporter() expects ${name} to be a ${allowZero ? "non-negative" : "positive"} whole number, received ${String(value)}.`,
    );
  }
  return value;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

function defaultDiagnostic(message: string, code: string): void {
  const process = (globalThis as { process?: { emitWarning?: (m: string, o: object) => void } }).process;
  if (typeof process?.emitWarning === "function") {
    process.emitWarning(message, { type: "WorkersTracingWarning", code });
    return;
  }
  // eslint-disable-next-line no-console -- inside a worker there is no process to warn on
  console.warn(message);
}

/** Whether an answer is worth another try: throttling and server errors, as OTLP/HTTP says. */
function retryable(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** `Retry-After` in seconds or as an HTTP date; `undefined` when absent or unusable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms) as { unref?: () => void };
    timer.unref?.();
  });

/**
 * Sends spans to an OTLP/HTTP receiver in batches, off the traced code's path; also a streaming
 * tail (`tailStream()`) that maps each invocation's events to spans and sends them.
 * @remarks Spans wait in a queue of at most `maxQueueSize`; when it is full new spans are dropped
 * and counted (see {@link OtlpExporter.stats}), so a slow or unreachable receiver never holds
 * memory without bound, and nothing ever waits for it. A batch is sent when it has
 * `maxBatchSize` spans or its oldest span waited `scheduledDelayMs`; one request at a time,
 * retried with exponential backoff on 429, 5xx and network errors. Its timers do not keep a Node
 * process alive: call {@link OtlpExporter.shutdown} (or `forceFlush()`) before exiting.
 * @example
 * ```ts
 * const exporter = new OtlpExporter({ endpoint: "http://127.0.0.1:4318/v1/traces", serviceName: "orders" });
 * await traceInvocation({ tail: exporter }, () => tracing.enterSpan("work", () => 42));
 * await drainTailSessions(); // the tail has taken the events
 * await exporter.shutdown(); // and the spans were sent
 * ```
 * @public
 */
export class OtlpExporter implements TailStreamHandler {
  /** The resolved connection settings. */
  readonly connection: OtlpConnection;
  readonly #maxQueueSize: number;
  readonly #maxBatchSize: number;
  readonly #delayMs: number;
  readonly #maxAttempts: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #fetch: Fetch;
  readonly #diagnostic: (message: string, code: string) => void;
  readonly #headers: Record<string, string>;

  #queue: Queued[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #shutdown: Promise<void> | undefined;
  #dropping = false;
  #failing = false;
  #exported = 0;
  #dropped = 0;
  #failed = 0;
  #requests = 0;
  #retries = 0;
  /** Spans ever queued, and of those, sent or given up on. */
  #queuedTotal = 0;
  #settledTotal = 0;

  constructor(options: OtlpExporterOptions = {}) {
    this.connection = resolveOtlpConnection(options);
    this.#maxQueueSize = positiveInteger("maxQueueSize", options.maxQueueSize, 2048);
    this.#maxBatchSize = positiveInteger("maxBatchSize", options.maxBatchSize, 512);
    this.#delayMs = positiveInteger("scheduledDelayMs", options.scheduledDelayMs, 1000, true);
    this.#maxAttempts = positiveInteger("maxAttempts", options.maxAttempts, 5);
    this.#initialBackoffMs = positiveInteger("initialBackoffMs", options.initialBackoffMs, 500, true);
    this.#maxBackoffMs = positiveInteger("maxBackoffMs", options.maxBackoffMs, 30000, true);
    const fetchFn = options.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== "function") {
      throw new TypeError(`opentelemetry: new OtlpExporter() needs a fetch function: pass the fetch option.`);
    }
    this.#fetch = fetchFn;
    const onDiagnostic = options.onDiagnostic;
    this.#diagnostic = onDiagnostic === undefined ? defaultDiagnostic : (message) => onDiagnostic(message);
    this.#headers = {
      ...this.connection.headers,
      "content-type": this.connection.protocol === "http/json" ? "application/json" : "application/x-protobuf",
    };
  }

  /** A snapshot of the counters. */
  get stats(): OtlpExporterStats {
    return {
      queued: this.#queue.length,
      exported: this.#exported,
      dropped: this.#dropped,
      failed: this.#failed,
      requests: this.#requests,
      retries: this.#retries,
    };
  }

  /**
   * Starts one tail session: returns the handler that maps the invocation's later events to spans
   * and queues them, each as it ends.
   * @param info - `{ service }` names the spans' `service.name`; without it, the onset's
   * `scriptName` (set by workerd in production) or else the configured service name
   */
  tailStream(onset: TailEvent<Onset>, info?: TailSessionInfo): (event: TailEvent) => void {
    // workerd's production onsets name the script; the runtime may name the service instead.
    const scriptName = (onset.event as { scriptName?: unknown }).scriptName;
    const service =
      info !== null && typeof info === "object" && typeof info.service === "string" && info.service !== ""
        ? info.service
        : typeof scriptName === "string" && scriptName !== ""
          ? scriptName
          : this.connection.serviceName;
    const assembler = createSpanAssembler((span) => this.#enqueue(span, service));
    assembler.add(onset);
    return (event) => assembler.add(event);
  }

  /**
   * Queues ended spans for sending; never waits, and drops (and counts) what does not fit.
   * @param service - their `service.name`; the configured one by default
   */
  export(spans: readonly OtlpSpan[], service: string = this.connection.serviceName): void {
    for (const span of spans) this.#enqueue(span, service);
  }

  /** Sends every span queued before the call; settles when they are sent or given up on. */
  async forceFlush(): Promise<void> {
    // The queue is first in, first out: the spans queued so far are done once as many have settled.
    const target = this.#queuedTotal;
    while (this.#settledTotal < target) {
      if (this.#running !== undefined) await this.#running;
      else if (this.#queue.length === 0) return;
      else await this.#start(target);
    }
  }

  /**
   * Sends what is queued, then stops: later spans are dropped. Reports what was dropped or
   * failed over the exporter's life. Calling it again returns the same promise.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      await this.forceFlush();
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      if (this.#dropped > 0 || this.#failed > 0) {
        this.#diagnostic(
          `opentelemetry: exporter shut down; ${this.#exported} spans exported, ${this.#dropped} dropped, ${this.#failed} failed.`,
          "WORKERS_TRACING_OTLP_SUMMARY",
        );
      }
    })();
    return this.#shutdown;
  }

  #enqueue(span: OtlpSpan, service: string): void {
    if (this.#shutdown !== undefined || this.#queue.length >= this.#maxQueueSize) {
      this.#dropped++;
      if (!this.#dropping) {
        this.#dropping = true;
        this.#diagnostic(
          this.#shutdown !== undefined
            ? `opentelemetry: a span ended after the exporter was shut down and is dropped (see exporter.stats.dropped).`
            : `opentelemetry: the export queue is full (${this.#maxQueueSize} spans): new spans are dropped until it has room (see exporter.stats.dropped).`,
          "WORKERS_TRACING_OTLP_DROPPED",
        );
      }
      return;
    }
    this.#queue.push({ span, service });
    this.#queuedTotal++;
    if (this.#running !== undefined) return;
    if (this.#queue.length >= this.#maxBatchSize) this.#arm(0);
    else this.#arm(this.#delayMs);
  }

  /** Sets the batch timer, unless one is set (a full batch shortens it). */
  #arm(delayMs: number): void {
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    const timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#start();
    }, delayMs);
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }

  /** Runs the send loop unless it runs; it sends partial batches too until `flushTo` spans settled. */
  #start(flushTo = 0): Promise<void> {
    if (this.#running !== undefined) return this.#running;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const running = this.#sendLoop(flushTo).finally(() => {
      this.#running = undefined;
      if (this.#queue.length > 0 && this.#shutdown === undefined) {
        this.#arm(this.#queue.length >= this.#maxBatchSize ? 0 : this.#delayMs);
      }
    });
    this.#running = running;
    return running;
  }

  async #sendLoop(flushTo: number): Promise<void> {
    do {
      const batch = this.#queue.splice(0, this.#maxBatchSize);
      await this.#send(batch);
      this.#settledTotal += batch.length;
    } while (this.#queue.length >= this.#maxBatchSize || (this.#settledTotal < flushTo && this.#queue.length > 0));
    // One line per stretch of drops: a new stretch starts once the queue was emptied.
    if (this.#queue.length === 0) this.#dropping = false;
  }

  async #send(batch: readonly Queued[]): Promise<void> {
    let body: Uint8Array;
    try {
      const groups = groupByService(batch);
      body = this.connection.protocol === "http/json" ? encodeTracesJson(groups) : encodeTracesProtobuf(groups);
    } catch (error) {
      this.#fail(batch.length, `they could not be encoded: ${describeError(error)}`);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      let wait: number | undefined;
      let reason: string;
      this.#requests++;
      try {
        const response = await this.#fetch(this.connection.url, {
          method: "POST",
          headers: this.#headers,
          body,
          signal: AbortSignal.timeout(this.connection.timeoutMs),
        });
        // Read the answer so that the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.#exported += batch.length;
          this.#failing = false;
          return;
        }
        reason = `HTTP ${response.status}`;
        if (!retryable(response.status)) {
          this.#fail(batch.length, `the receiver rejected them with ${reason}`);
          return;
        }
        wait = retryAfterMs(response.headers.get("retry-after"));
      } catch (error) {
        reason = describeError(error);
      }
      if (attempt >= this.#maxAttempts) {
        this.#fail(batch.length, `${attempt} ${attempt === 1 ? "try" : "tries"} failed, the last with ${reason}`);
        return;
      }
      this.#retries++;
      const backoff = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** (attempt - 1));
      await sleep(Math.min(this.#maxBackoffMs, wait ?? backoff * (0.5 + Math.random() / 2)));
    }
  }

  #fail(count: number, reason: string): void {
    this.#failed += count;
    if (this.#failing) return;
    // One line per stretch of failures; the counters keep the rest.
    this.#failing = true;
    this.#diagnostic(
      `opentelemetry: could not export ${count} spans to ${this.connection.url}: ${reason}. Later failures are counted in exporter.stats.failed until an export succeeds.`,
      "WORKERS_TRACING_OTLP_EXPORT_FAILED",
    );
  }
}

function groupByService(batch: readonly Queued[]): ResourceSpans[] {
  const groups = new Map<string, OtlpSpan[]>();
  for (const { span, service } of batch) {
    const spans = groups.get(service);
    if (spans === undefined) groups.set(service, [span]);
    else spans.push(span);
  }
  return Array.from(groups, ([serviceName, spans]) => ({ resource: { serviceName }, spans }));
}
