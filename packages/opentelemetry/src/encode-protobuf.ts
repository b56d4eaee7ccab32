import type { Attribute, AttributeValue, SpanLinkInfo } from "@workers-tracing/core-context";
import type { OtlpSpan, OtlpSpanEvent, ResourceSpans } from "./span";
import { SCOPE_NAME, SCOPE_VERSION } from "./internal/scope";
import { isInt64, msToNanos } from "./internal/time";

// Field numbers and wire types of opentelemetry/proto/{collector/trace,trace,common,resource}/v1.
const LEN = 2;
const tag = (field: number, wire: number): number => (field << 3) | wire;

/**
 * Encodes spans as an OTLP/HTTP protobuf `ExportTraceServiceRequest` body.
 * @remarks Fields with their default value (zero, empty) are left out, as proto3 encoders do.
 * @example
 * ```ts
 * const body = encodeTracesProtobuf([{ resource: { serviceName: "shop" }, spans }]);
 * await fetch("http://127.0.0.1:4318/v1/traces", { method: "POST", body, headers: { "content-type": "application/x-protobuf" } });
 * ```
 * @public
 */
export function encodeTracesProtobuf(groups: readonly ResourceSpans[]): Uint8Array {
  const w = new Writer();
  for (const group of groups) {
    const resourceSpans = w.fork(1, LEN); // ExportTraceServiceRequest.resource_spans
    const resource = w.fork(1, LEN); // ResourceSpans.resource
    keyValue(w, 1, { name: "service.name", value: group.resource.serviceName }); // Resource.attributes
    for (const attribute of group.resource.attributes ?? []) keyValue(w, 1, attribute);
    w.ldelim(resource);
    const scopeSpans = w.fork(2, LEN); // ResourceSpans.scope_spans
    const scope = w.fork(1, LEN); // ScopeSpans.scope
    w.string(1, SCOPE_NAME); // InstrumentationScope.name
    w.string(2, SCOPE_VERSION); // InstrumentationScope.version
    w.ldelim(scope);
    for (const s of group.spans) span(w, s);
    w.ldelim(scopeSpans);
    w.ldelim(resourceSpans);
  }
  return w.finish();
}

function span(w: Writer, s: OtlpSpan): void {
  const start = w.fork(2, LEN); // ScopeSpans.spans
  w.hex(1, s.traceId);
  w.hex(2, s.spanId);
  if (s.parentSpanId !== undefined) w.hex(4, s.parentSpanId);
  w.string(5, s.name);
  if (s.kind !== 0) w.varintField(6, s.kind);
  w.fixed64(7, msToNanos(s.startTimeMs));
  w.fixed64(8, msToNanos(s.endTimeMs));
  for (const attribute of s.attributes) keyValue(w, 9, attribute);
  for (const e of s.events) event(w, e);
  for (const l of s.links) link(w, l);
  // OTel's encoders always write the status, empty when unset.
  const status = w.fork(15, LEN);
  if (s.status.message !== undefined) w.string(2, s.status.message);
  if (s.status.code !== 0) w.varintField(3, s.status.code);
  w.ldelim(status);
  w.fixed32(16, s.flags);
  w.ldelim(start);
}

function event(w: Writer, e: OtlpSpanEvent): void {
  const start = w.fork(11, LEN); // Span.events
  w.fixed64(1, msToNanos(e.timeMs));
  w.string(2, e.name);
  for (const attribute of e.attributes) keyValue(w, 3, attribute);
  w.ldelim(start);
}

function link(w: Writer, l: SpanLinkInfo): void {
  const start = w.fork(13, LEN); // Span.links
  w.hex(1, l.context.traceId);
  w.hex(2, l.context.spanId);
  for (const attribute of l.attributes) keyValue(w, 4, attribute);
  if (l.droppedAttributesCount > 0) w.varintField(5, l.droppedAttributesCount);
  w.fixed32(6, (l.context.traceFlags & 0xff) | 0x100);
  w.ldelim(start);
}

function keyValue(w: Writer, field: number, attribute: Attribute): void {
  const start = w.fork(field, LEN);
  w.string(1, attribute.name); // KeyValue.key
  const value = w.fork(2, LEN); // KeyValue.value
  anyValue(w, attribute.value);
  w.ldelim(value);
  w.ldelim(start);
}

