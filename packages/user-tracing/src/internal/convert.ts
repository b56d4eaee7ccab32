/** Argument conversion of spec §2.6 and the name cut of §2.7. */

const MAX_NAME_BYTES = 64;
const DECODER = new TextDecoder();

/** The `TypeError` workerd throws for a missing or wrongly typed argument. */
export function argumentError(method: string, receiver: string, position: number, type: string): TypeError {
  return new TypeError(`Failed to execute '${method}' on '${receiver}': parameter ${position} is not of type '${type}'.`);
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

const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed;

/** Encodes like workerd: UTF-8, with a lone surrogate as its own 3-byte sequence. */
function encodeWtf8(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) {
      bytes[n++] = c;
    } else if (c < 0x800) {
      bytes[n++] = 0xc0 | (c >> 6);
      bytes[n++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      bytes[n++] = 0xe0 | (c >> 12);
      bytes[n++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[n++] = 0x80 | (c & 0x3f);
    } else {
      bytes[n++] = 0xf0 | (c >> 18);
      bytes[n++] = 0x80 | ((c >> 12) & 0x3f);
      bytes[n++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[n++] = 0x80 | (c & 0x3f);
    }
  }
  return bytes.subarray(0, n);
}

/**
 * The string a tail worker receives for `text`: a lone surrogate comes back as three U+FFFD, as
 * workerd's 3-byte encoding of it is decoded there.
 */
export function toWire(text: string): string {
  return isWellFormed.call(text) ? text : DECODER.decode(encodeWtf8(text));
}

/** A span name as delivered: converted, then cut at 64 UTF-8 bytes (a split character becomes U+FFFD). */
export function toSpanName(value: unknown): string {
  const text = toStringValue(value);
  // 21 UTF-16 units encode to at most 63 bytes.
  if (text.length <= 21) return toWire(text);
  if (isWellFormed.call(text)) {
    if (Buffer.byteLength(text, "utf8") <= MAX_NAME_BYTES) return text;
    return DECODER.decode(Buffer.from(text, "utf8").subarray(0, MAX_NAME_BYTES));
  }
  const bytes = encodeWtf8(text);
  return DECODER.decode(bytes.length <= MAX_NAME_BYTES ? bytes : bytes.subarray(0, MAX_NAME_BYTES));
}
