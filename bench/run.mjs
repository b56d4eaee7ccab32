#!/usr/bin/env node
// The workers-tracing benchmark: ns/op and bytes allocated/op of our tracing API against
// AsyncLocalStorage and the OpenTelemetry SDK, in one Node process, plus the retained memory of
// an open span, checked against the targets of the "Performance" issue. See README.md.
//
// usage: node run.mjs [--quick] [--rounds=N] [--only=op,...] [--json=path]
import { spawnSync } from "node:child_process";
import { Worker } from "node:worker_threads";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = "usage: node run.mjs [--quick] [--rounds=N] [--only=op,...] [--json=path]";

function fail(message) {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

// --- options -----------------------------------------------------------------------------------
const options = { quick: false, rounds: null, only: null, json: null };
// A lone "--" (what `pnpm bench -- --quick` passes through) is ignored.
for (const arg of process.argv.slice(2).filter((a) => a !== "--")) {
  const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
  if (match === null) fail(`unexpected argument "${arg}"; expected an option such as --quick or --only=op,...`);
  const [, name, value] = match;
  if (name === "help") {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } else if (name === "quick" && value === undefined) options.quick = true;
  else if (name === "rounds") {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 50) fail(`--rounds must be an integer from 1 to 50, received "${value}"`);
    options.rounds = n;
  } else if (name === "only") {
    if (!value) fail(`--only needs a comma-separated list of op names, received "${arg}"`);
    options.only = value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  } else if (name === "json") {
    if (!value) fail(`--json needs a file path, received "${arg}"`);
    options.json = value;
  } else fail(`unknown option "${arg}"; expected --quick, --rounds=N, --only=op,... or --json=path`);
}

