#!/usr/bin/env node
// Moves the pinned workerd (the conformance oracle) to another npm version and shows what that
// changes, in one command:
//
//   pnpm workerd:upgrade <version> [--no-install]
//
// 1. sets devDependency `workerd` in conformance/package.json (and bench/package.json), and
//    `@cloudflare/workers-types` in every package that pins it to the newest published version
//    not dated after the new workerd (workers-types ships a few days behind workerd), and runs
//    `pnpm install` (skipped with --no-install, e.g. to re-run the checks after an upgrade);
// 2. re-records this repository's goldens (conformance/tools/run.mjs --record) and lists the
//    goldens that changed, with a short diff summary;
// 3. checks the shared goldens (../shared/conformance) on the new binary;
// 4. runs the compatibility registry's test against the binary
//    (packages/workers-shim/test/compat-registry-workerd.test.ts), or says it is absent;
// 5. compares the binary's date (`workerd --version`) with SUPPORTED_COMPATIBILITY_DATE in
//    packages/workers-shim/src/compat/resolve.ts;
// 6. runs the typecheck of the packages that pin workers-types: their test/types/ files check that
//    our Tracing, Span and tail event types still assign both ways with workers-types'.
// It exits with 1 when any check fails. The pure parts are exported for the tests in
// ./workerd-upgrade.test.mjs.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const USAGE = "usage: pnpm workerd:upgrade <version> [--no-install]   (e.g. pnpm workerd:upgrade 1.20261123.1)";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PIN_FILES = ["conformance/package.json", "bench/package.json"];
const GOLDENS_DIR = "conformance/goldens";
const SHARED_RUN_ALL = "../shared/conformance/tools/run-all.mjs";
const REGISTRY_TEST = "packages/workers-shim/test/compat-registry-workerd.test.ts";
const RESOLVE_TS = "packages/workers-shim/src/compat/resolve.ts";
const WORKERD_BIN = "conformance/node_modules/.bin/workerd";
const WORKERS_TYPES = "@cloudflare/workers-types";
const PACKAGES_DIR = "packages";

const VERSION = /^1\.(\d{4})(\d{2})(\d{2})\.(\d+)$/;

/** Quotes a value for an error message, cutting long ones. */
function show(value) {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Reads the command line: one workerd npm version (1.YYYYMMDD.N with a real date) and the
 * optional --no-install. Throws an Error with a one-line message for anything else.
 */
export function parseArgs(argv) {
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  let version;
  let install = true;
  for (const arg of args) {
    if (arg === "--no-install") install = false;
    else if (arg === "--help" || arg === "-h") return { help: true };
    else if (arg.startsWith("-")) throw new Error(`workerd-upgrade: unknown option ${show(arg)}. ${USAGE}`);
    else if (version !== undefined)
      throw new Error(`workerd-upgrade: expected one version, received ${show(version)} and ${show(arg)}.`);
    else version = arg;
  }
  if (version === undefined) throw new Error(`workerd-upgrade: missing the workerd version. ${USAGE}`);
  const match = VERSION.exec(version);
  const date = match && `${match[1]}-${match[2]}-${match[3]}`;
  if (
    !match ||
    Number.isNaN(Date.parse(`${date}T00:00:00Z`)) ||
    new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date
  ) {
    throw new Error(`workerd-upgrade: expected a workerd npm version such as 1.20261123.1, received ${show(version)}.`);
  }
  return { version, date, install };
}

const pinPattern = (name) => new RegExp(`("${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}"\\s*:\\s*")([^"]*)(")`);

/** The `"<name>": "<version>"` pin of a package.json text, or undefined when it has none. */
export function pinnedDependency(packageJson, name) {
  return pinPattern(name).exec(packageJson)?.[2];
}

/** The package.json text with its `name` pin set to `version`, formatting kept. */
export function setPinnedDependency(packageJson, name, version) {
  return packageJson.replace(pinPattern(name), `$1${version}$3`);
}

/** The `"workerd": "<version>"` pin of a package.json text, or undefined when it has none. */
export function pinnedVersion(packageJson) {
  return pinnedDependency(packageJson, "workerd");
}

/** The package.json text with its `workerd` pin set to `version`, formatting kept. */
export function setPinnedVersion(packageJson, version) {
  return setPinnedDependency(packageJson, "workerd", version);
}

/**
 * The workers-types version to pin beside workerd `workerdVersion` (1.YYYYMMDD.N): the newest of
 * `versions` (5.YYYYMMDD.N; others such as pre-releases are skipped) not dated after it, or
 * undefined when there is none.
 */
export function pickWorkersTypesVersion(versions, workerdVersion) {
  const workerd = VERSION.exec(workerdVersion);
  if (!workerd) return undefined;
  const limit = `${workerd[1]}${workerd[2]}${workerd[3]}`;
  let best;
  let bestKey;
  for (const version of versions) {
    const match = /^5\.(\d{8})\.(\d+)$/.exec(version);
    if (!match || match[1] > limit) continue;
    const key = [match[1], Number(match[2])];
    if (bestKey === undefined || key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) {
      best = version;
      bestKey = key;
    }
  }
  return best;
}

/** The date of `workerd --version` output (`workerd 2026-11-23`), or undefined. */
export function binaryDate(versionOutput) {
  return /^workerd (\d{4}-\d{2}-\d{2})\s*$/m.exec(versionOutput)?.[1];
}

/** The SUPPORTED_COMPATIBILITY_DATE of resolve.ts's source, or undefined. */
export function supportedDate(source) {
  return /SUPPORTED_COMPATIBILITY_DATE\s*=\s*"(\d{4}-\d{2}-\d{2})"/.exec(source)?.[1];
}

const isVersionLine = (line) => /^\s*"workerd":\s*"workerd [^"]*",?\s*$/.test(line);

