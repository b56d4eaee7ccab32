import { getRandomValues } from "node:crypto";

/**
 * Produces the identifiers of traces, invocations and spans.
 * @remarks Inject one through {@link ExecutionContextOptions.ids} to get stable ids in tests.
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

const POOL_WORDS = 2048;
const pool = new Uint32Array(POOL_WORDS);
let poolIndex = POOL_WORDS;

function nextWord(): number {
  if (poolIndex === POOL_WORDS) {
    getRandomValues(pool);
    poolIndex = 0;
  }
  return pool[poolIndex++]!;
}

function hex8(word: number): string {
  return word.toString(16).padStart(8, "0");
}

function randomSpanId(): string {
  let high = nextWord();
  const low = nextWord();
  // An all-zero span id means "no span" on the wire.
  if (high === 0 && low === 0) high = 1;
  return hex8(high) + hex8(low);
}

function random128(): string {
  return hex8(nextWord()) + hex8(nextWord()) + hex8(nextWord()) + hex8(nextWord());
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
