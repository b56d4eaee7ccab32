import type {
  Attribute,
  AttributeValue,
  EventInfo,
  Onset,
  SpanLinkInfo,
  TailEvent,
  TailEventPayload,
} from "@workers-tracing/core-context";
import {
  SpanKind,
  StatusCode,
  type OtlpSpan,
  type OtlpSpanEvent,
  type OtlpStatus,
  type SpanKindValue,
  type StatusCodeValue,
} from "./span";

/**
 * The attribute set on a span that was still open when its invocation reported its `outcome`,
 * and that was therefore exported as ended at the outcome.
 * @public
 */
export const UNCLOSED_ATTRIBUTE = "workers_tracing.span.unclosed";

/**
 * The attribute naming the span a log or exception was reported for, when that span had
 * already ended or was never seen, so the event was put on the invocation's root span instead.
 * @public
 */
export const ORIGINAL_SPAN_ATTRIBUTE = "workers_tracing.span_id";

/**
 * Turns tail events into ended OTLP spans, span by span, as they arrive.
 * @public
 */
export interface SpanAssembler {
  /**
   * Takes the next event of an invocation (events of several invocations may interleave; those
   * of one invocation come in sequence order, starting with its `onset`).
   * @remarks A span is passed on when its `spanClose` arrives; the invocation's root span, and
   * any span still open, when the `outcome` arrives. Events of an invocation whose `onset` was
   * not seen are ignored.
   */
  add(event: TailEvent): void;
  /** How many invocations have reported their onset but not their outcome yet. */
  readonly openInvocations: number;
}

/**
 * Creates a {@link SpanAssembler} that passes every ended span to `onSpan`.
 * @remarks Mapping: the onset opens the invocation's root span (parented by the onset's
 * `spanContext.spanId`, the caller's span in another service); `spanOpen`/`spanClose` give a
 * span's start and end; `attributes` its attributes; `spanUpdate` its status or name; `log`,
 * `exception` and `diagnosticChannel` events become span events; `spanLinks` span links;
 * `return`, `outcome` and dropped-event counts become attributes of the root span.
 * @example
 * ```ts
 * const spans: OtlpSpan[] = [];
 * const assembler = createSpanAssembler((span) => spans.push(span));
 * for (const event of events) assembler.add(event);
 * ```
 * @public
 */
export function createSpanAssembler(onSpan: (span: OtlpSpan) => void): SpanAssembler {
  if (typeof onSpan !== "function") {
    throw new TypeError(
      `opentelemetry: createSpanAssembler() expects a function, received ${onSpan === null ? "null" : typeof onSpan}.`,
    );
  }
  const invocations = new Map<string, InvocationSpans>();
  return {
    add(event) {
      const payload = event.event;
      if (payload.type === "onset") {
        invocations.set(event.invocationId, new InvocationSpans(event as TailEvent<Onset>));
        return;
      }
      const invocation = invocations.get(event.invocationId);
      if (invocation === undefined) return;
      if (payload.type === "outcome") invocations.delete(event.invocationId);
      invocation.add(event, payload, onSpan);
    },
    get openInvocations() {
      return invocations.size;
    },
  };
}

/**
 * Maps the events of one or more complete invocations to their spans, in the order they end.
 * @example
 * ```ts
 * const events: TailEvent[] = [];
 * await traceInvocation({ tail: events }, () => tracing.enterSpan("work", () => 1));
 * const [work, root] = toOtlpSpans(events);
 * ```
 * @public
 */
export function toOtlpSpans(events: readonly TailEvent[]): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  const assembler = createSpanAssembler((span) => spans.push(span));
  for (const event of events) assembler.add(event);
  return spans;
}

/** A span being built; becomes an OtlpSpan when it ends. */
interface Building {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKindValue;
  startTimeMs: number;
  endTimeMs: number;
  attributes: Attribute[];
  /** Whether `attributes` is an array this module owns (not an event's `info`). */
  ownAttributes: boolean;
  events: OtlpSpanEvent[];
  links: SpanLinkInfo[];
  status: OtlpStatus;
  flags: number;
}

// Shared by every span without attributes, events or links; replaced by an own array on the first push.
const EMPTY = Object.freeze([]) as unknown as never[];
const UNSET: OtlpStatus = Object.freeze({ code: StatusCode.UNSET });

