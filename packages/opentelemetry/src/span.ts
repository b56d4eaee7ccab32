import type { Attribute, SpanLinkInfo } from "@workers-tracing/core-context";

/**
 * OTLP span kinds (`opentelemetry.proto.trace.v1.Span.SpanKind`).
 * @public
 */
export const SpanKind = Object.freeze({
  /** Not set. */
  UNSPECIFIED: 0,
  /** An operation inside the worker. */
  INTERNAL: 1,
  /** Handling an incoming request (fetch, RPC, socket). */
  SERVER: 2,
  /** An outgoing request (fetch, RPC, Durable Object call). */
  CLIENT: 3,
  /** Sending a message (queue send). */
  PRODUCER: 4,
  /** Handling a message (queue batch). */
  CONSUMER: 5,
} as const);

/**
 * One of the {@link SpanKind} values.
 * @public
 */
export type SpanKindValue = (typeof SpanKind)[keyof typeof SpanKind];

/**
 * OTLP status codes (`opentelemetry.proto.trace.v1.Status.StatusCode`).
 * @public
 */
export const StatusCode = Object.freeze({
  /** No status was set. */
  UNSET: 0,
  /** Set as successful by the code. */
  OK: 1,
  /** Failed. */
  ERROR: 2,
} as const);

/**
 * One of the {@link StatusCode} values.
 * @public
 */
export type StatusCodeValue = (typeof StatusCode)[keyof typeof StatusCode];

/**
 * A timed event of a span: a log line or an exception.
 * @public
 */
export interface OtlpSpanEvent {
  /** The event name: `"log"`, `"exception"` or `"diagnostics_channel"`. */
  readonly name: string;
  /** When it happened, in milliseconds since the epoch. */
  readonly timeMs: number;
  /** The event's attributes. */
  readonly attributes: readonly Attribute[];
}

/**
 * A span's status.
 * @public
 */
export interface OtlpStatus {
  /** The status code. */
  readonly code: StatusCodeValue;
  /** A description, for errors. */
  readonly message?: string;
}

/**
 * One ended span, as the encoders take it: ids in lowercase hex, times in milliseconds.
 * @public
 */
export interface OtlpSpan {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
  /** The parent's span id; `undefined` for the root of a trace. */
  readonly parentSpanId: string | undefined;
  /** The span name. */
  readonly name: string;
  /** The span kind. */
  readonly kind: SpanKindValue;
  /** Start time, in milliseconds since the epoch. */
  readonly startTimeMs: number;
  /** End time, in milliseconds since the epoch. */
  readonly endTimeMs: number;
  /** Attributes, unique by name, in first-insertion order. */
  readonly attributes: readonly Attribute[];
  /** Logs and exceptions, in order. */
  readonly events: readonly OtlpSpanEvent[];
  /** Links to other spans. */
  readonly links: readonly SpanLinkInfo[];
  /** The span's status. */
  readonly status: OtlpStatus;
  /** OTLP span flags: W3C trace flags in the low byte, `0x100` and `0x200` for a remote parent. */
  readonly flags: number;
}

/**
 * The resource that produced a group of spans.
 * @public
 */
export interface OtlpResource {
  /** The `service.name` attribute. */
  readonly serviceName: string;
  /** Further resource attributes. */
  readonly attributes?: readonly Attribute[];
}

/**
 * Spans of one resource: one `ResourceSpans` entry of an export request.
 * @public
 */
export interface ResourceSpans {
  /** Who produced the spans. */
  readonly resource: OtlpResource;
  /** The spans. */
  readonly spans: readonly OtlpSpan[];
}
