#!/usr/bin/env node
// Records workerd's global scope and a few warning texts as test fixtures for workers-shim.
//
// Usage (from the repo root):
//   node packages/workers-shim/scripts/record-globals.mjs [--bin <workerd>] [--out <dir>]
//
// For every (compatibility date, flags) set below it runs `workerd test` on a one-service
// config whose test() handler prints the global object's prototype chain: for each level
// (the global itself, then each prototype) its own property keys and the `typeof` of the
// global's value for that key. The result is written to
// test/fixtures/globals/<date>_<flags>.json together with the workerd version and the
// resolved compatibility fields that gate global names (see GATES below).
//
// It also records, through a streaming tail worker, the log events workerd emits for
// Response/FormData cases and for console calls with hostile arguments
// (test/fixtures/globals/warnings.json).
//
// Node built-ins only; the default binary is conformance/node_modules/.bin/workerd.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DESCRIBE_LEVELS } from "./describe-levels.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "../../..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const BIN = option("--bin", path.join(REPO, "conformance/node_modules/.bin/workerd"));
const OUT = path.resolve(option("--out", path.join(HERE, "../test/fixtures/globals")));

/** The recorded sets: date × flags (`experimental` sets run workerd with --experimental). */
const SETS = [
  ...["2024-01-01", "2025-06-01", "2026-11-01"].flatMap((date) => [
    { date, flags: [] },
    { date, flags: ["nodejs_compat"] },
    { date, flags: ["nodejs_compat_v2"] },
  ]),
  { date: "2022-01-01", flags: [] },
  { date: "2026-04-01", flags: [] },
  { date: "2026-04-01", flags: ["nodejs_compat"] },
  { date: "2026-04-01", flags: ["nodejs_compat_v2", "enable_nodejs_perf_hooks_module"] },
  { date: "2026-11-01", flags: ["no_nodejs_compat_v2"] },
  { date: "2026-11-01", flags: ["no_nodejs_compat", "no_nodejs_compat_v2"] },
  { date: "2026-11-01", flags: ["disable_global_performance_classes", "disable_nodejs_perf_hooks_module"] },
  {
    date: "2026-11-01",
    flags: [
      "no_global_navigator",
      "disable_weak_ref",
      "no_expose_global_message_channel",
      "global_importscripts",
      "do_not_set_tostring_tag",
    ],
  },
  {
    date: "2024-01-01",
    flags: ["enable_weak_ref", "expose_global_message_channel", "enable_global_performance_classes"],
  },
  { date: "2026-11-01", flags: ["experimental"], experimental: true },
  { date: "2026-11-01", flags: ["no_nodejs_global_timers", "streams_disable_constructors"] },
];

/**
 * The compatibility fields that gate global names, with their annotations in the pinned
 * workerd (field order as in compatibility-date.capnp; implications apply in one pass in that
 * order); used to store each set's resolved values next to its recording.
 */
const GATES = [
  {
    field: "streamsJavaScriptControllers",
    enable: "streams_enable_constructors",
    disable: "streams_disable_constructors",
    date: "2022-11-30",
  },
  { field: "globalNavigator", enable: "global_navigator", disable: "no_global_navigator", date: "2022-03-21" },
  { field: "nodeJsCompat", enable: "nodejs_compat", disable: "no_nodejs_compat", date: "2026-08-04" },
  { field: "workerdExperimental", enable: "experimental" },
  { field: "noImportScripts", enable: "no_global_importscripts", disable: "global_importscripts", date: "2024-03-04" },
  {
    field: "nodeJsCompatV2",
    enable: "nodejs_compat_v2",
    disable: "no_nodejs_compat_v2",
    date: "2026-08-04",
    impliedBy: { names: ["nodeJsCompat"], date: "2024-09-23" },
  },
  { field: "setToStringTag", enable: "set_tostring_tag", disable: "do_not_set_tostring_tag", date: "2024-09-26" },
  { field: "jsWeakRef", enable: "enable_weak_ref", disable: "disable_weak_ref", date: "2025-05-05" },
  {
    field: "exposeGlobalMessageChannel",
    enable: "expose_global_message_channel",
    disable: "no_expose_global_message_channel",
    date: "2025-08-15",
  },
  {
    field: "enableNodeJsPerfHooksModule",
    enable: "enable_nodejs_perf_hooks_module",
    disable: "disable_nodejs_perf_hooks_module",
    impliedBy: { names: ["nodeJsCompat"], date: "2026-03-17" },
  },
  {
    field: "enableGlobalPerformanceClasses",
    enable: "enable_global_performance_classes",
    disable: "disable_global_performance_classes",
    impliedBy: { names: ["nodeJsCompat"], date: "2026-03-17" },
  },
  {
    field: "enableNodejsGlobalTimers",
    enable: "enable_nodejs_global_timers",
    disable: "no_nodejs_global_timers",
    impliedBy: { names: ["nodeJsCompat"], date: "2026-02-10" },
  },
];

