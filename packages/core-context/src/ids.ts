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

// Random 64-bit words, drawn 64 KiB at a time (a call costs microseconds whatever its size).
// `BigInt.prototype.toString(16)` turns one into a flat 16-character string: cheaper than
// formatting 32-bit halves with `Number.prototype.toString(16)`, and, unlike a slice of a long
// pooled hex string, an id retains nothing but itself.
const POOL_WORDS = 8192;
let pool = new BigUint64Array(0);
let next = 0;

function nextWord(): bigint {
  if (next === pool.length) {
    if (pool.length === 0) pool = new BigUint64Array(POOL_WORDS);
    getRandomValues(pool);
    next = 0;
  }
  return pool[next++]!;
}

function hex16(word: bigint): string {
  const hex = word.toString(16);
  return hex.length === 16 ? hex : hex.padStart(16, "0");
}

function randomSpanId(): string {
  let word = nextWord();
  // An all-zero span id means "no span" on the wire: draw again.
  while (word === 0n) word = nextWord();
  return hex16(word);
}

function random128(): string {
  return hex16(nextWord()) + hex16(nextWord());
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
