#!/usr/bin/env node
// A bounded HTTP load generator for loopback servers, built on autocannon: N keep-alive
// connections, each sending GET /item/<n> (n counts up across all connections, one request in
// flight per connection) for a warm-up and then a fixed duration. Every response is checked:
// status 200 and the body `item <n> costs <n * 7 mod 1000>` for that request's n (what
// bench/serve/worker/worker.js and the workers-shim load-test fixture answer).
//
// usage: node bench/serve/load.mjs --url http://127.0.0.1:PORT [--connections N] [--duration S]
//                                  [--warmup S] [--timeout S] [--start N]
// Defaults: 32 connections, 5 s measured after 1 s of warm-up (its own connections, not
// counted), 10 s per request, n starting at 0.
//
// Prints one JSON object on stdout (see `runLoad`); exits 1 when a response was wrong or a
// request failed, 2 on bad options. Only loopback URLs are accepted.
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

/** The body the bench worker answers for item `n`. */
export function expectedBody(n) {
  return `item ${n} costs ${(n * 7) % 1000}`;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const MAX_EXAMPLES = 5;

/** The value at quantile `q` (0..1) of an ascending array, nearest-rank. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/**
 * One phase: `durationS` seconds of requests, then a drain: no new requests, and each
 * connection closes once its request in flight was answered (so that the server sees no request
 * cut off at the end). Every response is checked. Resolves `{ responses, ok, inWindow,
 * latencies, checks: {status, body}, errors, timeouts, unanswered, examples, next }`: `inWindow`
 * counts the correct responses completed within the `durationS` seconds, `latencies` (ms,
 * unsorted) are theirs; `sent` counts the requests sent; `unanswered` counts requests sent that got neither a response nor an
 * error (cut off by autocannon's own end, which comes `timeoutS` + 2 s after the window).
 */
function phase({ url, connections, durationS, timeoutS, start }) {
  let next = start;
  const latencies = [];
  const checks = { status: 0, body: 0 };
  const examples = [];
  const clients = [];
  let responses = 0;
  let sent = 0;
  let ok = 0;
  let inWindow = 0;
  let draining = false;
  const note = (text) => {
    if (examples.length < MAX_EXAMPLES) examples.push(text);
  };
  const windowEnd = performance.now() + durationS * 1000;
  // autocannon's client sends its next request from `_doRequest()`, which closes the client
  // instead once `responseMax` requests were made (its `amount` option works this way).
  const drain = setTimeout(() => {
    draining = true;
    for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
  }, durationS * 1000);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        pipelining: 1,
        duration: durationS + timeoutS + 2,
        timeout: timeoutS,
        // The request's n is kept in the connection's context: with one request in flight per
        // connection, onResponse sees the context of the request it answers.
        requests: [
          {
            method: "GET",
            setupRequest(request, context) {
              context.n = next++;
              return { ...request, path: `/item/${context.n}` };
            },
            onResponse(status, body, context) {
              responses++;
              const n = context.n;
              if (status !== 200) {
                checks.status++;
                note(`GET /item/${n}: status ${status}, body ${JSON.stringify(String(body).slice(0, 80))}`);
                return;
              }
              const expected = expectedBody(n);
              if (body !== expected) {
                checks.body++;
                note(
                  `GET /item/${n}: body ${JSON.stringify(String(body).slice(0, 80))}, expected ${JSON.stringify(expected)}`,
                );
                return;
              }
              ok++;
            },
          },
        ],
        setupClient(client) {
          clients.push(client);
          if (draining) client.responseMax = 1;
          client.on("request", () => sent++);
          // Latency with sub-millisecond resolution (autocannon's own histogram keeps whole ms).
          client.on("response", (status, _bytes, durationMs) => {
            if (status === 200 && performance.now() <= windowEnd) {
              inWindow++;
              latencies.push(durationMs);
            }
          });
        },
      },
      (error, result) => {
        clearTimeout(drain);
        if (error) {
          reject(error);
          return;
        }
        const unanswered = Math.max(0, sent - responses - result.errors);
        if (unanswered > 0) note(`${unanswered} request(s) cut off without a response`);
        resolve({
          sent,
          responses,
          ok,
          inWindow,
          latencies,
          checks,
          errors: result.errors,
          timeouts: result.timeouts,
          unanswered,
          examples,
          next,
        });
      },
    );
    instance.on("reqError", (error) => note(`request error: ${error.message}`));
  });
}