/** Lines of `a` not matched by a line of `b` (as a multiset), in `a`'s order. */
function unmatched(a, b) {
  const counts = new Map();
  for (const line of b) counts.set(line, (counts.get(line) ?? 0) + 1);
  const rest = [];
  for (const line of a) {
    const n = counts.get(line) ?? 0;
    if (n > 0) counts.set(line, n - 1);
    else rest.push(line);
  }
  return rest;
}

/**
 * Compares two sets of goldens (name → file text): every golden added, removed or changed,
 * with the counts of lines only in the new / old text and the first few of them. A golden whose
 * only difference is its recorded workerd version is `version-only`.
 */
export function summariseGoldenChanges(before, after, sampleLines = 3) {
  const changes = [];
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const name of names) {
    const old = before.get(name);
    const now = after.get(name);
    if (old === now) continue;
    if (old === undefined) {
      changes.push({ name, kind: "added", added: now.split("\n").length, removed: 0, sample: [] });
      continue;
    }
    if (now === undefined) {
      changes.push({ name, kind: "removed", added: 0, removed: old.split("\n").length, sample: [] });
      continue;
    }
    const oldLines = old.split("\n").filter((line) => !isVersionLine(line));
    const newLines = now.split("\n").filter((line) => !isVersionLine(line));
    const added = unmatched(newLines, oldLines);
    const removed = unmatched(oldLines, newLines);
    if (added.length === 0 && removed.length === 0) {
      changes.push({ name, kind: "version-only", added: 0, removed: 0, sample: [] });
      continue;
    }
    const cut = (line) => (line.trim().length > 160 ? `${line.trim().slice(0, 157)}...` : line.trim());
    const sample = [
      ...removed.slice(0, sampleLines).map((l) => `- ${cut(l)}`),
      ...added.slice(0, sampleLines).map((l) => `+ ${cut(l)}`),
    ];
    changes.push({ name, kind: "changed", added: added.length, removed: removed.length, sample });
  }
  return changes;
}

/** The report printed at the end: one section per check, then the verdict line. */
export function formatReport(report) {
  const lines = [];
  lines.push(`workerd ${report.from ?? "?"} -> ${report.to} (${report.binaryVersion ?? "binary version unknown"})`);
  lines.push("");
  const changed = report.goldens.filter((c) => c.kind !== "version-only");
  const versionOnly = report.goldens.filter((c) => c.kind === "version-only");
  lines.push(
    `own goldens: ${report.recordOk ? "re-recorded" : "RECORDING FAILED"}; ${changed.length} changed, ${versionOnly.length} with only the workerd version line changed`,
  );
  for (const line of report.recordFailures ?? []) lines.push(`  not recorded (golden kept): ${line}`);
  for (const change of changed) {
    lines.push(`  ${change.kind} ${change.name}: +${change.added} -${change.removed} lines`);
    for (const line of change.sample) lines.push(`      ${line}`);
  }
  lines.push(`shared goldens: ${report.shared.summary}`);
  for (const line of report.shared.failures ?? []) lines.push(`  ${line}`);
  const types = report.workersTypes;
  if (types !== undefined) {
    lines.push(
      types.to === undefined
        ? `workers-types: ${types.note ?? "not changed"}; kept ${types.from ?? "?"}`
        : `workers-types ${types.from ?? "?"} -> ${types.to} (${types.note})`,
    );
    lines.push(`workers-types type tests: ${types.tests.summary}`);
    for (const line of types.tests.details ?? []) lines.push(`  ${line}`);
  }
  lines.push(`compatibility registry vs binary: ${report.registry.summary}`);
  for (const line of report.registry.details ?? []) lines.push(`  ${line}`);
  const dates = report.dates;
  lines.push(
    dates.binary === undefined || dates.supported === undefined
      ? `compatibility date: cannot compare (binary ${dates.binary ?? "?"}, SUPPORTED_COMPATIBILITY_DATE ${dates.supported ?? "?"})`
      : dates.binary === dates.supported
        ? `compatibility date: SUPPORTED_COMPATIBILITY_DATE ${dates.supported} equals the binary's date`
        : `compatibility date: MISMATCH: the binary says ${dates.binary}, SUPPORTED_COMPATIBILITY_DATE is ${dates.supported} (${RESOLVE_TS})`,
  );
  lines.push("");
  lines.push(report.ok ? "workerd-upgrade: all checks passed" : "workerd-upgrade: some checks FAILED (see above)");
  return lines.join("\n");
}

