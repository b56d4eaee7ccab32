#!/usr/bin/env node
// `pnpm bench:otlp`: what OTLP export costs.
//   1. Encoding: µs per span of encodeTracesJson (target ≤ 1 µs) and encodeTracesProtobuf, for
//      batches of 512 spans mapped from real traced invocations, next to JSON.stringify of the
//      same request (a reference measured in the same run, to show how loaded the machine is).
//   2. Serving: requests/s of `workers-shim serve` on the bench worker (bench/serve/worker,
//      traced by its streaming tail worker) without and with `--otlp` to a receiver on loopback
//      in this process (target: with ÷ without ≥ 0.9), rounds alternating in one run.
//
// usage: node bench/otlp.mjs [--quick] [--only encode|serve] [--connections N] [--duration S] [--rounds N]
// Build first (npx -y pnpm@10.34.8 build): this imports the packages' dist. See bench/README.md.
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { traceInvocation, currentUserSpan, reportLog } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import { encodeTracesJson, encodeTracesProtobuf, toOtlpSpans } from "@workers-tracing/opentelemetry";
import { cpuSeconds, runLoadProcess } from "./serve/measure.mjs";
import { startShim } from "./serve/servers.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TRACED_CONFIG = path.join(HERE, "serve/worker/traced.json");
const USAGE =
  "usage: node bench/otlp.mjs [--quick] [--only encode|serve] [--connections N] [--duration S] [--rounds N]";

function parseArgs(argv) {
  const options = { quick: false, only: undefined, connections: 32, duration: 5, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") continue;
    if (arg === "--quick") {
      options.quick = true;
      continue;
    }
    const match = /^--(only|connections|duration|rounds)(?:=(.*))?$/.exec(arg);
    if (match === null) {
      process.stderr.write(`bench:otlp: unexpected argument ${JSON.stringify(arg)}\n${USAGE}\n`);
      process.exit(2);
    }
    const value = match[2] ?? argv[++i];
    if (match[1] === "only") {
      if (value !== "encode" && value !== "serve") {
        process.stderr.write(`bench:otlp: --only expects "encode" or "serve", received ${JSON.stringify(value)}\n`);
        process.exit(2);
      }
      options.only = value;
      continue;
    }
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1 || number > 600) {
      process.stderr.write(
        `bench:otlp: --${match[1]} expects a whole number from 1 to 600, received ${JSON.stringify(value)}\n`,
      );
      process.exit(2);
    }
    options[match[1]] = number;
  }
  if (options.quick) {
    options.duration = Math.min(options.duration, 2);
    options.rounds = 1;
  }
  return options;
}

/** Spans of a few realistic invocations: user spans with attributes, a log, a runtime fetch span. */
async function sampleSpans() {
  const events = [];
  for (let i = 0; i < 8; i++) {
    await traceInvocation(
      {
        tail: events,
        kind: "fetch",
        info: { type: "fetch", method: "GET", url: `https://shop.example/item/${i}`, headers: [] },
        returnInfo: () => ({ type: "fetch", statusCode: 200 }),
      },
      async () => {
        await tracing.enterSpan("load-item", async (span) => {
          span.setAttributes({
            "item.id": i,
            "item.cached": i % 2 === 0,
            "db.statement": "SELECT * FROM items WHERE id = ?",
          });
          reportLog("info", ["loaded item", i]);
          const fetch = currentUserSpan().startChild("fetch");
          fetch.setAttribute("http.request.method", "GET");
          fetch.setAttribute("url.full", `http://backend/price/${i}`);
          fetch.setAttribute("http.response.status_code", 200n);
          fetch.end();
        });
        tracing.enterSpan("render", (span) => span.setAttribute("bytes", 512));
      },
    );
  }
  return toOtlpSpans(events);
}

/** Best µs per span over `rounds` timed loops of `fn` (each encoding `spansPerCall` spans). */
function timePerSpan(fn, spansPerCall, { rounds, minMs }) {
  for (let i = 0; i < 50; i++) fn(); // warm-up: let V8 optimise
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed;
    do {
      for (let i = 0; i < 10; i++) fn();
      calls += 10;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    } while (elapsed < minMs);
    best = Math.min(best, (elapsed * 1000) / (calls * spansPerCall));
  }
  return best;
}

