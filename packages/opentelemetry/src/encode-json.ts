import type { Attribute, AttributeValue, SpanLinkInfo } from "@workers-tracing/core-context";
import type { OtlpSpan, OtlpSpanEvent, ResourceSpans } from "./span";
import { SCOPE_NAME, SCOPE_VERSION } from "./internal/scope";
import { isInt64, msToNanosString } from "./internal/time";

/**
 * Encodes spans as an OTLP/HTTP JSON `ExportTraceServiceRequest` body (UTF-8).
 * @remarks As the OTLP/JSON mapping prescribes: ids as hex strings, 64-bit integers (times,
 * `bigint` and whole-number attribute values) as decimal strings, enums as integers. Numbers
 * with a fraction, or outside the 64-bit range, are `doubleValue`s.
 * @example
 * ```ts
 * const body = encodeTracesJson([{ resource: { serviceName: "shop" }, spans }]);
 * await fetch("http://127.0.0.1:4318/v1/traces", { method: "POST", body, headers: { "content-type": "application/json" } });
 * ```
 * @public
 */
export function encodeTracesJson(groups: readonly ResourceSpans[]): Uint8Array {
  const w = new JsonWriter();
  w.ascii('{"resourceSpans":[');
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    if (g > 0) w.byte(COMMA);
    w.ascii('{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":');
    w.string(group.resource.serviceName);
    w.ascii("}}");
    const extra = group.resource.attributes;
    if (extra !== undefined) {
      for (const attribute of extra) {
        w.byte(COMMA);
        keyValue(w, attribute);
      }
    }
    w.ascii(']},"scopeSpans":[{"scope":{"name":');
    w.string(SCOPE_NAME);
    w.ascii(',"version":');
    w.string(SCOPE_VERSION);
    w.ascii('},"spans":[');
    const spans = group.spans;
    for (let i = 0; i < spans.length; i++) {
      if (i > 0) w.byte(COMMA);
      span(w, spans[i]!);
    }
    w.ascii("]}]}");
  }
  w.ascii("]}");
  return w.finish();
}

const COMMA = 0x2c;
const QUOTE = 0x22;

function span(w: JsonWriter, s: OtlpSpan): void {
  w.ascii('{"traceId":');
  w.string(s.traceId);
  w.ascii(',"spanId":');
  w.string(s.spanId);
  if (s.parentSpanId !== undefined) {
    w.ascii(',"parentSpanId":');
    w.string(s.parentSpanId);
  }
  w.ascii(',"flags":');
  w.ascii(String(s.flags));
  w.ascii(',"name":');
  w.string(s.name);
  w.ascii(',"kind":');
  w.ascii(String(s.kind));
  w.ascii(',"startTimeUnixNano":"');
  w.ascii(msToNanosString(s.startTimeMs));
  w.ascii('","endTimeUnixNano":"');
  w.ascii(msToNanosString(s.endTimeMs));
  w.byte(QUOTE);
  if (s.attributes.length > 0) {
    w.ascii(',"attributes":');
    keyValues(w, s.attributes);
  }
  if (s.events.length > 0) {
    w.ascii(',"events":[');
    for (let i = 0; i < s.events.length; i++) {
      if (i > 0) w.byte(COMMA);
      event(w, s.events[i]!);
    }
    w.byte(0x5d);
  }
  if (s.links.length > 0) {
    w.ascii(',"links":[');
    for (let i = 0; i < s.links.length; i++) {
      if (i > 0) w.byte(COMMA);
      link(w, s.links[i]!);
    }
    w.byte(0x5d);
  }
  // OTel's encoders always write the status, empty when unset.
  const status = s.status;
  w.ascii(',"status":{');
  if (status.message !== undefined) {
    w.ascii('"message":');
    w.string(status.message);
    if (status.code !== 0) w.byte(COMMA);
  }
  if (status.code !== 0) {
    w.ascii('"code":');
    w.ascii(String(status.code));
  }
  w.ascii("}}");
}

function event(w: JsonWriter, e: OtlpSpanEvent): void {
  w.ascii('{"timeUnixNano":"');
  w.ascii(msToNanosString(e.timeMs));
  w.ascii('","name":');
  w.string(e.name);
  if (e.attributes.length > 0) {
    w.ascii(',"attributes":');
    keyValues(w, e.attributes);
  }
  w.byte(0x7d);
}

function link(w: JsonWriter, l: SpanLinkInfo): void {
  w.ascii('{"traceId":');
  w.string(l.context.traceId);
  w.ascii(',"spanId":');
  w.string(l.context.spanId);
  if (l.attributes.length > 0) {
    w.ascii(',"attributes":');
    keyValues(w, l.attributes);
  }
  if (l.droppedAttributesCount > 0) {
    w.ascii(',"droppedAttributesCount":');
    w.ascii(String(l.droppedAttributesCount));
  }
  w.ascii(',"flags":');
  w.ascii(String((l.context.traceFlags & 0xff) | 0x100));
  w.byte(0x7d);
}

