import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

// `workers-shim serve` under load: 64 keep-alive connections from bench/serve/load.mjs (a
// separate process, autocannon) against a traced worker whose streaming tail worker checks every
// invocation's event stream as it arrives (fixtures/load/tail.js) and answers its counts and the
// process's memory on GET /stats. `pnpm bench:serve --long` is the longer manual version.

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const CONFIG = fileURLToPath(new URL("./fixtures/load/config.json", import.meta.url));
const LOAD = fileURLToPath(new URL("../../../bench/serve/load.mjs", import.meta.url));
const LISTENING = /^workers-shim: listening on http:\/\/127\.0\.0\.1:(\d+)$/m;
const CONNECTIONS = 64;
const MB = 1024 * 1024;

interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly failures: Record<string, number>;
  readonly examples: readonly string[];
  readonly next: number;
}

interface Stats {
  readonly started: { readonly main: number; readonly backend: number };
  readonly complete: { readonly main: number; readonly backend: number };
  readonly open: number;
  readonly events: number;
  readonly problems: number;
  readonly examples: readonly string[];
  readonly memory: { readonly rss: number; readonly heapUsed: number; readonly gc: boolean };
}

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** Starts the server (with --expose-gc, so that /stats measures the heap after a full GC). */
function serve(): Promise<{ base: string; port: number; stderr: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ["--expose-gc", CLI, "serve", CONFIG, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const match = LISTENING.exec(stderr);
      if (match === null) return;
      const port = Number(match[1]);
      resolve({
        base: `http://127.0.0.1:${port}`,
        port,
        stderr: () => stderr,
        stop: () => {
          child.kill("SIGTERM");
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code} before listening: ${stderr}`)));
  });
}

/** One round of load.mjs: `duration` seconds, requests numbered from `start`; resolves its result. */
function load(port: number, duration: number, start: number): Promise<LoadResult> {
  const args = [
    LOAD,
    "--url",
    `http://127.0.0.1:${port}`,
    "--connections",
    String(CONNECTIONS),
    "--duration",
    String(duration),
    "--warmup",
    "0",
    "--start",
    String(start),
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once("close", (code) => {
      try {
        resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as LoadResult);
      } catch {
        reject(new Error(`load.mjs exited with ${code} without a result: ${stderr || stdout}`));
      }
    });
  });
}

async function stats(base: string): Promise<Stats> {
  const response = await fetch(`${base}/stats`);
  expect(response.status).toBe(200);
  return (await response.json()) as Stats;
}

/**
 * The tail's counts once every invocation of the `requests` requests sent so far reported its
 * outcome (the last ones may still be finishing when their response arrived). Polls a bounded
 * number of times; the caller's assertions report what was missing.
 */
async function settled(base: string, requests: number): Promise<Stats> {
  let last = await stats(base);
  for (let poll = 0; poll < 400; poll++) {
    if (last.open === 0 && last.complete.main >= requests && last.complete.backend >= requests) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
    last = await stats(base);
  }
  return last;
}

function expectAllCorrect(round: LoadResult): void {
  expect(round.examples).toEqual([]);
  expect(round.failed).toBe(0);
  expect(round.ok).toBe(round.sent);
  expect(round.sent).toBeGreaterThan(CONNECTIONS);
}

describe("workers-shim serve under load", () => {
  it(
    "answers every request, completes every invocation's tail stream and keeps memory flat",
    { timeout: 60_000 },
    async () => {
      const server = await serve();
      try {
        // Warm-up round: JIT, pools and caches settle; its end is the memory baseline.
        const warm = await load(server.port, 2, 0);
        expectAllCorrect(warm);
        const baseline = await settled(server.base, warm.sent);
        expect(baseline.memory.gc).toBe(true);
        expect(baseline.started).toEqual({ main: warm.sent, backend: warm.sent });

        const round = await load(server.port, 4, warm.next);
        expectAllCorrect(round);
        const after = await settled(server.base, warm.sent + round.sent);
        const total = warm.sent + round.sent;

        // One main and one backend invocation per request, each stream complete: onset, gap-free
        // sequence numbers, every span closed, return, outcome "ok" (checked by the tail worker).
        expect(after.examples).toEqual([]);
        expect(after.problems).toBe(0);
        expect(after.open).toBe(0);
        expect(after.started).toEqual({ main: total, backend: total });
        expect(after.complete).toEqual({ main: total, backend: total });
        // onset + 11 spans (open, close, attributes) + return + outcome at least, per main invocation.
        expect(after.events).toBeGreaterThan(total * 30);

        // Memory after full GCs, flat within ±1 MB when measured over 6 rounds of 4 s: a leak of
        // 1 KB per request (about 4 MB over the load round) fails the heap bound.
        const heapGrowth = after.memory.heapUsed - baseline.memory.heapUsed;
        const rssGrowth = after.memory.rss - baseline.memory.rss;
        const report = `heap ${(baseline.memory.heapUsed / MB).toFixed(1)} → ${(after.memory.heapUsed / MB).toFixed(1)} MB, rss ${(baseline.memory.rss / MB).toFixed(1)} → ${(after.memory.rss / MB).toFixed(1)} MB over ${round.sent} requests`;
        expect(heapGrowth, report).toBeLessThan(3 * MB);
        expect(rssGrowth, report).toBeLessThan(96 * MB);
      } finally {
        expect(await server.stop()).toBe(0);
      }
      // Nothing but the listening line: no dropped events, no tail failures, no handler errors.
      expect(server.stderr().trim().split("\n")).toEqual([expect.stringMatching(LISTENING)]);
    },
  );
});
