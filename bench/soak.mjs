#!/usr/bin/env node
// Memory soak: many invocations on one Durable Object through workers-shim, each leaving an
// enterSpan on a never-settling promise and an unended startSpan span behind (and logging once),
// with a streaming tail attached. Prints the heap after GC as it goes; fails (exit 1) if the heap
// after the invocations ended exceeds the heap after the warm-up by more than the allowed growth.
//
// Each request enters through the worker's default export, which forwards it to the object.
//
// usage: node --expose-gc --experimental-vm-modules bench/soak.mjs [--invocations=N] [--every=N] [--max-growth-mb=X]
//                                        [--concurrency=N] [--json]
// Defaults: 1,000,000 invocations, a line every 100,000, 1 MB allowed growth, 64 in flight.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const USAGE =
  "usage: node --expose-gc --experimental-vm-modules bench/soak.mjs [--invocations=N] [--every=N] [--max-growth-mb=X] [--concurrency=N] [--json]";

function fail(message, status = 2) {
  process.stderr.write(`soak: ${message}\n${USAGE}\n`);
  process.exit(status);
}

const options = {
  invocations: 1_000_000,
  every: 100_000,
  maxGrowthMb: 1,
  concurrency: 64,
  warmup: 20_000,
  json: false,
};
for (const arg of process.argv.slice(2).filter((a) => a !== "--")) {
  const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
  if (match === null) fail(`unexpected argument "${arg}"`);
  const [, name, value] = match;
  const number = Number(value);
  switch (name) {
    case "invocations":
    case "every":
    case "concurrency":
    case "warmup":
      if (!Number.isInteger(number) || number < (name === "warmup" ? 0 : 1))
        fail(`--${name} expects a positive integer, received "${value}"`);
      options[name] = number;
      break;
    case "max-growth-mb":
      if (!Number.isFinite(number) || number < 0)
        fail(`--max-growth-mb expects a number of megabytes, received "${value}"`);
      options.maxGrowthMb = number;
      break;
    case "json":
      options.json = true;
      break;
    case "help":
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
      break;
    default:
      fail(`unknown option "--${name}"`);
  }
}
if (typeof globalThis.gc !== "function") fail("run with node --expose-gc");

const shim = await import(pathToFileURL(path.join(HERE, "../packages/workers-shim/dist/index.js")).href).catch(() =>
  fail("packages/workers-shim/dist is missing: build first (npx -y pnpm@10.34.8 build)"),
);

const MB = 1024 * 1024;

// The object logs once per request; its console prints through this one and still reports every call.
console.log = () => {};

const config = shim.validateConfig(
  {
    services: [
      {
        name: "main",
        worker: {
          modules: [{ name: "worker", esModule: "worker.js" }],
          compatibilityDate: "2026-11-01",
          bindings: [{ name: "SOAK", durableObjectNamespace: "Soak" }],
          durableObjectNamespaces: [{ className: "Soak", uniqueKey: "soak" }],
          durableObjectStorage: { inMemory: true },
          streamingTails: ["tail"],
        },
      },
      { name: "tail", worker: { modules: [{ name: "worker", esModule: "tail.js" }], compatibilityDate: "2026-11-01" } },
    ],
  },
  { baseDir: path.join(HERE, "soak") },
);
const warnings = [];
const runtime = await shim.createRuntime(config, { onWarning: (message) => warnings.push(message) });
/** The tail worker's counts of events and of the object's outcomes. */
async function tailCounts() {
  const response = await runtime.dispatchFetch("tail", "http://tail/counts");
  return response.json();
}

let sent = 0;
async function invoke(count) {
  const target = sent + count;
  const worker = async () => {
    while (sent < target) {
      sent++;
      const response = await runtime.dispatchFetch("main", "http://soak/");
      if ((await response.text()) !== "ok") throw new Error("the object answered something else");
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
}

/** Lets pending deliveries finish, then measures the heap after full collections. */
async function settledHeap() {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return process.memoryUsage().heapUsed;
}

const started = process.hrtime.bigint();
const curve = [];
const mb = (bytes) => (bytes / MB).toFixed(2);

await invoke(Math.min(options.warmup, options.invocations));
const baseline = await settledHeap();
process.stderr.write(
  `soak: ${options.invocations} invocations, ${options.concurrency} in flight; heap after warm-up (${sent}): ${mb(baseline)} MB\n`,
);
curve.push({ invocations: sent, heapMb: Number(mb(baseline)) });

while (sent < options.invocations) {
  const step = Math.min(options.every - (sent % options.every), options.invocations - sent);
  await invoke(step);
  if (sent % options.every === 0 || sent === options.invocations) {
    const heap = await settledHeap();
    curve.push({ invocations: sent, heapMb: Number(mb(heap)) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stderr.write(
      `soak: ${String(sent).padStart(9)} invocations  heap ${mb(heap).padStart(7)} MB  (${(heap - baseline >= 0 ? "+" : "") + mb(heap - baseline)} MB)  ${Math.round(sent / seconds)}/s\n`,
    );
  }
}

// Every invocation must have ended with its outcome; the tail saw each of them.
const deadline = Date.now() + 10000;
while ((await tailCounts()).outcomes < sent && Date.now() < deadline)
  await new Promise((resolve) => setTimeout(resolve, 10));
const final = await settledHeap();
const growth = final - baseline;
const { outcomes } = await tailCounts();
await runtime.close();

const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const ok = growth <= options.maxGrowthMb * MB && outcomes === sent && warnings.length === 0;
const summary = {
  invocations: sent,
  outcomes,
  seconds: Number(seconds.toFixed(1)),
  baselineMb: Number(mb(baseline)),
  finalMb: Number(mb(final)),
  growthMb: Number(mb(growth)),
  maxGrowthMb: options.maxGrowthMb,
  warnings: warnings.length,
  curve,
  ok,
};
if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
process.stderr.write(
  `soak: ${sent} invocations in ${summary.seconds} s, ${outcomes} outcomes; heap after the run ${mb(final)} MB, growth ${mb(growth)} MB (limit ${options.maxGrowthMb} MB): ${ok ? "ok" : "FAILED"}\n`,
);
for (const warning of warnings.slice(0, 5)) process.stderr.write(`soak: runtime warning: ${warning}\n`);
process.exit(ok ? 0 : 1);
