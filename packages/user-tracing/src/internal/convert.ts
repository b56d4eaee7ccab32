/** Argument conversion of spec §2.6 and the name cut of §2.7. */
import { cutWireText } from "@workers-tracing/core-context";

const MAX_NAME_BYTES = 64;

/** The `TypeError` workerd throws for a missing or wrongly typed argument. */
export function argumentError(method: string, receiver: string, position: number, type: string): TypeError {
  return new TypeError(
    `Failed to execute '${method}' on '${receiver}': parameter ${position} is not of type '${type}'.`,
  );
}

/** JavaScript `ToString`: throws workerd's (and V8's) TypeError for a Symbol. */
export function toStringValue(value: unknown): string {
  return typeof value === "string" ? value : `${value as string}`;
}

/**
 * An attribute value as stored: booleans and numbers kept, `undefined` skipped, rest `ToString`.
 * Strings stay raw: the span record budgets them in workerd's byte count before it encodes them.
 */
export function toAttributeValue(value: unknown): string | number | boolean | undefined {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "undefined":
      return value;
    case "bigint":
      throw new TypeError("Cannot convert a BigInt value to a number");
    default:
      return `${value as string}`;
  }
}

/** A span name as delivered: converted, then cut at 64 UTF-8 bytes (a split character becomes U+FFFD). */
export function toSpanName(value: unknown): string {
  return cutWireText(toStringValue(value), MAX_NAME_BYTES);
}

const TRACE_ID = /^[0-9a-fA-F]{32}$/;
const SPAN_ID = /^[0-9a-fA-F]{16}$/;
const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/** The most links one `addLinks()` call takes; a longer array is ignored with a warning. */
export const MAX_LINKS_PER_CALL = 512;

/** The host warning of an `addLinks()` array over {@link MAX_LINKS_PER_CALL} items (workerd's text). */
export const TOO_MANY_LINKS = `Ignoring span links: arrays may contain at most ${MAX_LINKS_PER_CALL} elements.`;

/** A raw link as the span record takes it: ids checked and lowercased, attribute strings raw. */
export interface LinkInput {
  readonly context: { readonly traceId: string; readonly spanId: string; readonly traceFlags: number };
  readonly attributes: { readonly name: string; readonly value: string | number | boolean }[];
  readonly droppedAttributesCount: number;
}

/**
 * Reads a `{context, attributes}` link as workerd 2026-11-23 does, or returns `undefined` for one
 * it ignores: a non-object, a missing context, ids that are not 32 / 16 hex digits or all zeros,
 * trace flags that are not an integer 0–255. Attribute values other than strings, numbers and
 * booleans are dropped and counted (`undefined` is skipped uncounted); a given
 * `droppedAttributesCount` is ignored.
 */
export function toLinkInput(link: unknown): LinkInput | undefined {
  if (link === null || typeof link !== "object") return undefined;
  const context = (link as { context?: unknown }).context;
  if (context === null || typeof context !== "object") return undefined;
  const { traceId, spanId, traceFlags } = context as { traceId?: unknown; spanId?: unknown; traceFlags?: unknown };
  if (typeof traceId !== "string" || !TRACE_ID.test(traceId)) return undefined;
  if (typeof spanId !== "string" || !SPAN_ID.test(spanId)) return undefined;
  if (typeof traceFlags !== "number" || !Number.isInteger(traceFlags) || traceFlags < 0 || traceFlags > 255)
    return undefined;
  const trace = traceId.toLowerCase();
  const span = spanId.toLowerCase();
  if (trace === ZERO_TRACE_ID || span === ZERO_SPAN_ID) return undefined;
  const attributes: { name: string; value: string | number | boolean }[] = [];
  let dropped = 0;
  const given = (link as { attributes?: unknown }).attributes;
  if (given !== null && typeof given === "object") {
    for (const name of Object.keys(given)) {
      const value = (given as Record<string, unknown>)[name];
      const type = typeof value;
      if (type === "string" || type === "number" || type === "boolean") {
        attributes.push({ name, value: value as string | number | boolean });
      } else if (type !== "undefined") {
        dropped++;
      }
    }
  }
  return {
    context: { traceId: trace, spanId: span, traceFlags: traceFlags | 0 },
    attributes,
    droppedAttributesCount: dropped,
  };
}