/** OTLP span flags: the context's trace flags and "we know whether the parent is remote". */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** Kinds of the runtime spans workerd opens for calls out of the worker (spec §4.8). */
const RUNTIME_SPAN_KINDS = new Map<string, SpanKindValue>([
  ["fetch", SpanKind.CLIENT],
  ["jsRpcSession", SpanKind.CLIENT],
  ["jsRpcCall", SpanKind.CLIENT],
  ["durable_object_subrequest", SpanKind.CLIENT],
  ["connect", SpanKind.CLIENT],
  ["scheduled", SpanKind.CLIENT],
  ["queue", SpanKind.CLIENT],
  ["queue_send", SpanKind.PRODUCER],
]);

const ROOT_KINDS: Readonly<Record<EventInfo["type"], SpanKindValue>> = {
  fetch: SpanKind.SERVER,
  jsrpc: SpanKind.SERVER,
  connect: SpanKind.SERVER,
  hibernatableWebSocket: SpanKind.SERVER,
  email: SpanKind.SERVER,
  queue: SpanKind.CONSUMER,
  scheduled: SpanKind.INTERNAL,
  alarm: SpanKind.INTERNAL,
  custom: SpanKind.INTERNAL,
  trace: SpanKind.INTERNAL,
  onHibernate: SpanKind.INTERNAL,
};

const FAAS_TRIGGERS: Partial<Record<EventInfo["type"], string>> = {
  fetch: "http",
  scheduled: "timer",
  alarm: "timer",
  queue: "pubsub",
};

class InvocationSpans {
  readonly #root: Building;
  readonly #open = new Map<string, Building>();
  readonly #traceFlags: number;

  constructor(onset: TailEvent<Onset>) {
    const payload = onset.event;
    const time = onset.timestamp.getTime();
    this.#traceFlags = onset.spanContext.traceFlags ?? 1;
    const parent = onset.spanContext.spanId;
    this.#root = {
      traceId: onset.spanContext.traceId,
      spanId: payload.spanId,
      parentSpanId: parent,
      name: payload.info.type,
      kind: ROOT_KINDS[payload.info.type] ?? SpanKind.INTERNAL,
      startTimeMs: time,
      endTimeMs: time,
      attributes: onsetAttributes(onset),
      ownAttributes: true,
      events: [],
      links: [],
      status: UNSET,
      flags: this.#traceFlags | HAS_IS_REMOTE | (parent === undefined ? 0 : IS_REMOTE),
    };
  }

  add(event: TailEvent, payload: TailEventPayload, onSpan: (span: OtlpSpan) => void): void {
    const spanId = event.spanContext.spanId;
    switch (payload.type) {
      case "spanOpen": {
        const time = event.timestamp.getTime();
        this.#open.set(payload.spanId, {
          traceId: event.spanContext.traceId,
          spanId: payload.spanId,
          parentSpanId: spanId,
          name: payload.name,
          kind: RUNTIME_SPAN_KINDS.get(payload.name) ?? SpanKind.INTERNAL,
          startTimeMs: time,
          endTimeMs: time,
          attributes: EMPTY,
          ownAttributes: false,
          events: EMPTY,
          links: EMPTY,
          status: UNSET,
          flags: this.#traceFlags | HAS_IS_REMOTE,
        });
        return;
      }
      case "spanClose": {
        const span = spanId === undefined ? undefined : this.#open.get(spanId);
        if (span === undefined) return;
        this.#open.delete(spanId!);
        span.endTimeMs = event.timestamp.getTime();
        if (payload.outcome !== "ok") failWith(span, payload.outcome);
        onSpan(finish(span));
        return;
      }
      case "attributes": {
        const span = this.#find(spanId);
        if (span !== undefined) addAttributes(span, payload.info);
        return;
      }
      case "spanUpdate": {
        const span = this.#find(spanId);
        if (span === undefined) return;
        const info = payload.info;
        if (info.type === "name") span.name = info.name;
        else setStatus(span, info.status.code, info.status.message);
        return;
      }
      case "spanLinks": {
        const span = this.#find(spanId);
        if (span === undefined) return;
        if (span.links === EMPTY) span.links = [];
        span.links.push(...payload.links);
        return;
      }
      case "log": {
        const attributes: Attribute[] = [
          { name: "log.level", value: payload.level },
          { name: "log.message", value: logMessage(payload.message, payload.truncated === true) },
        ];
        if (payload.truncated === true) attributes.push({ name: "log.truncated", value: true });
        this.#addEvent(spanId, { name: "log", timeMs: event.timestamp.getTime(), attributes });
        return;
      }
      case "exception": {
        const attributes: Attribute[] = [
          { name: "exception.type", value: payload.name },
          { name: "exception.message", value: payload.message },
        ];
        if (payload.stack !== undefined) {
          attributes.push({
            name: "exception.stacktrace",
            value: stackTrace(payload.name, payload.message, payload.stack),
          });
        }
        const span = this.#addEvent(spanId, { name: "exception", timeMs: event.timestamp.getTime(), attributes });
        failWith(span, payload.message === "" ? payload.name : `${payload.name}: ${payload.message}`);
        return;
      }
      case "diagnosticChannel": {
        this.#addEvent(spanId, {
          name: "diagnostics_channel",
          timeMs: event.timestamp.getTime(),
          attributes: [
            { name: "diagnostics_channel.name", value: payload.channel },
            { name: "diagnostics_channel.message", value: toJson(payload.message) },
          ],
        });
        return;
      }
      case "return": {
        if (payload.info === undefined) return;
        const status = payload.info.statusCode;
        addAttributes(this.#root, [{ name: "http.response.status_code", value: status }]);
        // OTel's HTTP conventions: a 5xx is an error of the server span, a 4xx is not.
        if (status >= 500) failWith(this.#root, undefined);
        return;
      }
      case "streamDiagnostic": {
        const count = payload.diagnostic.count;
        const previous = this.#root.attributes.find((a) => a.name === "workers_tracing.dropped_events");
        addAttributes(this.#root, [
          {
            name: "workers_tracing.dropped_events",
            value: count + (typeof previous?.value === "number" ? previous.value : 0),
          },
        ]);
        return;
      }
      case "outcome": {
        const time = event.timestamp.getTime();
        const unclosed = [...this.#open.values()].reverse();
        this.#open.clear();
        for (const span of unclosed) {
          span.endTimeMs = time;
          addAttributes(span, [{ name: UNCLOSED_ATTRIBUTE, value: true }]);
          onSpan(finish(span));
        }
        const root = this.#root;
        root.endTimeMs = time;
        addAttributes(root, [
          { name: "cloudflare.outcome", value: payload.outcome },
          { name: "cloudflare.cpu_time_ms", value: payload.cpuTime },
          { name: "cloudflare.wall_time_ms", value: payload.wallTime },
        ]);
        if (payload.outcome !== "ok") failWith(root, payload.outcome);
        onSpan(finish(root));
        return;
      }
      case "onset":
        return;
    }
  }

  /** The open span or the root span with this id. */
  #find(spanId: string | undefined): Building | undefined {
    if (spanId === undefined) return undefined;
    return spanId === this.#root.spanId ? this.#root : this.#open.get(spanId);
  }

  /** Adds an event to its span; to the root span, naming the span, when that span is not open. */
  #addEvent(spanId: string | undefined, event: OtlpSpanEvent): Building {
    let span = this.#find(spanId);
    if (span === undefined) {
      span = this.#root;
      (event.attributes as Attribute[]).push({ name: ORIGINAL_SPAN_ATTRIBUTE, value: spanId ?? "" });
    }
    if (span.events === EMPTY) span.events = [];
    span.events.push(event);
    return span;
  }
}

