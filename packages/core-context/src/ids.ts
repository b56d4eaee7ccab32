import { getRandomValues } from "node:crypto";

/**
 * Produces the identifiers of traces, invocations and spans.
 * @remarks Inject one through {@link IoContextOptions.ids} to get stable ids in tests.
 * @public
 */
export interface IdGenerator {
  /** Returns a new trace id: 32 lowercase hex digits. */
  traceId(): string;
  /** Returns a new invocation id: 32 lowercase hex digits. */
  invocationId(): string;
  /** Returns a new span id: 16 lowercase hex digits, never all zeros. */
  spanId(): string;
}

// Random bytes, drawn 64 KiB at a time (a call costs microseconds whatever its size).
const POOL_BYTES = 65536;
let bytes = new Uint8Array(0);
let words = new Uint32Array(0);
let next = 0;

/** The character codes of the lowercase hex digits. */
const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/** Returns the offset of 8 fresh random bytes that are not all zero, refilling the pool as needed. */
function takeWord(): number {
  let at = next;
  for (;;) {
    if (at === bytes.length) {
      if (bytes.length === 0) {
        bytes = new Uint8Array(POOL_BYTES);
        words = new Uint32Array(bytes.buffer);
      }
      getRandomValues(bytes);
      at = 0;
    }
    // An all-zero id means "no span" on the wire: skip it.
    if ((words[at >> 2]! | words[(at >> 2) + 1]!) !== 0) break;
    at += 8;
  }
  next = at + 8;
  return at;
}

/**
 * The 16 hex digits of the 8 bytes at `at`, as one flat string: a single `String.fromCharCode`
 * call costs about half of formatting a `BigInt`, and unlike a slice of a long pooled hex string,
 * an id retains nothing but itself.
 */
function hex16(at: number): string {
  const b = bytes;
  const h = HEX;
  return String.fromCharCode(
    h[b[at]! >> 4]!,
    h[b[at]! & 15]!,
    h[b[at + 1]! >> 4]!,
    h[b[at + 1]! & 15]!,
    h[b[at + 2]! >> 4]!,
    h[b[at + 2]! & 15]!,
    h[b[at + 3]! >> 4]!,
    h[b[at + 3]! & 15]!,
    h[b[at + 4]! >> 4]!,
    h[b[at + 4]! & 15]!,
    h[b[at + 5]! >> 4]!,
    h[b[at + 5]! & 15]!,
    h[b[at + 6]! >> 4]!,
    h[b[at + 6]! & 15]!,
    h[b[at + 7]! >> 4]!,
    h[b[at + 7]! & 15]!,
  );
}

function randomSpanId(): string {
  return hex16(takeWord());
}

function random128(): string {
  // Each half is non-zero, so the id is too (an all-zero trace id is invalid on the wire).
  const high = hex16(takeWord());
  return high + hex16(takeWord());
}

/**
 * The default {@link IdGenerator}: cryptographically random ids drawn from a pooled buffer.
 * @public
 */
export const RANDOM_IDS: IdGenerator = Object.freeze({
  traceId: random128,
  invocationId: random128,
  spanId: randomSpanId,
});

/**
 * Creates an {@link IdGenerator} that counts from 1, for tests that assert exact event streams.
 * @remarks Trace ids look like `"0000…0001"`; span ids count independently of trace and
 * invocation ids.
 * @example
 * ```ts
 * const ids = createSequentialIds();
 * ids.spanId(); // "0000000000000001"
 * ```
 * @public
 */
export function createSequentialIds(): IdGenerator {
  let traces = 0;
  let invocations = 0;
  let spans = 0;
  return {
    traceId: () => (++traces).toString(16).padStart(32, "0"),
    invocationId: () => (++invocations).toString(16).padStart(32, "0"),
    spanId: () => (++spans).toString(16).padStart(16, "0"),
  };
}
