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
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIGS, fmt, measure, median, table } from "./measure.mjs";

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
