#!/usr/bin/env node
// `pnpm bench:serve`: the same worker (bench/serve/worker/) served by `workers-shim serve` and by
// `workerd serve`, with and without a streaming tail worker, under the same bounded load on
// loopback (bench/serve/load.mjs, a separate process). Prints requests/s and latency per
// configuration and the two throughput targets with PASS/MISS.
//
// usage: node bench/serve/run.mjs [--connections N] [--duration S] [--warmup S] [--rounds N]
//                                 [--only a,b] [--json path]
//        node bench/serve/run.mjs --long [--connections N] [--duration S] [--json path]
// See bench/README.md ("Serving under load").
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startShim, startWorkerd } from "./servers.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LOAD = path.join(HERE, "load.mjs");
const WORKER = path.join(HERE, "worker");

/** The four configurations, in the order a round runs them. */
export const CONFIGS = [
  { name: "shim-untraced", runtime: "shim", traced: false, config: path.join(WORKER, "untraced.json") },
  { name: "shim-traced", runtime: "shim", traced: true, config: path.join(WORKER, "traced.json") },
  { name: "workerd-untraced", runtime: "workerd", traced: false, config: path.join(WORKER, "untraced.json") },
  { name: "workerd-traced", runtime: "workerd", traced: true, config: path.join(WORKER, "traced.json") },
];

const TARGETS = [
  { name: "shim traced ÷ workerd traced (req/s)", num: "shim-traced", den: "workerd-traced", min: 1.0 },
  { name: "shim traced ÷ shim untraced (req/s)", num: "shim-traced", den: "shim-untraced", min: 0.9 },
];

const USAGE =
  "usage: node bench/serve/run.mjs [--connections N] [--duration S] [--warmup S] [--rounds N] [--only shim-traced,...] [--long] [--json path]";

