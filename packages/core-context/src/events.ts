/**
 * The streaming tail-event model, as workerd delivers it to `tailStream()` handlers
 * (`TailStream` in workerd's `trace.d.ts`). Property order of every object built by this
 * package is the delivered order.
 *
 * Every type here has the shape of its `TailStream` counterpart in `@cloudflare/workers-types`,
 * so that values flow both ways between code typed with either (test/types/workers-types.ts
 * checks that against the pinned version): arrays are mutable where workers-types' are, open
 * string unions stay open. Where the shapes differ on purpose, the member says why: what workerd
 * emits decides, and fields workers-shim adds of its own are optional.
 */

/**
 * How an invocation or span ended.
 * @public
 */
export type EventOutcome =
  | "ok"
  | "canceled"
  | "exception"
  | "unknown"
  | "killSwitch"
  | "daemonDown"
  | "exceededCpu"
  | "exceededMemory"
  | "loadShed"
  | "responseStreamDisconnected"
  | "scriptNotFound"
  | "internalError"
  | "exceededWallTime"
  | "aborted";

/**
 * The trace position an event belongs to.
 * @public
 */
export interface SpanContext {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits; absent only on the onset of an invocation without a parent. */
  readonly spanId?: string;
  /** Present only when an upstream sampling decision exists (never in workerd). */
  readonly traceFlags?: number;
}

/**
 * An attribute value; runtime spans use `bigint` for integers.
 * @public
 */
export type AttributeValue = string | number | boolean | bigint | string[] | number[] | boolean[] | bigint[];

/**
 * One named attribute of a span or invocation.
 * @public
 */
export interface Attribute {
  /** The attribute key. */
  readonly name: string;
  /** The attribute value. */
  readonly value: AttributeValue;
}

/**
 * One request header of a fetch onset, with a lower-cased name.
 * @public
 */
export interface FetchHeader {
  /** Lower-cased header name. */
  readonly name: string;
  /** Header value; repeated headers joined with `", "`. */
  readonly value: string;
}

/**
 * Onset info of an HTTP request.
 * @public
 */
export interface FetchEventInfo {
  /** Discriminant. */
  readonly type: "fetch";
  /** Request method, e.g. `"GET"`. */
  readonly method: string;
  /** Request URL. */
  readonly url: string;
  /** Headers, sorted by name. */
  readonly headers: FetchHeader[];
  /** The request's `cf` object, when it has one. */
  readonly cfJson?: object;
}

/**
 * Onset info of a cron (`scheduled`) event.
 * @public
 */
export interface ScheduledEventInfo {
  /** Discriminant. */
  readonly type: "scheduled";
  /** When the event was scheduled. */
  readonly scheduledTime: Date;
  /** The cron expression, `""` when none. */
  readonly cron: string;
}

/**
 * Onset info of a Durable Object alarm.
 * @public
 */
export interface AlarmEventInfo {
  /** Discriminant. */
  readonly type: "alarm";
  /** When the alarm was scheduled. */
  readonly scheduledTime: Date;
}

/**
 * Onset info of a queue batch.
 * @public
 */
export interface QueueEventInfo {
  /** Discriminant. */
  readonly type: "queue";
  /** The queue's name. */
  readonly queueName: string;
  /** Number of messages in the batch. */
  readonly batchSize: number;
}

/**
 * Onset info of a custom event, such as a `test()` call.
 * @public
 */
export interface CustomEventInfo {
  /** Discriminant. */
  readonly type: "custom";
}

/**
 * Onset info of a JS-RPC session; the method name follows as a `jsrpc.method` attribute.
 * @public
 */
export interface JsRpcEventInfo {
  /** Discriminant. */
  readonly type: "jsrpc";
}

/**
 * Onset info of a socket (`connect`) handler.
 * @public
 */
export interface ConnectEventInfo {
  /** Discriminant. */
  readonly type: "connect";
}

/**
 * Onset info of a hibernatable WebSocket event.
 * @public
 */
export interface HibernatableWebSocketEventInfo {
  /** Discriminant. */
  readonly type: "hibernatableWebSocket";
  /** Which WebSocket event was delivered. */
  readonly info:
    | { readonly type: "message" }
    | { readonly type: "error" }
    | { readonly type: "close"; readonly code: number; readonly wasClean: boolean };
}

/**
 * Onset info of a tail worker's own invocation.
 * @public
 */
export interface TraceEventInfo {
  /** Discriminant. */
  readonly type: "trace";
  /** One script name per buffered trace handled. */
  readonly traces: (string | null)[];
}

/**
 * Onset info of an email event.
 * @public
 */
export interface EmailEventInfo {
  /** Discriminant. */
  readonly type: "email";
  /** Envelope sender. */
  readonly mailFrom: string;
  /** Envelope recipient. */
  readonly rcptTo: string;
  /** Raw message size in bytes. */
  readonly rawSize: number;
}

/**
 * Onset info of a Durable Object's hibernation (workers-types' `OnHibernateEventInfo`).
 * @remarks Production only: workerd 2026-11-23 does not report it locally, and workers-shim
 * never does; the type is here so that events typed with workers-types fit {@link EventInfo}.
 * @public
 */