function keyValues(w: JsonWriter, attributes: readonly Attribute[]): void {
  w.byte(0x5b);
  for (let i = 0; i < attributes.length; i++) {
    if (i > 0) w.byte(COMMA);
    keyValue(w, attributes[i]!);
  }
  w.byte(0x5d);
}

function keyValue(w: JsonWriter, attribute: Attribute): void {
  w.ascii('{"key":');
  w.string(attribute.name);
  w.ascii(',"value":');
  anyValue(w, attribute.value);
  w.byte(0x7d);
}

function anyValue(w: JsonWriter, value: AttributeValue): void {
  switch (typeof value) {
    case "string":
      w.ascii('{"stringValue":');
      w.string(value);
      w.byte(0x7d);
      return;
    case "boolean":
      w.ascii(value ? '{"boolValue":true}' : '{"boolValue":false}');
      return;
    case "bigint":
      w.ascii('{"intValue":"');
      w.ascii(BigInt.asIntN(64, value).toString());
      w.ascii('"}');
      return;
    case "number":
      // Whole numbers are integers, as OTel's encoders have them (a span attribute set to 3 is an
      // int, 3.5 a double).
      if (Number.isSafeInteger(value) || isInt64(value)) {
        w.ascii('{"intValue":"');
        w.ascii(Number.isSafeInteger(value) ? String(value) : BigInt(value).toString());
        w.ascii('"}');
        return;
      }
      w.ascii('{"doubleValue":');
      // Proto3 JSON spells the non-finite doubles as strings.
      w.ascii(Number.isFinite(value) ? String(value) : '"' + String(value) + '"');
      w.byte(0x7d);
      return;
    default: {
      w.ascii('{"arrayValue":{"values":[');
      for (let i = 0; i < value.length; i++) {
        if (i > 0) w.byte(COMMA);
        anyValue(w, value[i]!);
      }
      w.ascii("]}}");
    }
  }
}

const utf8 = new TextEncoder();

// The writer's buffer is module state (encoding is synchronous), replaced after each call because
// the body is handed out as a view of it; plain variables are cheaper in the byte loops than an
// object's (private) fields.
const MIN_BYTES = 65536;
/** The largest buffer made ready for the next call; larger bodies grow it as they are written. */
const KEEP_BYTES = 4 * 1048576;
let buf = new Uint8Array(MIN_BYTES);
let pos = 0;

function reserve(bytes: number): void {
  if (pos + bytes <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + bytes) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
}

/**
 * Writes JSON text straight into UTF-8 bytes: no intermediate strings to join and encode. Most
 * strings are ASCII without anything to escape and are copied a char code at a time; the rest go
 * through `JSON.stringify` and `TextEncoder`.
 */
class JsonWriter {
  constructor() {
    pos = 0;
  }

  byte(value: number): void {
    reserve(1);
    buf[pos++] = value;
  }

  /** Syntax: ASCII text without anything to escape. */
  ascii(text: string): void {
    const length = text.length;
    reserve(length);
    const out = buf;
    let p = pos;
    for (let i = 0; i < length; i++) out[p++] = text.charCodeAt(i);
    pos = p;
  }

  /** A JSON string literal. */
  string(text: string): void {
    const length = text.length;
    reserve(length + 2);
    const out = buf;
    const start = pos;
    let p = start;
    out[p++] = QUOTE;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code >= 0x7f || code === QUOTE || code === 0x5c) {
        pos = start;
        this.#escaped(text);
        return;
      }
      out[p++] = code;
    }
    out[p++] = QUOTE;
    pos = p;
  }

  #escaped(text: string): void {
    // JSON.stringify escapes quotes, backslashes, controls and lone surrogates; UTF-8 is at most
    // three bytes per UTF-16 unit, an escape at most six.
    const literal = JSON.stringify(text);
    reserve(literal.length * 3);
    pos += utf8.encodeInto(literal, buf.subarray(pos)).written;
  }

  /**
   * The bytes written, as a view of the buffer they were written to; the next call writes to a
   * new buffer. Copying them out instead cost more than encoding them: a 512-span body is about
   * 280 KiB.
   */
  finish(): Uint8Array {
    const bytes = buf.subarray(0, pos);
    // Sized for a body like this one, so that the next writes rarely grow it.
    buf = new Uint8Array(Math.min(Math.max(MIN_BYTES, pos + (pos >> 3)), KEEP_BYTES));
    pos = 0;
    return bytes;
  }
}