function finish(span: Building): OtlpSpan {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind:
      span.kind === SpanKind.CLIENT &&
      span.name === "jsRpcCall" &&
      attributeValue(span, "jsrpc.target_kind") === "entrypoint"
        ? SpanKind.SERVER
        : span.kind,
    startTimeMs: span.startTimeMs,
    endTimeMs: span.endTimeMs,
    attributes: span.attributes,
    events: span.events,
    links: span.links,
    status: span.status,
    flags: span.flags,
  };
}

function attributeValue(span: Building, name: string): AttributeValue | undefined {
  for (const attribute of span.attributes) if (attribute.name === name) return attribute.value;
  return undefined;
}

/** Adds attributes; a name already present keeps its place and takes the new value. */
function addAttributes(span: Building, attributes: readonly Attribute[]): void {
  if (span.attributes.length === 0 && !span.ownAttributes) {
    // The common case: a span's one `attributes` event, already unique by name.
    span.attributes = attributes as Attribute[];
    return;
  }
  if (!span.ownAttributes) {
    span.attributes = span.attributes.slice();
    span.ownAttributes = true;
  }
  for (const attribute of attributes) {
    const index = span.attributes.findIndex((a) => a.name === attribute.name);
    if (index === -1) span.attributes.push(attribute);
    else span.attributes[index] = attribute;
  }
}

/**
 * `setStatus()` as OTel defines it: "unset" is ignored, "ok" is final, a description only goes
 * with "error".
 */