function fail(message) {
  process.stderr.write(`bench:serve: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = {
    connections: undefined,
    duration: undefined,
    warmup: 1,
    rounds: 1,
    only: undefined,
    long: false,
    json: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") continue;
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (match === null) fail(`unexpected argument ${JSON.stringify(arg)}`);
    const name = match[1];
    if (name === "help") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (name === "long") {
      options.long = true;
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) fail(`--${name} expects a value, received nothing`);
    const number = Number(value);
    const integer = (min, max, what) => {
      if (!Number.isInteger(number) || number < min || number > max)
        fail(`--${name} expects ${what} from ${min} to ${max}, received ${JSON.stringify(value)}`);
      return number;
    };
    switch (name) {
      case "connections":
        options.connections = integer(1, 1024, "an integer");
        break;
      case "duration":
        options.duration = integer(1, 600, "a whole number of seconds");
        break;
      case "warmup":
        options.warmup = integer(0, 600, "a whole number of seconds");
        break;
      case "rounds":
        options.rounds = integer(1, 20, "an integer");
        break;
      case "only": {
        const names = value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = names.filter((n) => !CONFIGS.some((c) => c.name === n));
        if (names.length === 0 || unknown.length > 0) {
          fail(
            `--only expects a comma-separated list of ${CONFIGS.map((c) => c.name).join(", ")}, received ${JSON.stringify(value)}`,
          );
        }
        options.only = names;
        break;
      }
      case "json":
        options.json = path.resolve(value);
        break;
      default:
        fail(`unknown option "--${name}"`);
    }
  }
  options.connections ??= options.long ? 64 : 32;
  options.duration ??= options.long ? 10 : 5;
  return options;
}

/** Runs load.mjs in a child process; resolves its JSON result. */
export function runLoadProcess(url, { connections, duration, warmup, start = 0 }) {
  return new Promise((resolve, reject) => {
    const args = [
      LOAD,
      "--url",
      url,
      "--connections",
      String(connections),
      "--duration",
      String(duration),
      "--warmup",
      String(warmup),
      "--start",
      String(start),
    ];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      const line = stdout.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`the load generator exited with ${code} without a result: ${stderr.trim() || stdout.trim()}`));
      }
    });
  });
}

/** User + system CPU seconds of a process (all its threads), from /proc; undefined elsewhere. */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of proc(5) (utime, stime), counted from after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The last `tail: <sessions> sessions, <events> events` line a bench tail printed. */
function tailCounts(stdout) {
  const lines = [...stdout.matchAll(/^tail: (\d+) sessions, (\d+) events$/gm)];
  const last = lines.at(-1);
  return last === undefined ? undefined : { sessions: Number(last[1]), events: Number(last[2]) };
}

/** One configuration: start its server, warm up, measure, stop. */
export async function measure(config, options) {
  const server = config.runtime === "shim" ? await startShim(config.config) : await startWorkerd(config.config);
  try {
    let start = 0;
    if (options.warmup > 0) {
      const warm = await runLoadProcess(server.url, {
        connections: options.connections,
        duration: options.warmup,
        warmup: 0,
      });
      if (warm.failed > 0)
        throw new Error(`${config.name}: ${warm.failed} failed requests in the warm-up: ${warm.examples.join("; ")}`);
      start = warm.next;
    }
    const cpuBefore = cpuSeconds(server.pid);
    const load = await runLoadProcess(server.url, {
      connections: options.connections,
      duration: options.duration,
      warmup: 0,
      start,
    });
    const cpuAfter = cpuSeconds(server.pid);
    if (load.failed > 0) throw new Error(`${config.name}: ${load.failed} failed requests: ${load.examples.join("; ")}`);
    const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    return { ...load, serverCpuS: cpu, tail: tailCounts(server.stdout()) };
  } finally {
    const stopped = await server.stop();
    if (stopped.code !== 0 && stopped.signal !== "SIGTERM" && config.runtime === "shim") {
      process.stderr.write(
        `${config.name}: the server exited with ${stopped.code ?? stopped.signal}: ${stopped.stderr.trim().split("\n").slice(-3).join(" | ")}\n`,
      );
    }
  }
}

export const median = (values) => {
  const sorted = values.filter((v) => v !== undefined && !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const fmt = (value, digits = 0) =>
  value === undefined || Number.isNaN(value)
    ? "–"
    : value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) =>
    `| ${r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(" | ")} |`;
  return [
    line(rows[0]),
    `|${widths.map((w, i) => (i === 0 ? ` ${"-".repeat(w)} ` : ` ${"-".repeat(w - 1)}: `)).join("|")}|`,
    ...rows.slice(1).map(line),
  ].join("\n");
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.long) {
    const { runLong } = await import("./long.mjs");
    process.exitCode = await runLong(options);
    return;
  }
  const configs = options.only === undefined ? CONFIGS : CONFIGS.filter((c) => options.only.includes(c.name));
  const results = new Map(configs.map((c) => [c.name, []]));
  process.stderr.write(
    `bench:serve: ${configs.length} configurations × ${options.rounds} round(s), ${options.connections} connections, ` +
      `${options.warmup} s warm-up + ${options.duration} s each\n`,
  );
  for (let round = 1; round <= options.rounds; round++) {
    for (const config of configs) {
      process.stderr.write(`  round ${round}: ${config.name} …`);
      const result = await measure(config, options);
      results.get(config.name).push(result);
      process.stderr.write(` ${fmt(result.rps)} req/s\n`);
    }
  }

  const rows = [
    ["configuration", "req/s", "p50 ms", "p99 ms", "server CPU ms/req", "tail events/session", "rounds (req/s)"],
  ];
  for (const config of configs) {
    const runs = results.get(config.name);
    const tail = runs.at(-1).tail;
    rows.push([
      config.name,
      fmt(median(runs.map((r) => r.rps))),
      fmt(median(runs.map((r) => r.latencyMs.p50)), 2),
      fmt(median(runs.map((r) => r.latencyMs.p99)), 2),
      fmt(median(runs.map((r) => (r.serverCpuS === undefined ? undefined : (r.serverCpuS * 1000) / r.requests))), 3),
      config.traced ? (tail === undefined ? "none seen" : fmt(tail.events / tail.sessions, 1)) : "",
      runs.map((r) => fmt(r.rps)).join(", "),
    ]);
  }
  process.stdout.write(`\n${table(rows)}\n\n`);

  const checks = [];
  for (const target of TARGETS) {
    if (!results.has(target.num) || !results.has(target.den)) continue;
    // Per round (a round runs every configuration in turn), then the median over rounds.
    const num = results.get(target.num);
    const den = results.get(target.den);
    const ratio = median(num.map((r, i) => r.rps / den[i].rps));
    const pass = ratio >= target.min;
    checks.push({ target: target.name, ratio, min: target.min, pass });
    process.stdout.write(
      `${pass ? "PASS" : "MISS"}  ${target.name}: ${fmt(ratio, 2)} (target ≥ ${fmt(target.min, 2)})\n`,
    );
  }
  // For information: what tracing costs in server CPU per request, which moves less than req/s on
  // a busy machine.
  for (const runtime of ["shim", "workerd"]) {
    const traced = results.get(`${runtime}-traced`);
    const untraced = results.get(`${runtime}-untraced`);
    if (traced === undefined || untraced === undefined) continue;
    const perRequest = (runs) =>
      median(runs.map((r) => (r.serverCpuS === undefined ? undefined : r.serverCpuS / r.requests)));
    const ratio = perRequest(traced) / perRequest(untraced);
    if (!Number.isNaN(ratio))
      process.stdout.write(`info  ${runtime}: server CPU per request, traced ÷ untraced: ${fmt(ratio, 2)}\n`);
  }
  for (const config of configs) {
    if (config.traced && results.get(config.name).some((r) => r.tail === undefined)) {
      process.stdout.write(`note: ${config.name}: the tail printed no count line (fewer than 1,000 sessions?)\n`);
    }
  }
  if (options.json !== undefined) {
    fs.writeFileSync(
      options.json,
      `${JSON.stringify({ options, results: Object.fromEntries(results), checks }, null, 2)}\n`,
    );
  }
  // A MISS is a finding, not a failure: the exit status only reports broken runs.
  process.exitCode = 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`\nbench:serve: ${error.message}\n`);
    process.exitCode = 1;
  });
}