function resolveGates(date, flags) {
  const out = {};
  for (const g of GATES) {
    let on = g.date !== undefined && date >= g.date;
    if (g.disable !== undefined && flags.includes(g.disable)) on = false;
    if (flags.includes(g.enable)) on = true;
    out[g.field] = on;
  }
  for (const g of GATES) {
    if (g.impliedBy && date >= g.impliedBy.date && g.impliedBy.names.some((n) => out[n])) {
      if (!(g.disable !== undefined && flags.includes(g.disable))) out[g.field] = true;
    }
  }
  return out;
}

const GLOBALS_WORKER = `
export default {
  async test() {
    const levels = ${DESCRIBE_LEVELS};
    console.log("GLOBALS " + JSON.stringify(levels));
  }
};
`;

const PROBES = JSON.parse(fs.readFileSync(path.join(HERE, "globals-probes.json"), "utf8"));

/** The (date, flags) sets the probes run at. */
const PROBE_SETS = [
  { date: "2026-11-01", flags: ["nodejs_compat"] },
  // Before 2025-06-01 workerd refuses eval during startup, which the probe worker needs.
  { date: "2024-01-01", flags: ["allow_eval_during_startup"] },
];

/**
 * Evaluates each probe expression (compiled at startup: workerd refuses code generation
 * during a request) and prints its result: `String(value)`, or JSON for objects, prefixed
 * with THROWS / RESOLVES / REJECTS where that applies, or PENDING. test/globals-probes.test.ts formats
 * results the same way.
 */
const PROBES_WORKER = `
const PROBES = ${JSON.stringify(PROBES)};
const PENDING = Symbol("pending");
const format = (v) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
const failure = (e) => (e !== null && typeof e === "object" ? e.name + ": " + e.message : "non-error " + String(e));
const compiled = new Map([...PROBES.sync, ...PROBES.async].map((e) => [e, new Function("return (" + e + ")")]));
export default {
  async test() {
    const results = {};
    for (const e of PROBES.sync) {
      try { results[e] = format(compiled.get(e)()); } catch (err) { results[e] = "THROWS " + failure(err); }
    }
    for (const e of PROBES.async) {
      // A probe that never settles is reported as PENDING after 500 ms.
      const pending = new Promise((resolve) => setTimeout(() => resolve(PENDING), 500));
      try {
        const value = await Promise.race([compiled.get(e)(), pending]);
        results[e] = value === PENDING ? "PENDING" : "RESOLVES " + format(value);
      } catch (err) { results[e] = "REJECTS " + failure(err); }
    }
    console.log("PROBES " + JSON.stringify(results));
  }
};
`;

const WARNINGS_WORKER = fs.readFileSync(path.join(HERE, "record-globals-warnings.js"), "utf8");

const TAIL_WORKER = `
export default {
  tailStream(onset) {
    return (ev) => {
      const e = ev.event;
      if (e.type === "log") console.log("LOG " + JSON.stringify({ level: e.level, message: e.message, errorInfo: e.errorInfo }));
      if (e.type === "exception") console.log("LOG " + JSON.stringify({ exception: e.name + ": " + e.message }));
    };
  },
};
export const drain = { async test() { await new Promise((r) => setTimeout(r, 300)); } };
`;

function capnp({ date, flags, tail }) {
  const worker = (mod, d, f, tails) =>
    `( modules = [ (name = "worker", esModule = embed "${mod}") ], compatibilityDate = "${d}", ` +
    `compatibilityFlags = [${f.map((x) => JSON.stringify(x)).join(", ")}]${tails ? `, streamingTails = ["tail"]` : ""} )`;
  const services = [`(name = "main", worker = ${worker("worker.js", date, flags, tail)})`];
  if (tail) services.push(`(name = "tail", worker = ${worker("tail.js", "2026-11-01", [], false)})`);
  return `using Workerd = import "/workerd/workerd.capnp";\nconst config :Workerd.Config = ( services = [ ${services.join(", ")} ] );\n`;
}