export interface OnHibernateEventInfo {
  /** Discriminant. */
  readonly type: "onHibernate";
  /** Why the object hibernates; open to reasons added later. */
  readonly reason: "inactive" | "codeUpdated" | "system" | (string & {});
}

/**
 * What caused an invocation, carried by its onset.
 * @public
 */
export type EventInfo =
  | FetchEventInfo
  | ScheduledEventInfo
  | AlarmEventInfo
  | QueueEventInfo
  | CustomEventInfo
  | JsRpcEventInfo
  | ConnectEventInfo
  | HibernatableWebSocketEventInfo
  | TraceEventInfo
  | EmailEventInfo
  | OnHibernateEventInfo;

/**
 * The execution model of the worker that handled an invocation.
 * @public
 */
export type ExecutionModel = "stateless" | "durableObject" | "workflow";

/**
 * The deployed version of a script, on an onset (workers-types' `ScriptVersion`).
 * @remarks Production metadata: absent in workerd and workers-shim. Every field is optional,
 * as in workers-types (the spec lists `id` as always present when the version is).
 * @public
 */
export interface ScriptVersion {
  /** The version id. */
  readonly id?: string;
  /** The version tag. */
  readonly tag?: string;
  /** The version message. */
  readonly message?: string;
}

/**
 * The preview a script runs as, on an onset (workers-types' `TracePreviewInfo`).
 * @remarks Production metadata: absent in workerd and workers-shim.
 * @public
 */
export interface TracePreviewInfo {
  /** The preview's id. */
  readonly id: string;
  /** The preview's slug. */
  readonly slug: string;
  /** The preview's name. */
  readonly name: string;
}

/**
 * The first event of every invocation.
 * @public
 */
export interface Onset {
  /** Discriminant. */
  readonly type: "onset";
  /**
   * Stateless worker or actor: one of {@link ExecutionModel}, typed as open as workers-types'
   * `string` so that its onsets fit this type.
   */
  readonly executionModel: ExecutionModel | (string & {});
  /** The invocation (onset) span id: parent of all top-level spans. */
  readonly spanId: string;
  /** The dispatch namespace of a Workers for Platforms script; production only, never local. */
  readonly dispatchNamespace?: string;
  /** The named export or actor class that handled the event; absent for the default export. */
  readonly entrypoint?: string;
  /** Hex id of the Durable Object, on actor invocations. */
  readonly durableObjectId?: string;
  /** The script's name; production only, never local. */
  readonly scriptName?: string;
  /** Script tags (an empty array locally). */
  readonly scriptTags?: string[];
  /** The script's deployed version; production only, never local. */
  readonly scriptVersion?: ScriptVersion;
  /** The preview the script runs as; production only, never local. */
  readonly preview?: TracePreviewInfo;
  /** What caused the invocation. */
  readonly info: EventInfo;
  /** Worker-level attributes, present only when non-empty. */
  readonly attributes?: Attribute[];
}

/**
 * A span was opened; emitted synchronously when the span is created.
 * @public
 */
export interface SpanOpen {
  /** Discriminant. */
  readonly type: "spanOpen";
  /** The span name (user span names are cut at 64 UTF-8 bytes). */
  readonly name: string;
  /** The new span's id. */
  readonly spanId: string;
  /**
   * Never present: workerd reports it for no span it opens (spec §4.4), nor does workers-shim;
   * typed as in workers-types.
   */
  readonly info?: FetchEventInfo | JsRpcEventInfo | Attributes;
}

/**
 * All attributes of one span, emitted right before its `spanClose`.
 * @public
 */
export interface Attributes {
  /** Discriminant. */
  readonly type: "attributes";
  /** Attributes in first-insertion order. */
  readonly info: Attribute[];
}

/**
 * A span ended.
 * @public
 */
export interface SpanClose {
  /** Discriminant. */
  readonly type: "spanClose";
  /** Always `"ok"` for user spans. */
  readonly outcome: EventOutcome;
}

/**
 * A `console` method level.
 * @public
 */
export type LogLevel = "debug" | "info" | "log" | "warn" | "error";

/**
 * Name, message and stack of one `Error` argument of a log call.
 * @public
 */
export interface LogErrorInfo {
  /** The error's `name`. */
  readonly name: string;
  /** The error's `message`. */
  readonly message: string;
  /** The error's stack frames, when it has any. */
  readonly stack?: string;
}

/**
 * A `console.*` call: `message` is the array of serialised arguments, or, with `truncated: true`,
 * the raw JSON text of that array cut at 256 KiB.
 * @public
 */
export type Log = {
  /** Discriminant. */
  readonly type: "log";
  /** The console method. */
  readonly level: LogLevel;
  /** One slot per argument when at least one argument is an `Error`. */
  readonly errorInfo?: readonly (LogErrorInfo | null)[];
} & (
  | {
      /** The serialised arguments (an array). */
      readonly message: object;
      /** Absent: the message was not cut. */
      readonly truncated?: false;
    }
  | {
      /** The first 256 KiB of the serialised arguments' JSON text. */
      readonly message: string;
      /** The serialised message exceeded 256 KiB and was cut. */
      readonly truncated: true;
    }
);

