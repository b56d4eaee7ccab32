// Timing and allocation primitives for run.mjs: calibrated batches, warm-up, samples, median;
// bytes allocated per op from heapUsed deltas over chunks during which no GC ran.
// The method follows ../../../shared/bench/lib/measure.mjs (see README.md, "Method").
import { PerformanceObserver } from "node:perf_hooks";

const now = process.hrtime.bigint;
const AsyncFunction = (async () => {}).constructor;

let loops = 0;
/**
 * Returns a fresh loop function, so that every op gets its own call-site feedback (one shared
 * loop would turn polymorphic and change what V8 inlines). The source must differ per loop:
 * V8 caches `new Function` by source text, feedback included, so identical sources would share
 * one loop's feedback after all.
 */
export function makeLoop(isAsync, name = "op") {
  const body = `/* ${String(name).replace(/\*\//g, "")} #${++loops} */ let s; for (let i = 0; i < n; i++) s = ${isAsync ? "await " : ""}fn(); return s;`;
  return isAsync ? new AsyncFunction("fn", "n", body) : new Function("fn", "n", body);
}

let gcCount = 0;
const observer = new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
});
observer.observe({ entryTypes: ["gc"] });
// GC entries reach the observer after two setImmediate hops.
const tick = () => new Promise((resolve) => setImmediate(resolve));
export const flush = async () => {
  await tick();
  await tick();
};

/** Runs a full GC `times` times, letting finalizers and observers run in between. */
export async function fullGc(times = 3) {
  for (let i = 0; i < times; i++) {
    globalThis.gc();
    await tick();
  }
}

/** The median of a list of numbers (null for an empty list). */
export function median(values) {
  const sorted = values.filter((v) => v != null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const isThenable = (v) => v !== null && typeof v === "object" && typeof v.then === "function";

/** Runs `n` ops through `loop` inside `wrap` (which may return a promise) and returns elapsed ns. */
async function batch(loop, fn, n, wrap) {
  const t0 = now();
  const r = wrap(() => loop(fn, n));
  if (isThenable(r)) await r;
  return Number(now() - t0);
}

/**
 * Measures one op.
 * @param fn the op; called `n` times per batch by a fresh loop (awaited when `isAsync`).
 * @param opts `{ name, wrap, isAsync, targetBatchMs, warmupMs, budgetMs, minSamples, maxN, allocSamples, maxAllocChunk, rewarmMs }`
 *   (`name` only labels the loop's source);
 *   `wrap(run)` runs one whole batch (e.g. inside one traced invocation) and may return a promise.
 * @returns `{ nsPerOp, nsMin, samples, batchN, bytesPerOp, allocChunk, opsRun }`
 */
export async function measureOp(fn, opts) {
  const {
    wrap = (run) => run(),
    isAsync = false,
    targetBatchMs = 5,
    warmupMs = 250,
    budgetMs = 700,
    minSamples = 9,
    maxN = 5_000_000,
    allocSamples = 5,
    maxAllocChunk = 10_000,
    rewarmMs = 50,
  } = opts;
  const loop = makeLoop(isAsync, opts.name);
  let opsRun = 0;
  const timed = async (n) => {
    opsRun += n;
    return batch(loop, fn, n, wrap);
  };

  // Calibrate: grow n until one batch takes >= targetBatchMs.
  let n = 1;
  for (;;) {
    const ns = await timed(n);
    if (ns >= targetBatchMs * 1e6 || n >= maxN) break;
    n = Math.min(maxN, ns < 1e5 ? n * 10 : n * 2);
  }
  // Warm-up, then re-calibrate (ops usually get faster once optimised).
  const w0 = now();
  while (Number(now() - w0) < warmupMs * 1e6) await timed(n);
  for (;;) {
    const ns = await timed(n);
    if (ns >= targetBatchMs * 1e6 || n >= maxN) break;
    n = Math.min(maxN, n * 2);
  }
  // Samples: ns per op of each batch.
  const samples = [];
  const s0 = now();
  while (samples.length < minSamples || Number(now() - s0) < budgetMs * 1e6) {
    samples.push((await timed(n)) / n);
    if (!isAsync && samples.length % 8 === 0) await flush(); // let timers and I/O run
  }

  // Allocation: heapUsed delta over a chunk of ops; a chunk during which a GC ran is discarded
  // and the chunk halved. After each full GC the op runs unmeasured for `rewarmMs`: the GC can
  // deoptimise code that embedded objects it collected, and until V8 has optimised it again the
  // op allocates what its optimised code does not (an `arguments` object, say).
  let chunk = Math.min(n, maxAllocChunk);
  const alloc = [];
  let tries = 0;
  if (typeof globalThis.gc === "function") {
    while (alloc.length < allocSamples && tries < allocSamples * 8) {
      tries++;
      globalThis.gc();
      await flush();
      const w0 = now();
      do {
        const warm = wrap(() => loop(fn, chunk));
        if (isThenable(warm)) await warm;
        opsRun += chunk;
      } while (Number(now() - w0) < rewarmMs * 1e6);
      await flush();
      const gcBefore = gcCount;
      const h0 = process.memoryUsage().heapUsed;
      const r = wrap(() => loop(fn, chunk));
      if (isThenable(r)) await r;
      const h1 = process.memoryUsage().heapUsed;
      opsRun += chunk;
      await flush();
      if (gcCount !== gcBefore) {
        chunk = Math.max(20, chunk >> 1);
        alloc.length = 0;
        continue;
      }
      alloc.push((h1 - h0) / chunk);
    }
  }
  return {
    nsPerOp: median(samples),
    nsMin: Math.min(...samples),
    samples: samples.length,
    batchN: n,
    bytesPerOp: alloc.length > 0 ? median(alloc) : null,
    allocChunk: chunk,
    opsRun,
  };
}
