/**
 * Text as a tail worker receives it. workerd stores strings as UTF-8 with a lone surrogate
 * encoded as its own 3-byte sequence (WTF-8), and the receiving side decodes that as UTF-8, so
 * a lone surrogate arrives as three U+FFFD and a character cut by a byte limit as one U+FFFD.
 * Every byte budget and every cut of user text (span names, attribute keys and values, link
 * attributes, status messages, the budget warning) goes through this module.
 */

const DECODER = new TextDecoder();
const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Texts up to this many UTF-16 units are measured in JavaScript rather than by a call into C++. */
const SHORT_TEXT = 32;

/**
 * The size of `text` in workerd's encoding: UTF-8, with a lone surrogate counted as 3 bytes.
 * @example
 * ```ts
 * wireByteLength("é"); // 2
 * ```
 * @beta
 */
export function wireByteLength(text: string): number {
  const length = text.length;
  // Buffer encodes a lone surrogate as U+FFFD, also 3 bytes.
  if (length > SHORT_TEXT) return Buffer.byteLength(text, "utf8");
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * The string a tail worker receives for `text`: `text` itself unless it holds a lone surrogate,
 * which arrives as three U+FFFD.
 * @example
 * ```ts
 * toWireText("a\ud800"); // "a\ufffd\ufffd\ufffd"
 * ```
 * @beta
 */
export function toWireText(text: string): string {
  return isWellFormed.call(text) ? text : text.replace(LONE_SURROGATE, "\ufffd\ufffd\ufffd");
}

/** Encodes `text` as workerd does, a lone surrogate as its own 3-byte sequence. */
function encodeWtf8(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i)!;
    if (c > 0xffff) i++;
    if (c < 0x80) bytes[n++] = c;
    else if (c < 0x800) {
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
 * The first `maxBytes` bytes of `text` in workerd's encoding, as the tail worker decodes them: a
 * character cut in two becomes one U+FFFD, a lone surrogate three.
 * @example
 * ```ts
 * cutWireText("ab€", 3); // "ab\ufffd"
 * ```
 * @beta
 */
export function cutWireText(text: string, maxBytes: number): string {
  if (isWellFormed.call(text)) {
    // Each UTF-16 unit encodes to at most 3 bytes.
    if (text.length * 3 <= maxBytes) return text;
    const bytes = Buffer.from(text, "utf8");
    return bytes.length <= maxBytes ? text : DECODER.decode(bytes.subarray(0, maxBytes));
  }
  const bytes = encodeWtf8(text);
  return DECODER.decode(bytes.length <= maxBytes ? bytes : bytes.subarray(0, maxBytes));
}
