// The measuring half of `pnpm bench:serve`, shared by the round-robin comparison (run.mjs) and
// the long load test (long.mjs): the configurations, one measured run of the load process
// against a server, and the figures' formatting.
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