async function benchEncoding(options) {
  const sample = await sampleSpans();
  const spans = Array.from({ length: 512 }, (_, i) => sample[i % sample.length]);
  const groups = [{ resource: { serviceName: "shop" }, spans }];
  const plain = JSON.parse(new TextDecoder().decode(encodeTracesJson(groups)));
  const timing = { rounds: options.quick ? 3 : 9, minMs: options.quick ? 100 : 300 };
  const json = timePerSpan(() => encodeTracesJson(groups), spans.length, timing);
  const protobuf = timePerSpan(() => encodeTracesProtobuf(groups), spans.length, timing);
  const reference = timePerSpan(() => Buffer.from(JSON.stringify(plain)), spans.length, timing);
  const rows = [
    ["| encoding | µs per span (best round) | target | |", "|---|---|---|---|"],
    [`| encodeTracesJson | ${json.toFixed(3)} | ≤ 1 µs | ${json <= 1 ? "PASS" : "MISS"} |`],
    [`| encodeTracesProtobuf | ${protobuf.toFixed(3)} | (no target) | |`],
    [`| reference: JSON.stringify of the same request + UTF-8 | ${reference.toFixed(3)} | | |`],
  ].flat();
  process.stdout.write(`${rows.join("\n")}\n\n`);
  process.stdout.write(
    `info  encodeTracesJson ÷ JSON.stringify reference: ${(json / reference).toFixed(2)} (${spans.length} spans per request, ${sample.length} distinct)\n\n`,
  );
}

/** An OTLP receiver on loopback that counts spans roughly (requests and bytes) and answers 200. */
async function startReceiver() {
  const counts = { requests: 0, bytes: 0 };
  const server = createServer((request, response) => {
    request.on("data", (chunk) => (counts.bytes += chunk.length));
    request.on("end", () => {
      counts.requests++;
      response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/traces`,
    counts,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function measureServe(label, extraArgs, options) {
  // With the VM flag given, the CLI serves in this process instead of re-running itself, so that
  // its pid is the server's and its CPU time can be read.
  const nodeArgs = ["--experimental-vm-modules", "--disable-warning=ExperimentalWarning"];
  const server = await startShim(TRACED_CONFIG, { extraArgs, label, nodeArgs });
  try {
    const warm = await runLoadProcess(server.url, { connections: options.connections, duration: 1, warmup: 0 });
    const cpuBefore = cpuSeconds(server.pid);
    const load = await runLoadProcess(server.url, {
      connections: options.connections,
      duration: options.duration,
      warmup: 0,
      start: warm.next,
    });
    if (load.failed > 0) throw new Error(`${label}: ${load.failed} failed requests: ${load.examples.join("; ")}`);
    const cpuAfter = cpuSeconds(server.pid);
    const cpuPerRequestMs =
      cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) * 1000) / load.requests;
    return { rps: load.rps, cpuPerRequestMs };
  } finally {
    await server.stop();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

async function benchServe(options) {
  const receiver = await startReceiver();
  const plain = [];
  const otlp = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      process.stderr.write(`bench:otlp: serve round ${round + 1}/${options.rounds}\n`);
      plain.push(await measureServe("serve (traced)", [], options));
      otlp.push(await measureServe("serve --otlp (traced)", ["--otlp", receiver.url], options));
    }
  } finally {
    await receiver.close();
  }
  const rps = (runs) => median(runs.map((r) => r.rps));
  const ratio = rps(otlp) / rps(plain);
  const rows = [
    "| configuration | requests/s (median of rounds) |",
    "|---|---|",
    `| workers-shim serve, traced | ${rps(plain).toFixed(0)} |`,
    `| workers-shim serve --otlp <loopback>, traced | ${rps(otlp).toFixed(0)} |`,
    "",
    "| target | value | |",
    "|---|---|---|",
    `| serve --otlp ÷ serve (req/s) ≥ 0.9 | ${ratio.toFixed(3)} | ${ratio >= 0.9 ? "PASS" : "MISS"} |`,
  ];
  process.stdout.write(`${rows.join("\n")}\n\n`);
  const cpu = (runs) => median(runs.map((r) => r.cpuPerRequestMs ?? Number.NaN));
  if (!Number.isNaN(cpu(plain) / cpu(otlp))) {
    process.stdout.write(
      `info  server CPU per request: ${cpu(plain).toFixed(3)} ms without, ${cpu(otlp).toFixed(3)} ms with --otlp (ratio ${(cpu(otlp) / cpu(plain)).toFixed(2)}); less sensitive to a busy machine than requests/s\n`,
    );
  }
  process.stdout.write(
    `info  the receiver got ${receiver.counts.requests} requests, ${(receiver.counts.bytes / 1048576).toFixed(1)} MiB; ${options.connections} connections, ${options.duration} s per measurement, ${options.rounds} rounds alternating\n`,
  );
}

const options = parseArgs(process.argv.slice(2));
if (options.only !== "serve") await benchEncoding(options);
if (options.only !== "encode") await benchServe(options);