/**
 * The failed scenarios of a conformance runner's output: each `FAIL <name> (...)` line with the
 * first line of its reason, e.g. `tail-handler-object: test() failed: main`.
 */
export function failedScenarios(output) {
  const lines = output.split("\n");
  const failures = [];
  for (let i = 0; i < lines.length; i++) {
    const match = /^FAIL (\S+)/.exec(lines[i]);
    if (!match) continue;
    const next = lines[i + 1] ?? "";
    const reason = /^\s/.test(next) ? next.trim().replace(/^run \d+: /, "") : "";
    failures.push(reason ? `${match[1]}: ${reason}` : match[1]);
  }
  return failures;
}

/**
 * Whether every check of a report passed; a missing registry test does not fail the run, a
 * workers-types version that could not be chosen does.
 */
export function reportOk(report) {
  return (
    report.recordOk &&
    report.shared.ok &&
    report.registry.ok !== false &&
    (report.workersTypes === undefined || (report.workersTypes.lookupOk && report.workersTypes.tests.ok)) &&
    report.dates.binary !== undefined &&
    report.dates.binary === report.dates.supported
  );
}

function readGoldens() {
  const dir = path.join(ROOT, GOLDENS_DIR);
  const goldens = new Map();
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    goldens.set(file.replace(/\.json$/, ""), fs.readFileSync(path.join(dir, file), "utf8"));
  }
  return goldens;
}

/** The package.json files (relative to the root) of the packages that pin workers-types. */
function workersTypesPinFiles() {
  return fs
    .readdirSync(path.join(ROOT, PACKAGES_DIR))
    .sort()
    .map((name) => path.join(PACKAGES_DIR, name, "package.json"))
    .filter(
      (file) =>
        fs.existsSync(path.join(ROOT, file)) &&
        pinnedDependency(fs.readFileSync(path.join(ROOT, file), "utf8"), WORKERS_TYPES) !== undefined,
    );
}

function pnpmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(path.basename(execPath))) {
    return /\.[cm]?js$/.test(execPath) ? [process.execPath, execPath] : [execPath];
  }
  return ["pnpm"];
}

