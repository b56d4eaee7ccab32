#!/usr/bin/env node
// Runs the shared benchmark harness (<repo>/../shared/bench, read-only) on impls/workers-tracing.mjs
// next to the harness's own implementations, without copying anything into this repository.
//
// The shared run.mjs only knows the names of files in its own impls/ folder, but it builds each
// path with path.join(<its impls dir>, name + ".mjs"), so a name that is a relative path to our
// impl file reaches it. This script passes that relative path, saves the raw run as JSON, renames
// it to "workers-tracing" and lets the shared run.mjs re-print the saved run (--from).
//
// usage: node shared-harness.mjs [--shared=dir] [--impls=a,b] [--rounds=N] [--quick] [--only=op,...]
//                                [--mem] [--json=path]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const USAGE =
  "usage: node shared-harness.mjs [--shared=dir] [--impls=a,b] [--rounds=N] [--quick] [--only=op,...] [--mem] [--json=path]";
const OURS = "workers-tracing";
const ourImpl = path.join(here, "impls", `${OURS}.mjs`);
// Implementations of the shared harness that import nothing from its node_modules.
const NO_DEPS = new Set(["floor", "sketch-als"]);

function fail(message) {
  process.stderr.write(`shared-harness: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const options = {
  shared: path.resolve(here, "../../shared/bench"),
  impls: null,
  rounds: null,
  quick: false,
  only: null,
  mem: false,
  json: null,
};
// A lone "--" (what `pnpm bench -- --quick` passes through) is ignored.
for (const arg of process.argv.slice(2).filter((a) => a !== "--")) {
  const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
  if (match === null) fail(`unexpected argument "${arg}"; expected an option such as --quick`);
  const [, name, value] = match;
  if (name === "help") {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } else if ((name === "quick" || name === "mem") && value === undefined) options[name] = true;
  else if (name === "rounds") {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 50) fail(`--rounds must be an integer from 1 to 50, received "${value}"`);
    options.rounds = n;
  } else if ((name === "shared" || name === "impls" || name === "only" || name === "json") && value) {
    options[name] = name === "shared" ? path.resolve(value) : value;
  } else fail(`unknown or incomplete option "${arg}"`);
}

const shared = options.shared;
for (const file of ["run.mjs", "mem.mjs", "lib/child.mjs", "impls/floor.mjs"]) {
  if (!existsSync(path.join(shared, file))) {
    fail(`no shared harness at ${shared} (missing ${file}); expected <repo>/../shared/bench, or pass --shared=<dir>`);
  }
}
const hasModules = existsSync(path.join(shared, "node_modules"));
const impls =
  options.impls !== null
    ? options.impls
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s && s !== "floor" && s !== OURS)
    : ["sketch-als", ...(hasModules ? ["otel-simple", "sentry", "ddtrace"] : [])];
for (const impl of impls) {
  if (!/^[a-z0-9-]+$/.test(impl) || !existsSync(path.join(shared, "impls", `${impl}.mjs`))) {
    fail(
      `unknown implementation "${impl}"; expected the name of a file in ${path.join(shared, "impls")} (without .mjs)`,
    );
  }
  if (!NO_DEPS.has(impl) && !hasModules) {
    fail(
      `implementation "${impl}" needs the harness's node_modules, which ${shared} does not have; ` +
        `copy it to a writable directory, run "npm ci" there and pass --shared=<that directory>`,
    );
  }
}
if (!hasModules)
  process.stderr.write(
    `shared-harness: ${shared} has no node_modules: OTel, Sentry and dd-trace are left out (see README.md)\n`,
  );

// Our impl as a name the shared run.mjs resolves: a path relative to its impls/ folder, no ".mjs".
const ourName = path.relative(path.join(shared, "impls"), ourImpl).slice(0, -".mjs".length);
const tmp = mkdtempSync(path.join(os.tmpdir(), "wt-shared-harness-"));
try {
  const passThrough = [];
  if (options.quick) passThrough.push("--quick");
  if (options.rounds !== null) passThrough.push(`--rounds=${options.rounds}`);
  if (options.only !== null) passThrough.push(`--only=${options.only}`);
  const raw = path.join(tmp, "raw.json");
  const measured = spawnSync(
    process.execPath,
    [path.join(shared, "run.mjs"), `--impls=floor,${ourName},${impls.join(",")}`, `--json=${raw}`, ...passThrough],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  if (measured.status !== 0 || !existsSync(raw)) fail(`the shared run.mjs failed (status ${measured.status})`);

  // Rename our impl's runs from the relative path to "workers-tracing", then re-print.
  const saved = JSON.parse(readFileSync(raw, "utf8"));
  if (!saved.runs[ourName] || saved.runs[ourName].length === 0)
    fail(`no successful run of ${ourImpl} (see the errors above)`);
  saved.runs = Object.fromEntries(Object.entries(saved.runs).map(([k, v]) => [k === ourName ? OURS : k, v]));
  saved.table = saved.table.map((row) => (row.impl === ourName ? { ...row, impl: OURS } : row));
  const renamed = path.join(tmp, "renamed.json");
  writeFileSync(renamed, JSON.stringify(saved, null, 1));
  const printed = spawnSync(process.execPath, [path.join(shared, "run.mjs"), `--from=${renamed}`, "--md"], {
    stdio: "inherit",
  });
  if (printed.status !== 0) fail(`re-printing the run failed (status ${printed.status})`);
  if (options.json !== null) copyFileSync(renamed, path.resolve(options.json));

  if (options.mem) {
    const memArgs = [path.join(shared, "mem.mjs"), `--impls=floor,${ourName},${impls.join(",")}`];
    if (options.quick) memArgs.push("--runs=1");
    const mem = spawnSync(process.execPath, memArgs, {
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
    });
    if (mem.status !== 0) fail(`the shared mem.mjs failed (status ${mem.status})`);
    process.stdout.write("\n" + mem.stdout.split(`| ${ourName} |`).join(`| ${OURS} |`));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
