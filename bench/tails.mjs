#!/usr/bin/env node
// Misbehaving streaming tails against workers-shim: how much each one costs the requests it
// observes, and what it holds in memory.
//
// Latency: `workers-shim serve` runs bench/tails/worker.js (GET /spans: 20 spans, about 5 ms of
// CPU) with one tail from bench/tails/ (noop, slow: 20 ms of CPU per event, hung: a ten-minute
// timer per event, alloc: keeps 64 KiB per event, loop: a synchronous endless loop, hostile:
// throws revoked proxies and booby-trapped errors); N sequential requests after a warm-up, each
// checked; the server's peak RSS. Memory: the same worker in this process (createRuntime and
// dispatchFetch), M requests per tail, the heap after full collections against the no-op tail's.
//
// Targets (the reliability issue): a slow tail leaves the median within max(3x, +150 ms) of the
// no-op tail's; a hung tail's heap stays bounded (the 32 MiB tail backlog, plus what the tail
// itself keeps per session); a looping tail is stopped and the server answers every request.
//
// usage: node --expose-gc --experimental-vm-modules bench/tails.mjs [--requests=N] [--heap-requests=M]
//                                                    [--only=noop,slow,...] [--json]
// Defaults: 40 requests, 3000 heap requests, every tail. Exit status 1 when a response was wrong
// or a target was missed, 2 on bad options.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, "../packages/workers-shim/dist/cli.js");
const KINDS = ["noop", "slow", "hung", "alloc", "loop", "hostile"];
const USAGE =
  "usage: node --expose-gc --experimental-vm-modules bench/tails.mjs [--requests=N] [--heap-requests=M] [--only=a,b] [--json]";
const MB = 1024 * 1024;

function fail(message) {
  process.stderr.write(`bench:tails: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const options = { requests: 40, heapRequests: 3000, only: KINDS, json: false };
for (const arg of process.argv.slice(2).filter((a) => a !== "--")) {
  const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
  if (match === null) fail(`unexpected argument "${arg}"`);
  const [, name, value] = match;
  if (name === "requests" || name === "heap-requests") {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) fail(`--${name} expects a positive integer, received "${value}"`);
    options[name === "requests" ? "requests" : "heapRequests"] = number;
  } else if (name === "only") {
    const kinds = (value ?? "").split(",");
    for (const kind of kinds)
      if (!KINDS.includes(kind)) fail(`--only expects tails among ${KINDS.join(", ")}, received "${kind}"`);
    options.only = KINDS.filter((kind) => kinds.includes(kind) || kind === "noop");
  } else if (name === "json") {
    options.json = true;
  } else {
    fail(`unknown option "--${name}"`);
  }
}
if (typeof globalThis.gc !== "function") fail("run with node --expose-gc --experimental-vm-modules");

function config(kind) {
  return {
    services: [
      {
        name: "main",
        worker: {
          modules: [{ name: "worker", esModule: "worker.js" }],
          compatibilityDate: "2026-11-01",
          streamingTails: ["tail"],
        },
      },
      {
        name: "tail",
        worker: { modules: [{ name: "tail", esModule: `tail-${kind}.js` }], compatibilityDate: "2026-11-01" },
      },
    ],
  };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

/** Serves the worker with one tail; sequential requests; the server's peak RSS. */
async function latency(kind) {
  const file = path.join(HERE, "tails", `.config-${kind}.json`);
  const { writeFileSync, rmSync } = await import("node:fs");
  writeFileSync(file, JSON.stringify(config(kind)));
  const child = spawn(process.execPath, [CLI, "serve", file, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const port = await new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (match !== null) resolve(Number(match[1]));
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const latencies = [];
  let wrong = 0;
  for (let i = 0; i < 5 + options.requests; i++) {
    const started = performance.now();
    const body = await fetch(`http://127.0.0.1:${port}/spans`, { signal: AbortSignal.timeout(30000) })
      .then((response) => response.text())
      .catch((error) => `failed: ${error.message}`);
    if (i >= 5) latencies.push(performance.now() - started);
    if (body !== "total 190") wrong++;
  }
  // The CLI runs the server in a child of its own (with --experimental-vm-modules).
  const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/);
  const server = children[0] === "" || children[0] === undefined ? child.pid : Number(children[0]);
  const status = readFileSync(`/proc/${server}/status`, "utf8");
  const peakRssMb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  rmSync(file, { force: true });
  latencies.sort((a, b) => a - b);
  const warnings = stderr.split("\n").filter((line) => line.startsWith("workers-shim: streaming tail worker")).length;
  return { medianMs: quantile(latencies, 0.5), p90Ms: quantile(latencies, 0.9), wrong, peakRssMb, warnings };
}