/** The fields of an AnyValue (without its own tag and length). */
function anyValue(w: Writer, value: AttributeValue): void {
  switch (typeof value) {
    case "string":
      w.tag(1, LEN);
      w.stringBody(value);
      return;
    case "boolean":
      w.varintField(2, value ? 1 : 0);
      return;
    case "bigint":
      w.tag(3, 0);
      w.varint64(BigInt.asUintN(64, value));
      return;
    case "number":
      if (Number.isSafeInteger(value) || isInt64(value)) {
        w.tag(3, 0);
        if (value >= 0 && value <= 0xffffffff) w.varint(value);
        else w.varint64(BigInt.asUintN(64, BigInt(value)));
      } else {
        w.tag(4, 1);
        w.double(value);
      }
      return;
    default: {
      const array = w.fork(5, LEN); // AnyValue.array_value
      for (const item of value) {
        const entry = w.fork(1, LEN); // ArrayValue.values
        anyValue(w, item);
        w.ldelim(entry);
      }
      w.ldelim(array);
    }
  }
}

const utf8 = new TextEncoder();

/**
 * A growing buffer. Nested messages are written in place and get their length prefix when they
 * end (`ldelim`), moving their bytes right by the size of the prefix.
 */
class Writer {
  #buf = new Uint8Array(1024);
  #view = new DataView(this.#buf.buffer);
  #pos = 0;

  #reserve(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  tag(field: number, wire: number): void {
    this.varint(tag(field, wire));
  }

  varint(value: number): void {
    this.#reserve(10);
    while (value > 0x7f) {
      this.#buf[this.#pos++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.#buf[this.#pos++] = value;
  }

  varint64(value: bigint): void {
    this.#reserve(10);
    while (value > 0x7fn) {
      this.#buf[this.#pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.#buf[this.#pos++] = Number(value);
  }

  varintField(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  fixed32(field: number, value: number): void {
    this.tag(field, 5);
    this.#reserve(4);
    this.#view.setUint32(this.#pos, value >>> 0, true);
    this.#pos += 4;
  }

  fixed64(field: number, value: bigint): void {
    this.tag(field, 1);
    this.#reserve(8);
    this.#view.setBigUint64(this.#pos, BigInt.asUintN(64, value), true);
    this.#pos += 8;
  }

  double(value: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#pos, value, true);
    this.#pos += 8;
  }

  string(field: number, value: string): void {
    if (value === "") return;
    this.tag(field, LEN);
    this.stringBody(value);
  }

  /** A length-prefixed UTF-8 string (lone surrogates become U+FFFD, as TextEncoder does). */
  stringBody(value: string): void {
    const start = this.fork();
    this.#reserve(value.length * 3);
    this.#pos += utf8.encodeInto(value, this.#buf.subarray(this.#pos)).written;
    this.ldelim(start);
  }

  /** A bytes field from a hex string; empty or malformed ids are written as they decode. */
  hex(field: number, value: string): void {
    const length = value.length >>> 1;
    if (length === 0) return;
    this.tag(field, LEN);
    this.varint(length);
    this.#reserve(length);
    for (let i = 0; i < length; i++) {
      this.#buf[this.#pos++] = (hexDigit(value.charCodeAt(2 * i)) << 4) | hexDigit(value.charCodeAt(2 * i + 1));
    }
  }

  /** Starts a length-delimited field (or, without a field, a bare length-prefixed body). */
  fork(field?: number, wire?: number): number {
    if (field !== undefined) this.tag(field, wire!);
    return this.#pos;
  }

  /** Ends the length-delimited field started at `start`: inserts its length before it. */
  ldelim(start: number): void {
    const length = this.#pos - start;
    const prefix = varintSize(length);
    this.#reserve(prefix);
    this.#buf.copyWithin(start + prefix, start, this.#pos);
    let at = start;
    let value = length;
    while (value > 0x7f) {
      this.#buf[at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.#buf[at] = value;
    this.#pos += prefix;
  }

  /** The bytes written, as a view of the writer's buffer (a writer is used once). */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }
}

function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value >>>= 7;
    size++;
  }
  return size;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return 0;
}
