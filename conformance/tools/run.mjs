#!/usr/bin/env node
// Runs this suite's scenarios (../scenarios/<name>/) on real workerd or on a candidate runtime
// and compares the normalised streaming tail events with ../goldens/<name>.json.
//
// The scenario format, the normalised form and the comparison are the shared conformance
// suite's: its tools are imported from <repo>/../shared/conformance/tools/ (the `shared`
// folder is cloned beside the repo), nothing of them is copied here.
//
// Usage (from anywhere):
//   node conformance/tools/run.mjs --record  [options]   run workerd, write goldens
//   node conformance/tools/run.mjs --check   [options]   run workerd, compare with goldens
//   node conformance/tools/run.mjs --candidate '<cmd> {config}' [--candidate-serve '<cmd> {config} --port {port}'] [options]
//
//   --record      every scenario runs --repeat times (default 2) on workerd; the normalised
//                 results must be identical, every test() must pass and the checks must be
//                 empty, else no golden is written for it
//   --check       the same runs, compared with the existing goldens; writes nothing
//   --candidate   runs <cmd> through /bin/sh once per scenario; {config} becomes the absolute
//                 path of the scenario's config.json ({dir}: its folder, {name}: its name);
//                 the command must print the tail worker's `EV <json>` lines on stdout
//   --candidate-serve
//                 the command for serve scenarios (folders with an http.json): a server for
//                 the config's first service on 127.0.0.1:{port}, printing the `EV` lines on
//                 stdout until it is stopped (SIGTERM to its process group); the runner sends
//                 the http.json requests once it accepts connections. Either flag alone only
//                 passes the scenarios of its kind; the others FAIL with a hint.
//
// Options:
//   --only a,b        just these scenarios
//   --jobs N          scenarios run in parallel (default 1)
//   --repeat N        workerd runs per scenario (--record / --check; default 2)
//   --timeout-ms N    per run (default 30000)
//   --bin <workerd>   workerd binary (default: $WORKERD_BIN, conformance/node_modules/.bin/workerd,
//                     node_modules/.bin/workerd above the current directory, $PATH)
//   --save <dir>      keep each run's raw output as <dir>/<name>.jsonl (the first run)
//   --quiet           no divergence reports, only the PASS/FAIL lines
//
// Serve scenarios are recorded with `workerd serve` (tools/serve-workerd.mjs adds the HTTP socket
// to the shared capnp config); their goldens also list each request with the response's status,
// content-type and body (`http`), which a candidate must reproduce too. See tools/serve.mjs.
//
// Prints one PASS/FAIL line per scenario (a FAIL is followed by its first divergence) and,
// last, `conformance: <n>/<total> scenarios match`. Exit status 0 only when every selected
// scenario matches; 2 on usage errors or when the shared tools are missing.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freePort, isServeScenario, maskClientPorts, readHttpPlan, runServe } from "./serve.mjs";

const TOOLS_DIR = path.dirname(fileURLToPath(import.meta.url));
const SUITE_DIR = path.resolve(TOOLS_DIR, "..");
const SCENARIOS_DIR = path.join(SUITE_DIR, "scenarios");
const GOLDENS_DIR = path.join(SUITE_DIR, "goldens");
const REPO_DIR = path.resolve(SUITE_DIR, "..");
const SHARED_TOOLS_DIR = path.resolve(REPO_DIR, "..", "shared", "conformance", "tools");

const USAGE =
  "usage: node conformance/tools/run.mjs (--record | --check | --candidate '<cmd> {config}' [--candidate-serve '<cmd> {config} --port {port}']) [--only a,b] [--jobs N] [--repeat N] [--timeout-ms N] [--bin workerd] [--save dir] [--quiet]";

class UsageError extends Error {}