/**
 * Runs the load and resolves the result:
 * `{ connections, warmupS, durationS, requests, rps, latencyMs: {p50, p90, p99, max},
 *    sent, ok, failed, failures: {status, body, network, timeout, unanswered}, examples, next }`.
 * `requests`, `rps` and the latencies count the correct responses of the measured phase that
 * completed within its `durationS` seconds; `sent`/`ok`/`failed` count every request of both
 * phases, drains included, and `failures` every problem. `next` is the first n not used.
 */
export async function runLoad({ url, connections = 32, durationS = 5, warmupS = 1, timeoutS = 10, start = 0 }) {
  const target = new URL(url);
  if (target.protocol !== "http:" || !LOOPBACK.has(target.hostname)) {
    throw new Error(
      `load: --url expects an http:// URL on the loopback interface (127.0.0.1, localhost, [::1]), received ${JSON.stringify(url)}`,
    );
  }
  const base = { url: target.origin, connections, timeoutS };
  const phases = [];
  let next = start;
  if (warmupS > 0) {
    const warm = await phase({ ...base, durationS: warmupS, start: next });
    phases.push(warm);
    next = warm.next;
  }
  const measured = await phase({ ...base, durationS, start: next });
  phases.push(measured);
  const sum = (pick) => phases.reduce((total, p) => total + pick(p), 0);
  const latencies = measured.latencies.sort((a, b) => a - b);
  const round = (ms) => Math.round(ms * 1000) / 1000;
  const failures = {
    status: sum((p) => p.checks.status),
    body: sum((p) => p.checks.body),
    network: sum((p) => p.errors - p.timeouts),
    timeout: sum((p) => p.timeouts),
    unanswered: sum((p) => p.unanswered),
  };
  return {
    connections,
    warmupS,
    durationS,
    requests: measured.inWindow,
    rps: measured.inWindow / durationS,
    latencyMs: {
      p50: round(quantile(latencies, 0.5)),
      p90: round(quantile(latencies, 0.9)),
      p99: round(quantile(latencies, 0.99)),
      max: round(latencies.at(-1) ?? NaN),
    },
    sent: sum((p) => p.sent),
    ok: sum((p) => p.ok),
    failed: failures.status + failures.body + failures.network + failures.timeout + failures.unanswered,
    failures,
    examples: phases.flatMap((p) => p.examples).slice(0, MAX_EXAMPLES),
    next: measured.next,
  };
}

const USAGE =
  "usage: node bench/serve/load.mjs --url http://127.0.0.1:PORT [--connections N] [--duration S] [--warmup S] [--timeout S] [--start N]";

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(argv[i]);
    if (match === null) throw new Error(`unexpected argument ${JSON.stringify(argv[i])}`);
    const [, name] = match;
    if (name === "help") return undefined;
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} expects a value, received nothing`);
    const number = Number(value);
    switch (name) {
      case "url":
        options.url = value;
        break;
      case "connections":
        if (!Number.isInteger(number) || number < 1 || number > 1024)
          throw new Error(`--connections expects an integer from 1 to 1024, received ${JSON.stringify(value)}`);
        options.connections = number;
        break;
      case "start":
        if (!Number.isSafeInteger(number) || number < 0)
          throw new Error(`--start expects a non-negative integer, received ${JSON.stringify(value)}`);
        options.start = number;
        break;
      case "duration":
      case "timeout":
        if (!Number.isInteger(number) || number < 1 || number > 3600)
          throw new Error(
            `--${name} expects a whole number of seconds from 1 to 3600, received ${JSON.stringify(value)}`,
          );
        options[`${name}S`] = number;
        break;
      case "warmup":
        if (!Number.isInteger(number) || number < 0 || number > 3600)
          throw new Error(
            `--warmup expects a whole number of seconds from 0 to 3600, received ${JSON.stringify(value)}`,
          );
        options.warmupS = number;
        break;
      default:
        throw new Error(`unknown option "--${name}"`);
    }
  }
  if (options.url === undefined) throw new Error("--url is required");
  return options;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`load: ${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === undefined) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  try {
    const result = await runLoad(options);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exitCode = result.failed === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  }
}