// Allocation figures need gc(): re-run this script in a child with --expose-gc.
if (typeof globalThis.gc !== "function") {
  const child = spawnSync(
    process.execPath,
    ["--expose-gc", ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  process.exit(child.status ?? 1);
}

const { measureOp, median, fullGc } = await import("./lib/measure.mjs");
/** Imports a workspace package, with a one-line hint when it has not been built. */
async function load(name) {
  try {
    return await import(name);
  } catch (error) {
    process.stderr.write(
      `bench: cannot load ${name} (${error.code ?? error.message}); build the packages first: npx -y pnpm@10.34.8 build\n`,
    );
    process.exit(2);
  }
}
const { traceInvocation } = await load("@workers-tracing/core-context");
const { tracing } = await load("@workers-tracing/user-tracing");
const helpers = await load("@workers-tracing/tracing-helpers");

const quick = options.quick;
const rounds = options.rounds ?? (quick ? 1 : 5);
const measureOptions = quick
  ? { warmupMs: 100, budgetMs: 250, minSamples: 5, allocSamples: 3 }
  : { warmupMs: 250, budgetMs: 700, minSamples: 9, allocSamples: 5 };
const OPEN_SPANS = 100_000;
const startedAt = Date.now();
const progress = (text) =>
  process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);

// --- the sink and the traced batch -------------------------------------------------------------
let delivered = 0;
/** A TailSink that counts: every traced batch delivers its events here. */
const countingSink = {
  deliver() {
    delivered++;
  },
  close() {},
};
/** Runs one batch inside one traced invocation. */
const traced = (run) => traceInvocation({ tail: countingSink }, run);
const outside = (run) => run();

// --- op bodies (constant arguments hoisted, so the ops measure the API, not closures) ---------
const TEN_ATTRIBUTES = Object.freeze({
  "http.method": "GET",
  "http.status": 200,
  "http.url": "https://example.com/a/b",
  "db.system": "d1",
  "db.rows": 12,
  cached: false,
  "user.id": 42,
  region: "weur",
  retries: 0,
  "feature.flag": true,
});
const leafSync = (span) => {
  span.setAttribute("k", 1);
  return 1;
};
const leafAsync = async (span) => {
  span.setAttribute("k", 1);
  await null;
  return 1;
};
const nestC = () => tracing.enterSpan("c", leafSync);
const nestB = () => tracing.enterSpan("b", nestC);
const gen3 = async function* () {
  yield 1;
  yield 2;
  yield 3;
};
const drain = async (iterable) => {
  let sum = 0;
  for await (const v of iterable) sum += v;
  return sum;
};

// --- withSpan from tracing-helpers: does it keep the span open over an async generator? --------
async function probeWithSpan() {
  const withSpan = helpers.withSpan;
  if (typeof withSpan !== "function") {
    return { mode: "absent", note: "@workers-tracing/tracing-helpers exports no withSpan yet: row not measured" };
  }
  const events = [];
  let error;
  try {
    await traceInvocation({ tail: events }, async () => {
      let it = withSpan("g", async function* () {
        yield 1;
        tracing.startSpan("inner").end();
        yield 2;
        yield 3;
      });
      if (it !== null && typeof it === "object" && typeof it.then === "function") it = await it;
      if (it === null || typeof it !== "object" || typeof it[Symbol.asyncIterator] !== "function") {
        throw new TypeError(`withSpan returned ${typeof it}, not an async iterable`);
      }
      await drain(it);
    });
  } catch (e) {
    error = e;
  }
  const open = events.find((e) => e.event.type === "spanOpen" && e.event.name === "g");
  const innerAt = events.findIndex((e) => e.event.type === "spanOpen" && e.event.name === "inner");
  const closeAt =
    open === undefined
      ? -1
      : events.findIndex((e) => e.event.type === "spanClose" && e.spanContext.spanId === open.event.spanId);
  const supported =
    error === undefined &&
    open !== undefined &&
    innerAt >= 0 &&
    closeAt > innerAt &&
    events[innerAt].spanContext.spanId === open.event.spanId;
  if (supported)
    return { mode: "generator", withSpan, note: "withSpan keeps its span open and current while the generator runs" };
  const why =
    error !== undefined ? `it threw ${String(error)}` : "its span ends before the generator runs (spec §2.12)";
  return {
    mode: "asyncFn",
    withSpan,
    note: `withSpan does not support async generators yet (${why}): measured over an async fn with one await instead`,
  };
}

// --- the ops -----------------------------------------------------------------------------------
// phase: "first" (before anything else), "round" (repeated each round), "last" (after all rounds),
// "otel" (the OpenTelemetry ops, rounds of their own at the very end: the SDK calls
// AsyncLocalStorage.prototype.run with other callbacks and rest arguments, and once it has, the
// shared run() code is slower for everyone in the process; see README.md).
// ref: the ALS floor op for the "x ALS.run" ratio; otel: the OpenTelemetry counterpart;
// events / spans: what each op must deliver (tail events) or export (OTel spans), at least.
const OPS = [
  {
    name: "untraced",
    label: "tracing.enterSpan untraced (outside any invocation), measured first",
    phase: "first",
    group: "ours",
    async: false,
    wrap: outside,
    fn: () => tracing.enterSpan("s", leafSync),
    ref: "alsRunSync",
  },
  {
    name: "plainCall",
    label: "floor: plain function call (inlined: one loop iteration)",
    phase: "round",
    group: "floor",
    async: false,
  },
  {
    name: "alsRunSync",
    label: "floor: AsyncLocalStorage.run(store, syncFn)",
    phase: "round",
    group: "floor",
    async: false,
  },
  {
    name: "alsRunAsync",
    label: "floor: AsyncLocalStorage.run(store, async fn with one await)",
    phase: "round",
    group: "floor",
    async: true,
  },
  {
    name: "asyncSpanFloor",
    label:
      "floor: what a traced async span needs (ALS.run of an async fn, the returned then() promise, two clock reads)",
    phase: "round",
    group: "floor",
    async: true,
    ref: "alsRunAsync",
  },
  {
    name: "clockRead",
    label: "floor: one clock read, Date.now() (a traced span needs two)",
    phase: "round",
    group: "floor",
    async: false,
    ref: "alsRunSync",
  },
  {
    name: "enterSpanSync",
    label: "traced enterSpan, sync callback (setAttribute, return 1)",
    phase: "round",
    group: "ours",
    async: false,
    wrap: traced,
    fn: () => tracing.enterSpan("s", leafSync),
    ref: "alsRunSync",
    otel: "otelEnterSpanSync",
    events: 3,
  },
  {
    name: "enterSpanAsync",
    label: "traced enterSpan, async callback (setAttribute, await null)",
    phase: "round",
    group: "ours",
    async: true,
    wrap: traced,
    fn: () => tracing.enterSpan("s", leafAsync),
    ref: "alsRunAsync",
    otel: "otelEnterSpanAsync",
    events: 3,
  },
  {
    name: "nested3",
    label: "traced enterSpan nested 3 deep (3 spans)",
    phase: "round",
    group: "ours",
    async: false,
    wrap: traced,
    fn: () => tracing.enterSpan("a", nestB),
    ref: "alsRunSync",
    otel: "otelNested3",
    events: 7,
  },
  {
    name: "startSpanManual",
    label: "traced startSpan + setAttribute + end",
    phase: "round",
    group: "ours",
    async: false,
    wrap: traced,
    fn: () => {
      const s = tracing.startSpan("s");
      s.setAttribute("k", 1);
      s.end();
      return 1;
    },
    ref: "alsRunSync",
    otel: "otelStartSpanManual",
    events: 3,
  },
  {
    name: "setAttributes10",
    label: "traced startSpan + setAttributes (10 attributes) + end",
    phase: "round",
    group: "ours",
    async: false,
    wrap: traced,
    fn: () => {
      const s = tracing.startSpan("s");
      s.setAttributes(TEN_ATTRIBUTES);
      s.end();
      return 1;
    },
    ref: "alsRunSync",
    otel: "otelSetAttributes10",
    events: 3,
  },
];
// withSpan ops: which of them can run is known only after probeWithSpan() (mode "generator":
// asyncGen3 + withSpanGen3; "asyncFn": withSpanAsync). The probe traces an invocation, so it runs
// after the "first" phase.
let withSpan = null;
OPS.push(
  {
    name: "asyncGen3",
    label: "floor: drain a 3-step async generator (no span)",
    phase: "round",
    group: "floor",
    async: true,
    withSpanMode: "generator",
  },
  {
    name: "withSpanGen3",
    label: "traced withSpan over a 3-step async generator, drained",
    phase: "round",
    group: "ours",
    async: true,
    wrap: traced,
    fn: () => drain(withSpan("g", gen3)),
    ref: "alsRunAsync",
    events: 2,
    result: 6,
    base: "asyncGen3",
    withSpanMode: "generator",
  },
  {
    name: "withSpanAsync",
    label: "traced withSpan, async fn with one await (generators unsupported)",
    phase: "round",
    group: "ours",
    async: true,
    wrap: traced,
    fn: () => withSpan("w", leafAsync),
    ref: "alsRunAsync",
    events: 3,
    withSpanMode: "asyncFn",
  },
);
const OTEL_OPS = [
  ["otelEnterSpanSync", "OTel SDK startActiveSpan, sync callback, try/finally end", false],
  ["otelEnterSpanAsync", "OTel SDK startActiveSpan, async callback, try/finally end", true],
  ["otelNested3", "OTel SDK startActiveSpan nested 3 deep", false],
  ["otelStartSpanManual", "OTel SDK startSpan + setAttribute + end", false],
  ["otelSetAttributes10", "OTel SDK startSpan + setAttributes (10) + end", false],
];
const otelSpans = {
  otelEnterSpanSync: 1,
  otelEnterSpanAsync: 1,
  otelNested3: 3,
  otelStartSpanManual: 1,
  otelSetAttributes10: 1,
};
for (const [name, label, isAsync] of OTEL_OPS) {
  OPS.push({
    name,
    label,
    phase: "otel",
    group: "otel",
    async: isAsync,
    wrap: null,
    fn: null,
    ref: isAsync ? "alsRunAsync" : "alsRunSync",
    spans: otelSpans[name],
  });
}
OPS.push({
  name: "untracedAfterTraced",
  label: "tracing.enterSpan untraced, measured again after the traced ops",
  phase: "last",
  group: "ours",
  async: false,
  wrap: outside,
  fn: () => tracing.enterSpan("s", leafSync),
  ref: "alsRunSync",
});
const MEMORY = "openSpanMemory";
const byName = new Map(OPS.map((op) => [op.name, op]));

// --- which ops run -----------------------------------------------------------------------------
let selected = new Set([...byName.keys(), MEMORY]);
if (options.only !== null) {
  const known = [...byName.keys(), MEMORY];
  for (const name of options.only) {
    if (!known.includes(name)) fail(`unknown op "${name}" in --only; expected some of: ${known.join(", ")}`);
  }
  selected = new Set(options.only.filter((n) => byName.has(n) || n === MEMORY));
  // Pull in what the ratios and targets of the chosen ops are computed against.
  for (const name of [...selected]) {
    const op = byName.get(name);
    if (op === undefined) continue;
    for (const dep of [op.ref, op.otel, op.base, name === "nested3" ? "enterSpanSync" : undefined]) {
      if (dep !== undefined && byName.has(dep) && !selected.has(dep)) {
        selected.add(dep);
        progress(`--only: also measuring ${dep} (needed by ${name})`);
      }
    }
  }
}
let otel = null;

// --- measuring ---------------------------------------------------------------------------------
const results = new Map(); // name -> [{ round, nsPerOp, bytesPerOp, ... }]
const counters = new Map(); // name -> { opsRun, events, spans }
const isThenable = (v) => v !== null && typeof v === "object" && typeof v.then === "function";

async function measure(op, round) {
  // Probe once: the op must be sync or async as declared, and return what it should.
  let probe;
  const wrapped = op.wrap(() => {
    probe = op.fn();
    return probe;
  });
  if (isThenable(wrapped)) await wrapped;
  if (isThenable(probe) !== op.async) {
    throw new Error(
      `op ${op.name} returned ${isThenable(probe) ? "a promise" : "a non-promise"}, expected ${op.async ? "a promise" : "a plain value"}`,
    );
  }
  const value = op.async ? await probe : probe;
  const expected = op.result ?? 1;
  if (value !== expected) throw new Error(`op ${op.name} returned ${String(value)}, expected ${expected}`);

  const events0 = delivered;
  const spans0 = otel?.exported() ?? 0;
  const r = await measureOp(op.fn, { ...measureOptions, wrap: op.wrap, isAsync: op.async, name: op.name });
  const c = counters.get(op.name) ?? { opsRun: 0, events: 0, spans: 0 };
  c.opsRun += r.opsRun + 1;
  c.events += delivered - events0;
  c.spans += (otel?.exported() ?? 0) - spans0;
  counters.set(op.name, c);
  if (!results.has(op.name)) results.set(op.name, []);
  results.get(op.name).push({ round, ...r });
  progress(
    `${round === null ? "" : `round ${round + 1}/${rounds} `}${op.name.padEnd(20)} ${fmtNs(r.nsPerOp).padStart(8)} ns/op  ${fmtBytes(r.bytesPerOp).padStart(6)} B/op`,
  );
}

const run = (phase) => OPS.filter((op) => op.phase === phase && selected.has(op.name));
progress(`node ${process.version}, ${os.cpus().length} CPUs, ${rounds} round(s)${quick ? " (quick)" : ""}`);
// Nothing before this point has entered an AsyncLocalStorage or run a traced invocation.
for (const op of run("first")) await measure(op, null);

const withSpanProbe = await probeWithSpan();
withSpan = withSpanProbe.withSpan ?? null;
progress(withSpanProbe.note);
for (const op of OPS) {
  if (op.withSpanMode === undefined || op.withSpanMode === withSpanProbe.mode || !selected.has(op.name)) continue;
  selected.delete(op.name);
  if (options.only?.includes(op.name)) fail(`op "${op.name}" is not available in this build: ${withSpanProbe.note}`);
}
if (OPS.some((op) => op.group === "otel" && selected.has(op.name))) {
  otel = (await import("./lib/otel.mjs")).createOtel(TEN_ATTRIBUTES);
  for (const op of OPS) {
    if (op.group !== "otel") continue;
    op.wrap = otel.wrap;
    op.fn = otel.ops[op.name];
  }
}
/** Measures the floor ops in a fresh worker thread (a fresh isolate: see lib/floor-worker.mjs). */
async function measureFloor(names, round) {
  const worker = new Worker(new URL("./lib/floor-worker.mjs", import.meta.url), {
    workerData: { names, measureOptions },
  });
  const floor = await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the floor worker exited with code ${code} before reporting`)));
  });
  await worker.terminate();
  for (const name of names) {
    if (!results.has(name)) results.set(name, []);
    results.get(name).push({ round, ...floor[name] });
    progress(
      `round ${round + 1}/${rounds} ${name.padEnd(20)} ${fmtNs(floor[name].nsPerOp).padStart(8)} ns/op  ${fmtBytes(floor[name].bytesPerOp).padStart(6)} B/op  (floor worker)`,
    );
  }
}
for (let round = 0; round < rounds; round++) {
  const floorNames = run("round")
    .filter((op) => op.group === "floor")
    .map((op) => op.name);
  if (floorNames.length > 0) await measureFloor(floorNames, round);
  for (const op of run("round")) if (op.group !== "floor") await measure(op, round);
}
for (const op of run("last")) await measure(op, null);
for (let round = 0; round < rounds; round++) {
  for (const op of run("otel")) await measure(op, round);
}
otel?.park();

// Retained memory per open span: 100k spans started and held inside one traced invocation.
let memory = null;
if (selected.has(MEMORY)) {
  const heap = async () => {
    await fullGc(3);
    return process.memoryUsage().heapUsed;
  };
  const events0 = delivered;
  // Warm the code path first, so that compiled code and feedback do not count as span memory.
  await traced(async () => {
    const warm = [];
    for (let i = 0; i < 2000; i++) warm.push(tracing.startSpan("open"));
  });
  memory = await traced(async () => {
    const h0 = await heap();
    let keep = new Array(OPEN_SPANS); // exactly 8 bytes per slot, subtracted below
    for (let i = 0; i < OPEN_SPANS; i++) keep[i] = tracing.startSpan("open");
    const held = ((await heap()) - h0 - 8 * OPEN_SPANS) / OPEN_SPANS;
    if (keep.length !== OPEN_SPANS || keep[OPEN_SPANS - 1].isTraced !== true)
      throw new Error("open spans were not traced");
    // eslint-disable-next-line no-useless-assignment -- drops the last reference, so that the next heap reading no longer holds the spans
    keep = null;
    const dropped = ((await heap()) - h0) / OPEN_SPANS;
    return { held, dropped, h0 };
  });
  memory.afterInvocation = ((await heap()) - memory.h0) / OPEN_SPANS;
  memory.events = delivered - events0;
  delete memory.h0;
  progress(
    `${MEMORY}: ${memory.held.toFixed(1)} B held, ${memory.dropped.toFixed(1)} B once dropped (invocation open), ${memory.afterInvocation.toFixed(1)} B after it finished`,
  );
}

// --- aggregation -------------------------------------------------------------------------------
const summary = new Map();
for (const [name, list] of results) {
  const ns = list.map((r) => r.nsPerOp);
  summary.set(name, {
    ns: median(ns),
    nsLo: Math.min(...ns),
    nsHi: Math.max(...ns),
    bytes: median(list.map((r) => r.bytesPerOp)),
  });
}
/** Median over rounds of a per-round ratio a/b; ops measured once use the other's median. */
function ratio(a, b) {
  const ra = results.get(a);
  const rb = results.get(b);
  if (!ra || !rb) return null;
  if (ra.length === 1 && ra[0].round === null) return ra[0].nsPerOp / summary.get(b).ns;
  if (rb.length === 1 && rb[0].round === null) return summary.get(a).ns / rb[0].nsPerOp;
  const per = [];
  for (const x of ra) {
    const y = rb.find((r) => r.round === x.round);
    if (y) per.push(x.nsPerOp / y.nsPerOp);
  }
  return median(per);
}

function fmtNs(v) {
  if (v == null) return "-";
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return Math.round(v).toLocaleString("en-US");
}
function fmtX(v) {
  if (v == null) return "-";
  if (v < 10) return `${v.toFixed(2)}×`;
  if (v < 100) return `${v.toFixed(1)}×`;
  return `${Math.round(v).toLocaleString("en-US")}×`;
}
function fmtBytes(v) {
  if (v == null) return "-";
  if (Math.abs(v) < 1) return "0";
  return Math.round(v).toLocaleString("en-US");
}

// --- targets -----------------------------------------------------------------------------------
const targets = [];
const target = (text, value, shown, pass) => targets.push({ text, value, shown, pass: value == null ? null : pass });
for (const name of ["untraced", "untracedAfterTraced"]) {
  if (!summary.has(name)) continue;
  const when = name === "untraced" ? "first" : "after traced ops";
  const x = ratio(name, "alsRunSync");
  target(`untraced enterSpan (${when}) ≤ 0.3× ALS.run`, x, fmtX(x), x <= 0.3);
  const b = summary.get(name).bytes;
  target(
    `untraced enterSpan (${when}) allocates 0 B/call`,
    b,
    `${b == null ? "-" : b.toFixed(2)} B`,
    b !== null && Math.abs(b) < 1,
  );
}
{
  const x = ratio("enterSpanSync", "alsRunSync");
  target("traced sync enterSpan ≤ 20× ALS.run", x, fmtX(x), x <= 20);
  const f = ratio("otelEnterSpanSync", "enterSpanSync");
  target(
    "traced sync enterSpan ≥ 30× faster than OTel SDK startActiveSpan",
    f,
    f == null ? "-" : `${fmtX(f)} faster`,
    f >= 30,
  );
  const a = ratio("enterSpanAsync", "alsRunAsync");
  target("traced async enterSpan ≤ 1.5× ALS.run with one await", a, fmtX(a), a <= 1.5);
  const n = ratio("nested3", "enterSpanSync");
  target("nested3 ≤ 3× one traced sync span", n, fmtX(n), n <= 3);
  const m = memory?.held ?? null;
  target("retained memory per open span ≤ 128 B", m, m == null ? "-" : `${m.toFixed(1)} B`, m <= 128);
}

// --- correctness counters ----------------------------------------------------------------------
const checks = [];
for (const op of OPS) {
  const c = counters.get(op.name);
  if (c === undefined) continue;
  if (op.events !== undefined) {
    const perOp = c.events / c.opsRun;
    // Each batch adds its invocation's onset, return and outcome on top of the spans' events.
    checks.push({
      op: op.name,
      what: "tail events delivered",
      total: c.events,
      perOp,
      expected: op.events,
      pass: c.events > 0 && perOp >= op.events && perOp < op.events + 1,
    });
  } else if (op.spans !== undefined) {
    const perOp = c.spans / c.opsRun;
    checks.push({
      op: op.name,
      what: "OTel spans exported",
      total: c.spans,
      perOp,
      expected: op.spans,
      pass: c.spans > 0 && perOp >= op.spans && perOp < op.spans + 1,
    });
  } else if (op.group === "ours") {
    checks.push({
      op: op.name,
      what: "tail events delivered (untraced: none)",
      total: c.events,
      perOp: c.events / c.opsRun,
      expected: 0,
      pass: c.events === 0,
    });
  }
}
if (memory !== null) {
  checks.push({
    op: MEMORY,
    what: "tail events delivered",
    total: memory.events,
    perOp: memory.events / (OPEN_SPANS + 2000),
    expected: 2,
    pass: memory.events >= 2 * (OPEN_SPANS + 2000),
  });
}

// --- output ------------------------------------------------------------------------------------
const seconds = ((Date.now() - startedAt) / 1000).toFixed(0);
const out = [];
out.push(
  `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${rounds} round(s)${quick ? " (quick)" : ""}, ${seconds} s, one process.`,
  `ns/op: median of the per-round medians; "× ALS.run": sync ops vs alsRunSync, async ops vs alsRunAsync; "OTel ÷ this": how many times faster than the OTel SDK doing the same. Ratios are medians of per-round ratios.`,
  "",
  "| op | what | ns/op | range | B/op | × ALS.run | OTel ÷ this |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
);
const PHASES = ["first", "round", "last", "otel"];
const order = [...OPS].sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase));
for (const op of order) {
  const s = summary.get(op.name);
  if (s === undefined) continue;
  const x = op.ref ? ratio(op.name, op.ref) : null;
  const o = op.otel ? ratio(op.otel, op.name) : null;
  const range = results.get(op.name).length > 1 ? `${fmtNs(s.nsLo)}–${fmtNs(s.nsHi)}` : "-";
  out.push(
    `| ${op.name}${op.async ? " (async)" : ""} | ${op.label} | ${fmtNs(s.ns)} | ${range} | ${fmtBytes(s.bytes)} | ${fmtX(x)} | ${o == null ? "-" : fmtX(o)} |`,
  );
}
if (withSpanProbe.mode !== "generator") out.push("", `Note: ${withSpanProbe.note}.`);
if (summary.has("withSpanGen3") && summary.has("asyncGen3")) {
  out.push("", `withSpanGen3 costs ${fmtX(ratio("withSpanGen3", "asyncGen3"))} the bare generator drain (asyncGen3).`);
}
if (memory !== null) {
  out.push(
    "",
    `Open spans (${OPEN_SPANS.toLocaleString("en-US")} × startSpan('open') in one traced invocation, heapUsed after 3 full GCs): ` +
      `${memory.held.toFixed(1)} B per span held by us (array slot subtracted); ${memory.dropped.toFixed(1)} B per span still retained after we dropped them (invocation open); ` +
      `${memory.afterInvocation.toFixed(1)} B after the invocation finished.`,
  );
}
out.push("", "| target | measured | result |", "| --- | ---: | --- |");
for (const t of targets)
  out.push(`| ${t.text} | ${t.shown} | ${t.pass === null ? "not measured" : t.pass ? "PASS" : "MISS"} |`);
// Not a target: how far the async row is from its own floor (the async target counts that floor's
// then() promise and clock reads against us).
const floorNote = ratio("enterSpanAsync", "asyncSpanFloor");
if (floorNote != null) {
  out.push(
    "",
    `info  traced async enterSpan ÷ asyncSpanFloor (ALS.run + the returned promise + two clock reads): ${fmtX(floorNote)}`,
  );
}
out.push(
  "",
  "| correctness check | op | total | per op | expected per op | result |",
  "| --- | --- | ---: | ---: | ---: | --- |",
);
for (const c of checks)
  out.push(
    `| ${c.what} | ${c.op} | ${c.total.toLocaleString("en-US")} | ${c.perOp.toFixed(2)} | ${c.expected === 0 ? "0" : `≥ ${c.expected}`} | ${c.pass ? "ok" : "FAILED"} |`,
  );
process.stdout.write(out.join("\n") + "\n");

if (options.json) {
  const file = path.resolve(options.json);
  mkdirSync(path.dirname(file), { recursive: true });
  const json = {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    rounds,
    quick,
    seconds: Number(seconds),
    withSpan: { mode: withSpanProbe.mode, note: withSpanProbe.note },
    ops: Object.fromEntries(
      [...summary].map(([name, s]) => {
        const op = byName.get(name);
        return [
          name,
          {
            ...s,
            async: op.async,
            label: op.label,
            xAls: op.ref ? ratio(name, op.ref) : null,
            otelOverThis: op.otel ? ratio(op.otel, name) : null,
            perRound: results.get(name),
          },
        ];
      }),
    ),
    memory,
    targets,
    checks,
  };
  writeFileSync(file, JSON.stringify(json, null, 1));
  progress(`wrote ${file}`);
}
const failed = checks.filter((c) => !c.pass);
if (failed.length > 0) {
  process.stderr.write(`bench: correctness check failed for ${failed.map((c) => c.op).join(", ")}\n`);
  process.exit(1);
}