function setStatus(span: Building, code: "unset" | "ok" | "error", message: string | undefined): void {
  if (code === "unset" || span.status.code === StatusCode.OK) return;
  span.status =
    code === "ok"
      ? { code: StatusCode.OK }
      : message === undefined || message === ""
        ? { code: StatusCode.ERROR }
        : { code: StatusCode.ERROR, message };
}

/** Marks a span failed unless its code already set a status. */
function failWith(span: Building, message: string | undefined): void {
  if (span.status.code !== StatusCode.UNSET) return;
  const code: StatusCodeValue = StatusCode.ERROR;
  span.status = message === undefined ? { code } : { code, message };
}

function onsetAttributes(onset: TailEvent<Onset>): Attribute[] {
  const payload = onset.event;
  const info = payload.info;
  const attributes: Attribute[] = [{ name: "cloudflare.invocation_id", value: onset.invocationId }];
  const trigger = FAAS_TRIGGERS[info.type];
  attributes.push({ name: "faas.trigger", value: trigger ?? "other" });
  attributes.push({ name: "cloudflare.handler", value: info.type });
  attributes.push({ name: "cloudflare.execution_model", value: payload.executionModel });
  if (payload.entrypoint !== undefined) attributes.push({ name: "cloudflare.entrypoint", value: payload.entrypoint });
  if (payload.durableObjectId !== undefined) {
    attributes.push({ name: "cloudflare.durable_object.id", value: payload.durableObjectId });
  }
  switch (info.type) {
    case "fetch":
      attributes.push({ name: "http.request.method", value: info.method }, { name: "url.full", value: info.url });
      break;
    case "scheduled":
      attributes.push(
        { name: "faas.cron", value: info.cron },
        { name: "cloudflare.scheduled_time", value: isoTime(info.scheduledTime) },
      );
      break;
    case "alarm":
      attributes.push({ name: "cloudflare.scheduled_time", value: isoTime(info.scheduledTime) });
      break;
    case "queue":
      attributes.push(
        { name: "messaging.destination.name", value: info.queueName },
        { name: "messaging.batch.message_count", value: info.batchSize },
      );
      break;
    case "hibernatableWebSocket":
      attributes.push({ name: "cloudflare.websocket.event", value: info.info.type });
      if (info.info.type === "close") {
        attributes.push(
          { name: "cloudflare.websocket.close_code", value: info.info.code },
          { name: "cloudflare.websocket.was_clean", value: info.info.wasClean },
        );
      }
      break;
    case "email":
      attributes.push(
        { name: "cloudflare.email.from", value: info.mailFrom },
        { name: "cloudflare.email.to", value: info.rcptTo },
        { name: "cloudflare.email.size", value: info.rawSize },
      );
      break;
    case "trace":
      attributes.push({ name: "cloudflare.trace.count", value: info.traces.length });
      break;
    case "onHibernate":
      // Production only (workers-types' TailStream has it); neither workerd nor workers-shim reports it locally.
      attributes.push({ name: "cloudflare.hibernate.reason", value: info.reason });
      break;
    case "custom":
    case "jsrpc":
    case "connect":
      break;
  }
  if (payload.scriptTags !== undefined && payload.scriptTags.length > 0) {
    attributes.push({ name: "cloudflare.script_tags", value: payload.scriptTags });
  }
  for (const attribute of payload.attributes ?? EMPTY) {
    const index = attributes.findIndex((a) => a.name === attribute.name);
    if (index === -1) attributes.push(attribute);
    else attributes[index] = attribute;
  }
  return attributes;
}

function isoTime(date: Date): string {
  const time = date.getTime();
  return Number.isNaN(time) ? "" : date.toISOString();
}

/** A log call's arguments as one line, as a console prints them: strings bare, the rest as JSON. */
function logMessage(message: unknown, truncated: boolean): string {
  if (truncated || typeof message === "string") return String(message);
  if (!Array.isArray(message)) return toJson(message);
  let text = "";
  for (let i = 0; i < message.length; i++) {
    const part: unknown = message[i];
    if (i > 0) text += " ";
    text += typeof part === "string" ? part : toJson(part);
  }
  return text;
}

function toJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "undefined";
  } catch {
    return String(value);
  }
}

/** OTel's `exception.stacktrace` is the whole `error.stack`; tail events carry only the frames. */
function stackTrace(name: string, message: string, frames: string): string {
  const head = message === "" ? name : name === "" ? message : `${name}: ${message}`;
  return `${head}\n${frames}`;
}