function run(command, args, { echo = true } = {}) {
  if (echo) process.stderr.write(`$ ${[command, ...args].join(" ")}\n`);
  const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? `\n${result.error.message}` : ""}`;
  return { ok: result.status === 0, status: result.status, output };
}

const lastLines = (text, n) => text.trimEnd().split("\n").slice(-n);

function main(argv) {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { version, install } = options;
  const from = pinnedVersion(fs.readFileSync(path.join(ROOT, PIN_FILES[0]), "utf8"));
  const before = readGoldens();

  for (const file of PIN_FILES) {
    const full = path.join(ROOT, file);
    if (!fs.existsSync(full)) continue;
    const text = fs.readFileSync(full, "utf8");
    if (pinnedVersion(text) !== undefined) fs.writeFileSync(full, setPinnedVersion(text, version));
  }
  const typesFiles = workersTypesPinFiles();
  const typesFrom =
    typesFiles.length > 0
      ? pinnedDependency(fs.readFileSync(path.join(ROOT, typesFiles[0]), "utf8"), WORKERS_TYPES)
      : undefined;
  const workersTypes = { from: typesFrom, to: undefined, note: "kept (--no-install)", lookupOk: true };
  if (install && typesFiles.length > 0) {
    const [pnpm, ...pre] = pnpmCommand();
    const view = run(pnpm, [...pre, "view", WORKERS_TYPES, "versions", "--json"]);
    let versions;
    try {
      versions = view.ok ? JSON.parse(view.output.slice(view.output.indexOf("["))) : undefined;
    } catch {
      versions = undefined;
    }
    const picked = Array.isArray(versions) ? pickWorkersTypesVersion(versions, version) : undefined;
    if (picked === undefined) {
      workersTypes.lookupOk = false;
      workersTypes.note = Array.isArray(versions)
        ? `LOOKUP FAILED: no ${WORKERS_TYPES} version dated on or before ${options.date}`
        : `LOOKUP FAILED: pnpm view ${WORKERS_TYPES} versions (exit ${view.status})`;
    } else {
      workersTypes.to = picked;
      workersTypes.note = `the newest published on or before ${options.date}`;
      for (const file of typesFiles) {
        const full = path.join(ROOT, file);
        fs.writeFileSync(full, setPinnedDependency(fs.readFileSync(full, "utf8"), WORKERS_TYPES, picked));
      }
    }
  }
  if (install) {
    const [pnpm, ...pre] = pnpmCommand();
    const installed = run(pnpm, [...pre, "install"]);
    if (!installed.ok) {
      process.stderr.write(
        `${installed.output}\nworkerd-upgrade: pnpm install failed (exit ${installed.status}); is ${version} published?\n`,
      );
      return 1;
    }
  }
  const bin = path.join(ROOT, WORKERD_BIN);
  const binaryVersion = run(bin, ["--version"], { echo: false }).output.trim().split("\n")[0];

  const recorded = run(process.execPath, ["conformance/tools/run.mjs", "--record"]);
  const goldens = summariseGoldenChanges(before, readGoldens());

  let shared;
  if (!fs.existsSync(path.join(ROOT, SHARED_RUN_ALL))) {
    shared = {
      ok: false,
      summary: `NOT RUN: ${SHARED_RUN_ALL} is missing (clone the shared folder beside the repository)`,
    };
  } else {
    const check = run(process.execPath, [SHARED_RUN_ALL, "--workerd", "--check", "--set", "everything", "--bin", bin]);
    const summary = check.output.match(/conformance: \d+\/\d+ scenarios match/g)?.at(-1) ?? "no summary line";
    shared = { ok: check.ok, summary, failures: failedScenarios(check.output) };
  }

  let registry;
  if (!fs.existsSync(path.join(ROOT, REGISTRY_TEST))) {
    registry = { ok: undefined, summary: `NOT RUN: ${REGISTRY_TEST} is absent` };
  } else {
    const [pnpm, ...pre] = pnpmCommand();
    const test = run(pnpm, [
      ...pre,
      "vitest",
      "run",
      "--project",
      "@workers-tracing/workers-shim",
      REGISTRY_TEST.replace("packages/workers-shim/", ""),
    ]);
    registry = test.ok
      ? { ok: true, summary: "passed" }
      : { ok: false, summary: `FAILED (exit ${test.status})`, details: lastLines(test.output, 25) };
  }

  const typesPackages = typesFiles.map((file) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")).name);
  if (typesPackages.length === 0) {
    workersTypes.tests = { ok: true, summary: `NOT RUN: no package pins ${WORKERS_TYPES}` };
  } else {
    const [pnpm, ...pre] = pnpmCommand();
    const typecheck = run(pnpm, [
      ...pre,
      "exec",
      "turbo",
      "run",
      "typecheck",
      "--output-logs=errors-only",
      ...typesPackages.map((name) => `--filter=${name}`),
    ]);
    const names = typesPackages.map((name) => name.replace(/^@[^/]+\//, "")).join(", ");
    workersTypes.tests = typecheck.ok
      ? { ok: true, summary: `passed (typecheck of ${names})` }
      : {
          ok: false,
          summary: `FAILED (typecheck of ${names}, exit ${typecheck.status})`,
          details: lastLines(typecheck.output, 25),
        };
  }

  const dates = {
    binary: binaryDate(binaryVersion),
    supported: supportedDate(fs.readFileSync(path.join(ROOT, RESOLVE_TS), "utf8")),
  };
  const recordFailures = failedScenarios(recorded.output);
  const report = {
    from,
    to: version,
    binaryVersion,
    recordOk: recorded.ok,
    recordFailures,
    goldens,
    shared,
    workersTypes,
    registry,
    dates,
  };
  if (!recorded.ok && recordFailures.length === 0)
    process.stderr.write(`${lastLines(recorded.output, 30).join("\n")}\n`);
  report.ok = reportOk(report);
  process.stdout.write(`${formatReport(report)}\n`);
  return report.ok ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