const shim = await import(pathToFileURL(path.join(HERE, "../packages/workers-shim/dist/index.js")).href).catch(() =>
  fail("packages/workers-shim/dist is missing: build first (npx -y pnpm@10.34.8 build)"),
);

async function settledHeap() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return process.memoryUsage().heapUsed;
}

/** The worker and one tail in this process: the heap after `heapRequests` requests. */
async function heap(kind) {
  const runtime = await shim.createRuntime(shim.validateConfig(config(kind), { baseDir: path.join(HERE, "tails") }), {
    onWarning: () => {},
  });
  const before = await settledHeap();
  let wrong = 0;
  for (let i = 0; i < options.heapRequests; i++) {
    const response = await runtime.dispatchFetch("main", "http://main/spans");
    if ((await response.text()) !== "total 190") wrong++;
  }
  const after = await settledHeap();
  await runtime.close(0);
  return { heapGrowthMb: (after - before) / MB, wrong };
}

const results = {};
for (const kind of options.only) {
  process.stderr.write(`bench:tails: ${kind}…\n`);
  results[kind] = { ...(await latency(kind)) };
  if (kind === "noop" || kind === "hung" || kind === "hostile") {
    const measured = await heap(kind);
    results[kind].heapGrowthMb = measured.heapGrowthMb;
    results[kind].wrong += measured.wrong;
  }
}

const noop = results.noop;
const checks = [];
const check = (name, target, value, pass) => checks.push({ name, target, value, pass });
for (const [kind, result] of Object.entries(results)) {
  check(`${kind}: every response correct`, "0 wrong", `${result.wrong} wrong`, result.wrong === 0);
}
if (results.slow !== undefined) {
  const limit = Math.max(3 * noop.medianMs, noop.medianMs + 150);
  check(
    "slow: median latency",
    `≤ ${limit.toFixed(1)} ms`,
    `${results.slow.medianMs.toFixed(1)} ms`,
    results.slow.medianMs <= limit,
  );
}
if (results.hung !== undefined) {
  // 32 MiB of backlog (an upper estimate) plus the timer the tail itself holds for every event.
  const limit = 96;
  check(
    `hung: heap after ${options.heapRequests} requests`,
    `≤ +${limit} MB`,
    `+${results.hung.heapGrowthMb.toFixed(1)} MB`,
    results.hung.heapGrowthMb <= limit,
  );
}
if (results.loop !== undefined) {
  check("loop: stopped, warned", "≥ 1 warning", `${results.loop.warnings}`, results.loop.warnings >= 1);
}

const fmt = (value, digits = 1) => (value === undefined || Number.isNaN(value) ? "–" : value.toFixed(digits));
const lines = [
  `## Misbehaving tails (${options.requests} sequential requests over HTTP; heap: ${options.heapRequests} requests in process)`,
  "",
  "| tail | median ms | p90 ms | × no-op | peak RSS MB | heap growth MB |",
  "| --- | ---: | ---: | ---: | ---: | ---: |",
  ...Object.entries(results).map(
    ([kind, r]) =>
      `| ${kind} | ${fmt(r.medianMs)} | ${fmt(r.p90Ms)} | ${fmt(r.medianMs / noop.medianMs, 2)} | ${fmt(r.peakRssMb, 0)} | ${fmt(r.heapGrowthMb)} |`,
  ),
  "",
  "| check | target | measured | |",
  "| --- | --- | --- | --- |",
  ...checks.map((c) => `| ${c.name} | ${c.target} | ${c.value} | ${c.pass ? "PASS" : "MISS"} |`),
];
process.stdout.write(`${lines.join("\n")}\n`);
if (options.json) process.stdout.write(`${JSON.stringify({ results, checks })}\n`);
process.exit(checks.every((c) => c.pass) ? 0 : 1);
