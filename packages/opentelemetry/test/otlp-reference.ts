// OpenTelemetry's own OTLP code, for cross-checking this package's encoders and decoding what
// the exporter sends: otlp-transformer's serializers and the protobuf decoder it ships.
import { createRequire } from "node:module";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { AttributeValue } from "@workers-tracing/core-context";
import type { OtlpSpan, ResourceSpans } from "../src/index";

interface Decoder {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: { longs: StringConstructor }): unknown;
}

const require = createRequire(import.meta.url);
const root = require("@opentelemetry/otlp-transformer/build/src/generated/root.js") as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: Decoder } } } } };
};
const REQUEST = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** Decodes an OTLP protobuf trace request with OTel's generated decoder, normalised. */
export function decodeProtobuf(bytes: Uint8Array): unknown {
  return normalize(REQUEST.toObject(REQUEST.decode(bytes), { longs: String }));
}

/** Parses an OTLP JSON trace request, normalised like {@link decodeProtobuf}. */
export function decodeJson(text: string | Uint8Array): unknown {
  return normalize(JSON.parse(typeof text === "string" ? text : new TextDecoder().decode(text)));
}

const LONG_KEYS = new Set(["intValue", "startTimeUnixNano", "endTimeUnixNano", "timeUnixNano"]);

/**
 * One shape for both decodings: bytes as lowercase hex, 64-bit integers as decimal strings, and
 * fields with proto3 default values (zero, empty) left out, as the wire format cannot tell them
 * from absent ones.
 */
function normalize(value: unknown, key = ""): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (Array.isArray(value)) return value.map((item) => normalize(item));
  // A JSON number is a double: its exact integer value, as a protobuf int64 would hold it.
  if (typeof value === "number" && LONG_KEYS.has(key)) return BigInt(value).toString();
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      if (v === 0 && !LONG_KEYS.has(k) && k !== "doubleValue") continue;
      if (v === "" && k !== "stringValue") continue;
      if (Array.isArray(v) && v.length === 0) continue;
      out[k] = normalize(v, k);
    }
    return out;
  }
  return value;
}

type OtelValue = string | number | boolean | (string | number | boolean)[];

function otelValue(value: AttributeValue): OtelValue {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value))
    return value.map((v: string | number | boolean | bigint) => (typeof v === "bigint" ? Number(v) : v));
  return value;
}

const hrTime = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];

/** The same spans as OTel SDK `ReadableSpan`s (OTel has no `bigint` values: they become numbers). */
export function toReadableSpans(groups: readonly ResourceSpans[]): unknown[] {
  return groups.flatMap((group) => {
    const resource = {
      attributes: Object.fromEntries(
        [{ name: "service.name", value: group.resource.serviceName }, ...(group.resource.attributes ?? [])].map((a) => [
          a.name,
          otelValue(a.value),
        ]),
      ),
    };
    return group.spans.map((span: OtlpSpan) => ({
      name: span.name,
      kind: span.kind - 1,
      spanContext: () => ({ traceId: span.traceId, spanId: span.spanId, traceFlags: span.flags & 0xff }),
      parentSpanContext:
        span.parentSpanId === undefined
          ? undefined
          : {
              traceId: span.traceId,
              spanId: span.parentSpanId,
              traceFlags: span.flags & 0xff,
              isRemote: (span.flags & 0x200) !== 0,
            },
      startTime: hrTime(span.startTimeMs),
      endTime: hrTime(span.endTimeMs),
      duration: hrTime(span.endTimeMs - span.startTimeMs),
      ended: true,
      status: span.status,
      attributes: Object.fromEntries(span.attributes.map((a) => [a.name, otelValue(a.value)])),
      links: span.links.map((link) => ({
        context: link.context,
        attributes: Object.fromEntries(link.attributes.map((a) => [a.name, otelValue(a.value)])),
        droppedAttributesCount: link.droppedAttributesCount,
      })),
      events: span.events.map((event) => ({
        name: event.name,
        time: hrTime(event.timeMs),
        attributes: Object.fromEntries(event.attributes.map((a) => [a.name, otelValue(a.value)])),
      })),
      resource,
      instrumentationScope: { name: "@workers-tracing/opentelemetry", version: __PACKAGE_VERSION__ },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    }));
  });
}

declare const __PACKAGE_VERSION__: string;

/** OTel's own JSON and protobuf bodies for the same spans. */
export function referenceBodies(groups: readonly ResourceSpans[]): { json: Uint8Array; protobuf: Uint8Array } {
  const spans = toReadableSpans(groups) as Parameters<typeof JsonTraceSerializer.serializeRequest>[0];
  return {
    json: JsonTraceSerializer.serializeRequest(spans)!,
    protobuf: ProtobufTraceSerializer.serializeRequest(spans)!,
  };
}