function positiveInteger(flag, raw) {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} expects a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Parses the command line into options; throws UsageError with a one-line message. */
export function parseArgs(argv) {
  const options = {
    mode: null,
    candidate: null,
    candidateServe: null,
    only: null,
    jobs: 1,
    repeat: 2,
    timeoutMs: 30000,
    bin: undefined,
    save: null,
    quiet: false,
  };
  const setMode = (mode, flag = `--${mode}`) => {
    if (options.mode && options.mode !== mode)
      throw new UsageError(
        `${flag} cannot be combined with --${options.mode}; choose one of --record, --check, --candidate`,
      );
    options.mode = mode;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case "--record":
        setMode("record");
        break;
      case "--check":
        setMode("check");
        break;
      case "--candidate":
        setMode("candidate");
        options.candidate = value();
        if (!options.candidate.trim()) throw new UsageError("--candidate expects a command, got an empty string");
        break;
      case "--candidate-serve":
        setMode("candidate", arg);
        options.candidateServe = value();
        if (!options.candidateServe.includes("{port}"))
          throw new UsageError(
            `--candidate-serve expects a command with a {port} placeholder, got ${JSON.stringify(options.candidateServe)}`,
          );
        break;
      case "--only":
        options.only = value()
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        if (!options.only.length) throw new UsageError("--only expects a comma-separated list of scenario names");
        break;
      case "--jobs":
        options.jobs = positiveInteger(arg, value());
        break;
      case "--repeat":
        options.repeat = positiveInteger(arg, value());
        break;
      case "--timeout-ms":
        options.timeoutMs = positiveInteger(arg, value());
        break;
      case "--bin":
        options.bin = value();
        break;
      case "--save":
        options.save = path.resolve(value());
        break;
      case "--quiet":
        options.quiet = true;
        break;
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (!options.mode) throw new UsageError("one of --record, --check or --candidate <command> is required");
  return options;
}

/** Imports the shared conformance tools this runner is built on. */
async function loadSharedTools() {
  const required = ["run-workerd.mjs", "normalize.mjs", "compare.mjs", "to-capnp.mjs"];
  const missing = required.filter((f) => !fs.existsSync(path.join(SHARED_TOOLS_DIR, f)));
  if (missing.length) {
    throw new UsageError(
      `shared conformance tools not found: expected ${missing.join(", ")} in ${SHARED_TOOLS_DIR} (the "shared" folder must sit beside the repo)`,
    );
  }
  const load = (f) => import(pathToFileURL(path.join(SHARED_TOOLS_DIR, f)).href);
  const [runWorkerdModule, normalizeModule, compareModule, toCapnpModule] = await Promise.all(required.map(load));
  return {
    runWorkerd: runWorkerdModule.runWorkerd,
    findWorkerd: runWorkerdModule.findWorkerd,
    parseEvLines: runWorkerdModule.parseEvLines,
    scenarioProblems: runWorkerdModule.scenarioProblems,
    loadConfig: toCapnpModule.loadConfig,
    configToCapnp: toCapnpModule.configToCapnp,
    normalize: normalizeModule.normalize,
    renderDocument: normalizeModule.renderDocument,
    compareDocuments: compareModule.compareDocuments,
    readGolden: compareModule.readGolden,
  };
}

/** Scenario folders of this suite: every folder under scenarios/ with a config.json, `_*` excluded. */
export function listScenarios() {
  return fs
    .readdirSync(SCENARIOS_DIR, { withFileTypes: true })
    .filter(
      (d) =>
        d.isDirectory() && !d.name.startsWith("_") && fs.existsSync(path.join(SCENARIOS_DIR, d.name, "config.json")),
    )
    .map((d) => d.name)
    .sort();
}

function selectScenarios(only) {
  const all = listScenarios();
  if (!only) return all;
  const unknown = only.filter((n) => !all.includes(n));
  if (unknown.length)
    throw new UsageError(
      `--only: unknown scenario ${unknown.map((n) => JSON.stringify(n)).join(", ")} (known: ${all.join(", ")})`,
    );
  return all.filter((n) => only.includes(n));
}

const goldenPath = (name) => path.join(GOLDENS_DIR, `${name}.json`);

/** Runs `fn` over `items` with at most `jobs` in flight; results keep the input order. */
async function mapConcurrently(items, jobs, fn) {
  const results = new Array(items.length);
  let cursor = 0;
  const lane = async () => {
    for (let i = cursor++; i < items.length; i = cursor++) results[i] = await fn(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, lane));
  return results;
}

const indent = (text, prefix = "    ") => text.replace(/^/gm, prefix);

// ---------------------------------------------------------------------------------------------
// Dropped events (spec §4.7)

/**
 * Dropped events still consume sequence numbers, which the shared normaliser reports as gaps.
 * For every invocation whose stream has a `streamDiagnostic` {diagnosticsType: "droppedEvents"}
 * event, this checks the drop accounting instead: sequence numbers strictly increase from 0,
 * the numbers missing before the diagnostic are exactly its `count`, the diagnostic is followed
 * only by the `outcome`, on the next number. When that holds, the invocation's events are
 * renumbered 0..n-1 (so the shared checks pass); otherwise they are left alone and the problems
 * are returned, to be added to the document's checks. Workerd runs and candidate runs go
 * through the same step. Returns `{events, problems}`; the input is not modified.
 */
export function accountDroppedEvents(events) {
  const byInvocation = new Map();
  for (const e of events) {
    if (!e || typeof e !== "object" || typeof e.invocationId !== "string") continue;
    if (!byInvocation.has(e.invocationId)) byInvocation.set(e.invocationId, []);
    byInvocation.get(e.invocationId).push(e);
  }
  const renumbered = new Map();
  const problems = [];
  let withDrops = 0;
  for (const list of byInvocation.values()) {
    const diagnostics = list.filter(
      (e) => e.event?.type === "streamDiagnostic" && e.event.diagnostic?.diagnosticsType === "droppedEvents",
    );
    if (!diagnostics.length) continue;
    // Raw ids differ from run to run; the problems name the invocation by its place instead.
    const where = `invocation #${++withDrops} with dropped events (in output order)`;
    const sorted = [...list].sort((a, b) => a.sequence - b.sequence);
    const found = [];
    if (diagnostics.length > 1) found.push(`${diagnostics.length} droppedEvents diagnostics, expected one`);
    const diagnostic = diagnostics[0];
    if (sorted.some((e, i) => !Number.isInteger(e.sequence) || (i > 0 && e.sequence === sorted[i - 1].sequence)))
      found.push("sequence numbers are not distinct integers");
    if (sorted[0]?.sequence !== 0) found.push(`first sequence number is ${sorted[0]?.sequence}, expected 0`);
    const last = sorted[sorted.length - 1];
    const beforeLast = sorted[sorted.length - 2];
    if (last?.event?.type !== "outcome" || beforeLast !== diagnostic)
      found.push("the droppedEvents diagnostic is not immediately followed by the outcome, as the last two events");
    else if (last.sequence !== diagnostic.sequence + 1)
      found.push(`outcome has sequence ${last.sequence}, expected ${diagnostic.sequence + 1} (the diagnostic's + 1)`);
    const missing = diagnostic.sequence - sorted.indexOf(diagnostic);
    if (missing !== diagnostic.event.diagnostic.count)
      found.push(
        `${missing} sequence number(s) missing before the diagnostic, but it counts ${JSON.stringify(diagnostic.event.diagnostic.count)} dropped`,
      );
    if (found.length) {
      problems.push(...found.map((f) => `${where}: ${f}`));
      continue;
    }
    sorted.forEach((e, i) => renumbered.set(e, { ...e, sequence: i }));
  }
  return { events: renumbered.size ? events.map((e) => renumbered.get(e) ?? e) : events, problems };
}

/** normalize() of the shared tools, after {@link accountDroppedEvents}. */
function normalizeEvents(tools, raw, { scenario, parseErrors }) {
  const { events, problems } = accountDroppedEvents(raw);
  const doc = tools.normalize(events, { scenario, parseErrors });
  doc.checks.push(...problems);
  return doc;
}

// ---------------------------------------------------------------------------------------------
// workerd: --record / --check

/**
 * The workerd binary: --bin, else $WORKERD_BIN, else this package's own
 * node_modules/.bin/workerd (the `workerd` devDependency), else what the shared tools find
 * (node_modules/.bin walking up from the current directory, then $PATH).
 */
function resolveWorkerd(tools, explicit) {
  if (explicit) return explicit;
  if (process.env.WORKERD_BIN) return process.env.WORKERD_BIN;
  const own = path.join(SUITE_DIR, "node_modules", ".bin", "workerd");
  if (fs.existsSync(own)) return own;
  return tools.findWorkerd();
}

function workerdVersion(binary) {
  try {
    return execFileSync(binary, ["--version"], { encoding: "utf8", timeout: 10000 }).trim();
  } catch (e) {
    throw new UsageError(
      `cannot run workerd (${binary} --version failed: ${e.message.split("\n")[0]}); install it with 'npx -y pnpm@10.34.8 install' in the repo, or pass --bin`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Serve scenarios (http.json)

const SERVE_WORKERD = path.join(TOOLS_DIR, "serve-workerd.mjs");

// Placeholder values go into a /bin/sh command line: quote them unless they are plain.
const quoteForShell = (s) => (/^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/**
 * Services that name themselves in `streamingTails` (a service that is its own streaming tail,
 * which workerd allows). The shared checks refuse a tail with tails of its own; this suite
 * accepts exactly that case, for "tail…" services (the shared naming rule still applies).
 */
export function selfTailingServices(config) {
  return (config.services ?? []).filter((s) => (s.worker?.streamingTails ?? []).includes(s.name)).map((s) => s.name);
}

/** The shared scenario problems, less the refusal of a self-tailing "tail…" service. */
export function ownScenarioProblems(tools, config) {
  const selfTailing = new Set(selfTailingServices(config));
  return tools
    .scenarioProblems(config)
    .filter((p) => ![...selfTailing].some((name) => p === `tail service "${name}" must not have streamingTails`));
}

/**
 * The shared `runWorkerd` for a scenario with a self-tailing service: the same capnp config and
 * `workerd test --experimental` run, checked with {@link ownScenarioProblems}.
 */
async function runWorkerdOwn(tools, scenarioDir, { timeoutMs, bin }) {
  const { config } = tools.loadConfig(scenarioDir);
  if (selfTailingServices(config).length === 0) return tools.runWorkerd(scenarioDir, { timeoutMs, bin });
  const problems = ownScenarioProblems(tools, config);
  if (problems.length) throw new Error(`${path.basename(scenarioDir)}: ${problems.join("; ")}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "conformance-"));
  const capnpPath = path.join(tmp, "config.capnp");
  fs.writeFileSync(capnpPath, tools.configToCapnp(config, { scenarioDir, capnpDir: tmp }));
  const result = await new Promise((resolve) => {
    const child = spawn(tools.findWorkerd(bin), ["test", "--experimental", capnpPath], {
      cwd: tmp,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ stdout, stderr: `${stderr}\nspawn error: ${err.message}`, code: 127, signal: null, timedOut });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal, timedOut });
    });
  });
  fs.rmSync(tmp, { recursive: true, force: true });
  const tests = [...result.stderr.matchAll(/\[ (PASS|FAIL) \] (\S+)/g)].map((m) => ({ status: m[1], name: m[2] }));
  const { events, errors } = tools.parseEvLines(result.stdout);
  return { ...result, events, parseErrors: errors, tests };
}

/** The prefix of workers-shim's own compatibility flags, which workerd does not know. */
export const OWN_FLAG_PREFIX = "workers_tracing_";

/**
 * The workers-shim flags (`workers_tracing_*`) a scenario's services list. A scenario that lists
 * one cannot run on workerd: its golden is the expected stream of the flag, written and
 * reviewed by hand, and --record / --check skip it.
 */
export function ownFlagsOf(config) {
  const flags = new Set();
  for (const s of config.services ?? [])
    for (const flag of s.worker?.compatibilityFlags ?? []) if (flag.startsWith(OWN_FLAG_PREFIX)) flags.add(flag);
  return [...flags].sort();
}

/** Fills {config}, {dir} and {name} of a command template for one scenario. */
function fillCommand(template, name) {
  const dir = path.join(SCENARIOS_DIR, name);
  return template
    .replaceAll("{config}", quoteForShell(path.join(dir, "config.json")))
    .replaceAll("{dir}", quoteForShell(dir))
    .replaceAll("{name}", quoteForShell(name));
}

/** A serve scenario's requests, after checking its config.json and http.json (throws Error). */
function loadServeScenario(tools, name) {
  const dir = path.join(SCENARIOS_DIR, name);
  const { config } = tools.loadConfig(dir);
  const problems = tools.scenarioProblems(config);
  if (problems.length) throw new Error(`${name}: ${problems.join("; ")}`);
  return readHttpPlan(dir);
}

/**
 * Serves a scenario with a command template (placeholders as for --candidate-serve) on a free
 * port and sends its requests; tries a second port if the first was taken in the meantime.
 */
async function serveScenario(template, name, requests, timeoutMs) {
  let result;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const port = await freePort();
    const command = fillCommand(template, name).replaceAll("{port}", String(port));
    result = await runServe(command, { port, requests, cwd: REPO_DIR, env: { CONFORMANCE_SCENARIO: name }, timeoutMs });
    const clash = result.exchanges.length === 0 && /EADDRINUSE|address already in use/i.test(result.stderr);
    if (!clash) break;
  }
  return result;
}

/** Differences between two request/response lists (golden `http`), one line each; '' if equal. */
function compareExchanges(expected, actual, { expectedLabel = "golden", actualLabel = "candidate" } = {}) {
  const lines = [];
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const a = JSON.stringify(expected[i]);
    const b = JSON.stringify(actual[i]);
    if (a !== b)
      lines.push(`http request ${i}:\n  ${expectedLabel}: ${a ?? "(none)"}\n  ${actualLabel}: ${b ?? "(none)"}`);
  }
  return lines.join("\n");
}

async function recordOrCheck(tools, options, names) {
  const bin = resolveWorkerd(tools, options.bin);
  const version = workerdVersion(bin);
  const writing = options.mode === "record";
  if (writing) fs.mkdirSync(GOLDENS_DIR, { recursive: true });
  if (options.save) fs.mkdirSync(options.save, { recursive: true });

  // serve-workerd.mjs runs `workerd serve` with the scenario's capnp config plus an HTTP socket.
  const serveWorkerd =
    [process.execPath, SERVE_WORKERD].map(quoteForShell).join(" ") +
    ` {config} --port {port} --bin ${quoteForShell(bin)}`;

  return mapConcurrently(names, options.jobs, async (name) => {
    const own = ownFlagsOf(tools.loadConfig(path.join(SCENARIOS_DIR, name)).config);
    if (own.length)
      return {
        ok: true,
        skipped: true,
        line: `SKIP ${name} (uses ${own.join(", ")}, which workerd does not know: its golden is written by hand)`,
        report: "",
      };
    const problems = [];
    const docs = [];
    const exchanges = [];
    let requests = null;
    if (isServeScenario(path.join(SCENARIOS_DIR, name))) {
      try {
        requests = loadServeScenario(tools, name);
      } catch (e) {
        return { ok: false, line: `FAIL ${name} (config)`, report: e.message };
      }
    }
    for (let run = 1; run <= options.repeat; run++) {
      let events;
      let parseErrors;
      if (requests) {
        const served = await serveScenario(serveWorkerd, name, requests, options.timeoutMs);
        ({ events, errors: parseErrors } = tools.parseEvLines(served.stdout));
        events = maskClientPorts(events);
        exchanges.push(served.exchanges);
        if (served.problems.length)
          problems.push(
            `run ${run}: ${served.problems.join("; ")}\n${indent(served.stderr.trim().split("\n").slice(-15).join("\n"))}`,
          );
      } else {
        let result;
        try {
          result = await runWorkerdOwn(tools, path.join(SCENARIOS_DIR, name), { timeoutMs: options.timeoutMs, bin });
        } catch (e) {
          return { ok: false, line: `FAIL ${name} (config)`, report: e.message };
        }
        ({ events, parseErrors } = result);
        if (result.timedOut) problems.push(`run ${run}: timed out after ${options.timeoutMs} ms`);
        const failed = result.tests.filter((t) => t.status === "FAIL").map((t) => t.name);
        if (failed.length)
          problems.push(
            `run ${run}: test() failed: ${failed.join(", ")}\n${indent(result.stderr.trim().split("\n").slice(-15).join("\n"))}`,
          );
        else if (result.tests.length === 0 || result.code !== 0)
          problems.push(
            `run ${run}: workerd exit code ${result.code}\n${indent(result.stderr.trim().split("\n").slice(-15).join("\n"))}`,
          );
      }
      if (options.save && run === 1)
        fs.writeFileSync(
          path.join(options.save, `${name}.jsonl`),
          events.map((e) => JSON.stringify(e) + "\n").join(""),
        );
      docs.push(normalizeEvents(tools, events, { scenario: name, parseErrors }));
    }
    for (let run = 2; run <= docs.length; run++) {
      const c = tools.compareDocuments(docs[0], docs[run - 1], { expectedLabel: "run 1", actualLabel: `run ${run}` });
      if (!c.match) problems.push(`NONDETERMINISTIC: run 1 and run ${run} differ\n${c.report}`);
      if (requests) {
        const h = compareExchanges(exchanges[0], exchanges[run - 1], {
          expectedLabel: "run 1",
          actualLabel: `run ${run}`,
        });
        if (h) problems.push(`NONDETERMINISTIC: the responses of run 1 and run ${run} differ\n${indent(h)}`);
      }
    }
    const first = docs[0];
    if (first.checks.length) problems.push(`checks failed on workerd itself: ${first.checks.join(" | ")}`);
    const golden = { format: first.format, scenario: name, workerd: version };
    if (requests) golden.http = exchanges[0];
    Object.assign(golden, { invocations: first.invocations, checks: first.checks });
    if (writing) {
      if (!problems.length) fs.writeFileSync(goldenPath(name), tools.renderDocument(golden));
    } else if (!fs.existsSync(goldenPath(name))) {
      problems.push(`no golden file (record it with --record --only ${name})`);
    } else {
      const stored = tools.readGolden(goldenPath(name));
      const c = tools.compareDocuments(stored, golden, { actualLabel: "workerd" });
      if (!c.match) problems.push(`golden is out of date:\n${c.report}`);
      const h = requests ? compareExchanges(stored.http ?? [], golden.http, { actualLabel: "workerd" }) : "";
      if (h) problems.push(`golden responses are out of date:\n${indent(h)}`);
    }
    const events = first.invocations.reduce((n, inv) => n + inv.events.length, 0);
    const summary = `${first.invocations.length} invocations, ${events} events, ${options.repeat} run${options.repeat > 1 ? "s" : ""}`;
    return {
      ok: !problems.length,
      line: `${problems.length ? "FAIL" : "PASS"} ${name} (${summary})`,
      report: problems.join("\n"),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// --candidate, --candidate-serve

/** Runs a shell command in its own process group; on timeout the whole group is killed. */
function runShell(command, { timeoutMs, env }) {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: REPO_DIR,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: { ...process.env, ...env },
    });
    const out = [];
    const err = [];
    let timedOut = false;
    child.stdout.on("data", (chunk) => out.push(chunk));
    child.stderr.on("data", (chunk) => err.push(chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is already gone
      }
    }, timeoutMs);
    const finish = (code, extraErr = "") => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8") + extraErr,
        code,
        timedOut,
      });
    };
    child.on("error", (e) => finish(127, `\nspawn error: ${e.message}`));
    child.on("close", (code, signal) => finish(code ?? (signal ? `signal ${signal}` : null)));
  });
}

async function candidate(tools, options, names) {
  if (options.save) fs.mkdirSync(options.save, { recursive: true });
  return mapConcurrently(names, options.jobs, async (name) => {
    if (!fs.existsSync(goldenPath(name)))
      return {
        ok: false,
        line: `FAIL ${name} (no golden)`,
        report: `record it with: node conformance/tools/run.mjs --record --only ${name}`,
      };
    const serve = isServeScenario(path.join(SCENARIOS_DIR, name));
    const template = serve ? options.candidateServe : options.candidate;
    if (template === null) {
      const hint = serve
        ? "a serve scenario (it has an http.json): pass --candidate-serve '<cmd> {config} --port {port}'"
        : "a test scenario: pass --candidate '<cmd> {config}'";
      return { ok: false, line: `FAIL ${name} (not run)`, report: hint };
    }
    const golden = tools.readGolden(goldenPath(name));
    let run;
    let httpReport = "";
    const notes = [];
    if (serve) {
      let requests;
      try {
        requests = loadServeScenario(tools, name);
      } catch (e) {
        return { ok: false, line: `FAIL ${name} (config)`, report: e.message };
      }
      run = await serveScenario(template, name, requests, options.timeoutMs);
      notes.push(...run.problems);
      httpReport = compareExchanges(golden.http ?? [], run.exchanges);
    } else {
      run = await runShell(fillCommand(template, name), {
        timeoutMs: options.timeoutMs,
        env: { CONFORMANCE_SCENARIO: name },
      });
      if (run.timedOut) notes.push(`timed out after ${options.timeoutMs} ms`);
      if (run.code !== 0) notes.push(`exit code ${run.code}`);
    }
    if (options.save) fs.writeFileSync(path.join(options.save, `${name}.jsonl`), run.stdout);
    const parsed = tools.parseEvLines(run.stdout);
    const events = serve ? maskClientPorts(parsed.events) : parsed.events;
    const actual = normalizeEvents(tools, events, { scenario: name, parseErrors: parsed.errors });
    const c = tools.compareDocuments(golden, actual);
    if (events.length === 0) notes.push("no EV lines on stdout");
    const tag = notes.length ? ` [${notes.join(", ")}]` : "";
    const match = c.match && !httpReport;
    let report = [c.match ? "" : c.report, httpReport].filter(Boolean).join("\n");
    if (!match && run.stderr.trim())
      report += `\n  candidate stderr (last lines):\n${indent(run.stderr.trim().split("\n").slice(-8).join("\n"))}`;
    return { ok: match, line: `${match ? "PASS" : "FAIL"} ${name}${tag}`, report: match ? "" : report };
  });
}

// ---------------------------------------------------------------------------------------------

async function main(argv) {
  let options;
  let tools;
  let names;
  try {
    options = parseArgs(argv);
    tools = await loadSharedTools();
    names = selectScenarios(options.only);
    if (!names.length) throw new UsageError(`no scenarios under ${SCENARIOS_DIR}`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`run: ${e.message}`);
    if (!options) console.error(USAGE);
    return 2;
  }
  let results;
  try {
    results =
      options.mode === "candidate"
        ? await candidate(tools, options, names)
        : await recordOrCheck(tools, options, names);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`run: ${e.message}`);
    return 2;
  }
  let matching = 0;
  let skipped = 0;
  for (const r of results) {
    console.log(r.line);
    if (!r.ok && r.report && !options.quiet) console.log(indent(r.report));
    if (r.skipped) skipped++;
    else if (r.ok) matching++;
  }
  if (options.mode === "check" && !options.only) {
    const orphans = fs.existsSync(GOLDENS_DIR)
      ? fs.readdirSync(GOLDENS_DIR).filter((f) => f.endsWith(".json") && !names.includes(f.slice(0, -5)))
      : [];
    for (const f of orphans) console.error(`warning: goldens/${f} has no scenario folder`);
  }
  const ran = results.length - skipped;
  console.log(
    `conformance: ${matching}/${ran} scenarios match${skipped ? ` (${skipped} own-flag scenario${skipped > 1 ? "s" : ""} skipped)` : ""}`,
  );
  return matching === ran ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