/**
 * An uncaught error.
 * @public
 */
export interface Exception {
  /** Discriminant. */
  readonly type: "exception";
  /**
   * In workers-types' `TailStream.Exception`, but never reported: workerd 2026-11-23 leaves it
   * out for errors with a `code` property too, and so does workers-shim.
   */
  readonly code?: string | number;
  /** The error's name. */
  readonly name: string;
  /** The error's message. */
  readonly message: string;
  /** Frame lines only (no leading `Name: message` line); absent without frames. */
  readonly stack?: string;
}

/**
 * A `diagnostics_channel` publish (workerd reports every publish, subscribers or not).
 * @public
 */
export interface DiagnosticChannelEvent {
  /** Discriminant. */
  readonly type: "diagnosticChannel";
  /** The channel name. */
  readonly channel: string;
  /** A structured clone of the published value (`any` in workers-types; both assign both ways). */
  readonly message: unknown;
}

/**
 * The `info` of a fetch `return` event.
 * @public
 */
export interface FetchResponseInfo {
  /** Discriminant. */
  readonly type: "fetch";
  /** The response status. */
  readonly statusCode: number;
}

/**
 * The handler produced its result.
 * @public
 */
export interface Return {
  /** Discriminant. */
  readonly type: "return";
  /** Present for fetch handlers (except 101 upgrades). */
  readonly info?: FetchResponseInfo;
}

/**
 * The last event of every invocation.
 * @public
 */
export interface Outcome {
  /** Discriminant. */
  readonly type: "outcome";
  /** How the invocation ended. */
  readonly outcome: EventOutcome;
  /** CPU time in milliseconds (`0` locally, as in workerd). */
  readonly cpuTime: number;
  /** Wall time in milliseconds (`0` locally, as in workerd). */
  readonly wallTime: number;
  /**
   * Spans of the invocation still open when it ended; only with the `leakDiagnostics`
   * improvement (workers-shim flag `workers_tracing_leak_diagnostics`), never in workerd, and
   * not in workers-types (an extra optional field: the types still assign both ways).
   */
  readonly unendedSpans?: number;
}

/**
 * Events were dropped for one tail session because its queue was full.
 * @public
 */
export interface StreamDiagnostic {
  /** Discriminant. */
  readonly type: "streamDiagnostic";
  /** The diagnostic. */
  readonly diagnostic: { readonly diagnosticsType: "droppedEvents"; readonly count: number };
}

/**
 * A span's status or name changed (workerd builds after 2026-08).
 * @public
 */
export interface SpanUpdate {
  /** Discriminant. */
  readonly type: "spanUpdate";
  /** What changed. */
  readonly info:
    | {
        readonly type: "status";
        readonly status: { readonly code: "unset" | "ok" | "error"; readonly message?: string };
      }
    | { readonly type: "name"; readonly name: string };
}

/**
 * One link of a {@link SpanLinks} event: the linked span and the link's attributes.
 * @public
 */
export interface SpanLinkInfo {
  /** The linked span: lowercase hex ids and its trace flags (0–255). */
  readonly context: { readonly traceId: string; readonly spanId: string; readonly traceFlags: number };
  /** The link's string, number and boolean attributes, in property order. */
  readonly attributes: Attribute[];
  /** How many attribute values were dropped for having another type (`undefined` is not counted). */
  readonly droppedAttributesCount: number;
}

/**
 * Links were added to a span (workerd builds from 2026-11-23); reported at once, one link per
 * event.
 * @remarks Not in `@cloudflare/workers-types` 5.20261117.1, which predates it: a
 * `TailEvent<TailEventPayload>` is not a workers-types `TailEvent<EventType>` until it is.
 * @public
 */
export interface SpanLinks {
  /** Discriminant. */
  readonly type: "spanLinks";
  /** The added links. */
  readonly links: SpanLinkInfo[];
}

/**
 * Any event payload.
 * @public
 */
export type TailEventPayload =
  | Onset
  | SpanOpen
  | Attributes
  | SpanClose
  | Log
  | Exception
  | DiagnosticChannelEvent
  | Return
  | Outcome
  | StreamDiagnostic
  | SpanUpdate
  | SpanLinks;

/**
 * The envelope of every streaming tail event.
 * @remarks Treat delivered events as read-only, although their arrays are typed mutable as in
 * workers-types: one event goes to every tail of an invocation,
 * the events of one span share one `spanContext` object, and events reported in the same
 * millisecond share one `timestamp` `Date`.
 * @public
 */
export interface TailEvent<E extends TailEventPayload = TailEventPayload> {
  /** Which trace and span the event belongs to (spec §4.3). */
  readonly spanContext: SpanContext;
  /** 32 lowercase hex digits, new for every invocation. */
  readonly invocationId: string;
  /** When the event happened. */
  readonly timestamp: Date;
  /** 0 for the onset, then +1 for every reported event of the invocation. */
  readonly sequence: number;
  /** The payload. */
  readonly event: E;
}