function runWorkerd(dir, experimental) {
  const argv = ["test", ...(experimental ? ["--experimental"] : []), path.join(dir, "config.capnp")];
  try {
    return execFileSync(BIN, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60000 });
  } catch (error) {
    throw new Error(`workerd ${argv.join(" ")} failed: ${error.stderr || error.message}`);
  }
}

function workerdVersion() {
  // The npm package version (1.YYYYMMDD.N) names the build exactly; `--version` prints its date.
  const real = fs.realpathSync(BIN);
  for (let dir = path.dirname(real); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      const json = JSON.parse(fs.readFileSync(pkg, "utf8"));
      if (json.name === "workerd") return json.version;
    }
  }
  return execFileSync(BIN, ["--version"], { encoding: "utf8" }).trim();
}

const version = workerdVersion();
fs.mkdirSync(OUT, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "record-globals-"));
try {
  for (const set of SETS) {
    fs.writeFileSync(path.join(tmp, "worker.js"), GLOBALS_WORKER);
    fs.writeFileSync(path.join(tmp, "config.capnp"), capnp({ date: set.date, flags: set.flags, tail: false }));
    const stdout = runWorkerd(tmp, set.experimental === true);
    const line = stdout.split("\n").find((l) => l.startsWith("GLOBALS "));
    if (line === undefined) throw new Error(`no GLOBALS line for ${JSON.stringify(set)}: ${stdout}`);
    const fixture = {
      workerd: version,
      compatibilityDate: set.date,
      compatibilityFlags: set.flags,
      experimental: set.experimental === true,
      flags: resolveGates(set.date, set.flags),
      levels: JSON.parse(line.slice("GLOBALS ".length)),
    };
    const name = `${set.date}_${set.flags.length === 0 ? "none" : set.flags.join("+")}.json`;
    fs.writeFileSync(path.join(OUT, name), JSON.stringify(fixture, null, 2) + "\n");
    console.log(`recorded ${name}`);
  }

  fs.mkdirSync(path.join(OUT, "probes"), { recursive: true });
  for (const set of PROBE_SETS) {
    fs.writeFileSync(path.join(tmp, "worker.js"), PROBES_WORKER);
    fs.writeFileSync(path.join(tmp, "config.capnp"), capnp({ date: set.date, flags: set.flags, tail: false }));
    const stdout = runWorkerd(tmp, false);
    const line = stdout.split("\n").find((l) => l.startsWith("PROBES "));
    if (line === undefined) throw new Error(`no PROBES line for ${JSON.stringify(set)}: ${stdout}`);
    const name = `${set.date}_${set.flags.length === 0 ? "none" : set.flags.join("+")}.json`;
    const fixture = {
      workerd: version,
      compatibilityDate: set.date,
      compatibilityFlags: set.flags,
      flags: { ...resolveGates(set.date, set.flags), enableNavigatorLanguage: set.date >= "2025-05-19" },
      results: JSON.parse(line.slice("PROBES ".length)),
    };
    fs.writeFileSync(path.join(OUT, "probes", name), JSON.stringify(fixture, null, 2) + "\n");
    console.log(`recorded probes/${name}`);
  }

  fs.writeFileSync(path.join(tmp, "worker.js"), WARNINGS_WORKER);
  fs.writeFileSync(path.join(tmp, "tail.js"), TAIL_WORKER);
  fs.writeFileSync(path.join(tmp, "config.capnp"), capnp({ date: "2026-11-01", flags: ["nodejs_compat"], tail: true }));
  const stdout = runWorkerd(tmp, false);
  const events = stdout
    .split("\n")
    .filter((l) => l.startsWith("LOG "))
    .map((l) => JSON.parse(l.slice(4)));
  fs.writeFileSync(
    path.join(OUT, "warnings.json"),
    JSON.stringify(
      { workerd: version, compatibilityDate: "2026-11-01", compatibilityFlags: ["nodejs_compat"], events },
      null,
      2,
    ) + "\n",
  );
  console.log(`recorded warnings.json (${events.length} events)`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
