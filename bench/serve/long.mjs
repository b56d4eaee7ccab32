// `bench:serve --long`: the manual version of the workers-shim load test
// (packages/workers-shim/test/load.test.ts), longer (default 64 connections × 10 s):
//   1. requests/s of `workers-shim serve` with and without tracing (the bench worker, as in the
//      default mode: shim-untraced, shim-traced);
//   2. the load test's checks on its own fixture (packages/workers-shim/test/fixtures/load/,
//      node --expose-gc): a warm-up round, then the load round; every response correct, one
//      complete tail stream per invocation (the fixture's tail worker checks onset, gap-free
//      sequence numbers, closed spans, return and outcome), and the heap and RSS after full GCs
//      compared between the end of the warm-up and the end of the load round.
// Exit status 1 when a check failed.
import path from "node:path";
import { CONFIGS, fmt, measure, runLoadProcess, table } from "./measure.mjs";
import { REPO, startShim } from "./servers.mjs";

const FIXTURE = path.join(REPO, "packages/workers-shim/test/fixtures/load/config.json");
const WARMUP_S = 2;
const MB = 1024 * 1024;
// The load test's heap bound (flat within ±1 MB when measured); RSS gets a generous one.
const MAX_HEAP_GROWTH = 3 * MB;
const MAX_RSS_GROWTH = 96 * MB;

async function stats(url) {
  const response = await fetch(`${url}/stats`);
  if (response.status !== 200) throw new Error(`GET /stats answered ${response.status}`);
  return response.json();
}

/** The fixture tail's counts once every invocation of `requests` requests reported its outcome (bounded polling). */
async function settled(url, requests) {
  let last = await stats(url);
  for (let poll = 0; poll < 400; poll++) {
    if (last.open === 0 && last.complete.main >= requests && last.complete.backend >= requests) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
    last = await stats(url);
  }
  return last;
}

async function reliability(options) {
  const server = await startShim(FIXTURE, {
    nodeArgs: ["--expose-gc"],
    label: "workers-shim serve (load-test fixture)",
  });
  const problems = [];
  try {
    const warm = await runLoadProcess(server.url, { connections: options.connections, duration: WARMUP_S, warmup: 0 });
    const baseline = await settled(server.url, warm.sent);
    const round = await runLoadProcess(server.url, {
      connections: options.connections,
      duration: options.duration,
      warmup: 0,
      start: warm.next,
    });
    const total = warm.sent + round.sent;
    const after = await settled(server.url, total);
    for (const [name, r] of [
      ["warm-up", warm],
      ["load", round],
    ]) {
      if (r.failed > 0 || r.ok !== r.sent)
        problems.push(`${name} round: ${r.failed} of ${r.sent} requests failed: ${r.examples.join("; ")}`);
    }
    if (after.problems > 0) problems.push(`${after.problems} stream problem(s): ${after.examples.join("; ")}`);
    if (after.open !== 0) problems.push(`${after.open} invocation(s) without outcome`);
    for (const role of ["main", "backend"]) {
      if (after.started[role] !== total || after.complete[role] !== total) {
        problems.push(
          `${role}: ${after.started[role]} invocations started, ${after.complete[role]} complete, for ${total} requests`,
        );
      }
    }
    const heapGrowth = after.memory.heapUsed - baseline.memory.heapUsed;
    const rssGrowth = after.memory.rss - baseline.memory.rss;
    if (heapGrowth >= MAX_HEAP_GROWTH)
      problems.push(`the heap grew by ${fmt(heapGrowth / MB, 1)} MB (bound ${MAX_HEAP_GROWTH / MB} MB)`);
    if (rssGrowth >= MAX_RSS_GROWTH)
      problems.push(`the RSS grew by ${fmt(rssGrowth / MB, 1)} MB (bound ${MAX_RSS_GROWTH / MB} MB)`);
    return { warm, round, baseline, after, total, heapGrowth, rssGrowth, problems };
  } finally {
    const stopped = await server.stop();
    const extra = stopped.stderr.split("\n").filter((line) => line.trim() !== "" && !line.includes("listening on"));
    if (extra.length > 0) problems.push(`the server wrote to stderr: ${extra.slice(0, 3).join(" | ")}`);
    if (stopped.code !== 0) problems.push(`the server exited with ${stopped.code ?? stopped.signal}`);
  }
}

export async function runLong(options) {
  const configs = CONFIGS.filter((c) => c.runtime === "shim");
  process.stderr.write(
    `bench:serve --long: ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s per configuration\n`,
  );
  const results = [];
  for (const config of configs) {
    process.stderr.write(`  ${config.name} …`);
    const result = await measure(config, options);
    results.push([config, result]);
    process.stderr.write(` ${fmt(result.rps)} req/s\n`);
  }
  process.stderr.write(`  load-test checks (${WARMUP_S} s warm-up round, ${options.duration} s load round) …\n`);
  const checked = await reliability(options);

  const rows = [["configuration", "req/s", "p50 ms", "p99 ms", "server CPU ms/req"]];
  for (const [config, r] of results) {
    rows.push([
      config.name,
      fmt(r.rps),
      fmt(r.latencyMs.p50, 2),
      fmt(r.latencyMs.p99, 2),
      fmt(r.serverCpuS === undefined ? NaN : (r.serverCpuS * 1000) / r.requests, 3),
    ]);
  }
  rows.push([
    "load-test fixture (traced)",
    fmt(checked.round.rps),
    fmt(checked.round.latencyMs.p50, 2),
    fmt(checked.round.latencyMs.p99, 2),
    "",
  ]);
  process.stdout.write(`\n${table(rows)}\n\n`);
  const [untraced, traced] = results.map(([, r]) => r);
  process.stdout.write(`tracing on ÷ off (req/s): ${fmt(traced.rps / untraced.rps, 2)}\n`);
  const { baseline, after } = checked;
  process.stdout.write(
    `load-test checks: ${fmt(checked.total)} requests, ${fmt(after.events)} tail events, ` +
      `heap ${fmt(baseline.memory.heapUsed / MB, 1)} → ${fmt(after.memory.heapUsed / MB, 1)} MB, ` +
      `RSS ${fmt(baseline.memory.rss / MB, 1)} → ${fmt(after.memory.rss / MB, 1)} MB\n`,
  );
  if (checked.problems.length === 0) {
    process.stdout.write("PASS  every response correct, every tail stream complete, memory flat\n");
    return 0;
  }
  for (const problem of checked.problems) process.stdout.write(`FAIL  ${problem}\n`);
  return 1;
}
