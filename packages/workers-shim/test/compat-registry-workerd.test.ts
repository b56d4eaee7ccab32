// Asks the pinned workerd binary about every name and every resolution rule of the generated
// compatibility registry, so that upgrading workerd shows exactly what changed.
//
// The binary is conformance/node_modules/.bin/workerd (the project's pin); set WORKERD_BIN to
// check another build by hand. Two runs of `workerd test`, a few seconds in all:
//   1. names: one worker lists every enable and disable flag (and the shim's own names) without
//      --experimental; workerd's error and warning lines must be exactly the ones the registry
//      predicts (unknown name, experimental, contradictory pair, redundant enable flag);
//   2. values: with --experimental, one worker per case (each enable date; each implication date
//      and the day before it, with the implying flag; all enable flags; all disable flags) prints
//      `Cloudflare.compatibilityFlags`; every value must equal the shim's resolution.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { OWN_FLAG_PREFIX } from "../src/compat/own-flags";
import { COMPAT_FLAG_REGISTRY } from "../src/compat/registry";
import type { CompatFlagDefinition } from "../src/compat/registry";
import { WORKERD_REGISTRY_VERSION } from "../src/compat/registry-data";
import { SUPPORTED_COMPATIBILITY_DATE, resolveWithRegistry } from "../src/compat/resolve";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const WORKERD = process.env["WORKERD_BIN"] ?? join(REPO, "conformance", "node_modules", ".bin", "workerd");
const WORKERD_PACKAGE = join(REPO, "conformance", "node_modules", "workerd", "package.json");

const workerd = COMPAT_FLAG_REGISTRY.filter((entry) => entry.owner === "workerd");
const own = COMPAT_FLAG_REGISTRY.filter((entry) => entry.owner === "workers-shim");
/** A name workerd must refuse: reserved for the shim's own flags. */
const RESERVED_PROBE = `${OWN_FLAG_PREFIX}reserved_probe`;

const dir = mkdtempSync(join(tmpdir(), "compat-registry-workerd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function binaryLabel(): string {
  if (process.env["WORKERD_BIN"] !== undefined) return process.env["WORKERD_BIN"];
  const version = existsSync(WORKERD_PACKAGE)
    ? (JSON.parse(readFileSync(WORKERD_PACKAGE, "utf8")) as { version: string }).version
    : "?";
  return `workerd ${version} (pinned)`;
}

interface Case {
  readonly name: string;
  readonly date: string;
  readonly flags: readonly string[];
}

function writeConfig(file: string, cases: readonly Case[], module: string): string {
  writeFileSync(join(dir, "worker.js"), module);
  const services = cases.map(
    (c) =>
      `(name = ${JSON.stringify(c.name)}, worker = (modules = [(name = "worker", esModule = embed "worker.js")], ` +
      `compatibilityDate = ${JSON.stringify(c.date)}, compatibilityFlags = ${JSON.stringify(c.flags)}, ` +
      `bindings = [(name = "CASE", text = ${JSON.stringify(c.name)})]))`,
  );
  const path = join(dir, file);
  writeFileSync(
    path,
    `using Workerd = import "/workerd/workerd.capnp";\nconst config :Workerd.Config = (services = [\n${services.join(",\n")}\n]);\n`,
  );
  return path;
}

function runWorkerd(args: readonly string[]): { stdout: string; stderr: string } {
  if (!existsSync(WORKERD)) throw new Error(`no workerd binary at ${WORKERD}: run pnpm install (or set WORKERD_BIN)`);
  const run = spawnSync(WORKERD, ["test", ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.error !== undefined) throw run.error;
  return { stdout: run.stdout, stderr: run.stderr };
}

function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/**
 * Enable flags of the fields that turn on Python Workers: workerd then downloads the Pyodide
 * bundle, which this machine cannot reach. Their implications are not checked against workerd.
 */
const NEEDS_NETWORK = new Set(
  workerd
    .filter((entry) => entry.field === "pythonWorkers" || entry.field === "pythonWorkersDevPyodide")
    .flatMap((entry) => (entry.enableFlag !== undefined ? [entry.enableFlag] : [])),
);

/** The newest date every case may use: no later than today or the binary's newest date. */
const LATEST = [SUPPORTED_COMPATIBILITY_DATE, new Date().toISOString().slice(0, 10)].sort()[0]!;
/** The newest enable date in the registry: at this date every dated field is on. */
const NEWEST_ENABLE_DATE = workerd
  .map((entry) => entry.enableDate ?? "2000-01-01")
  .filter((date) => date <= LATEST)
  .sort()
  .at(-1)!;

function flagsOf(entries: readonly CompatFlagDefinition[], key: "enableFlag" | "disableFlag"): string[] {
  return entries.flatMap((entry) => (entry[key] !== undefined ? [entry[key]] : []));
}

describe(`the compatibility registry (generated from workerd ${WORKERD_REGISTRY_VERSION}) against ${binaryLabel()}`, () => {
  it("supports the same newest compatibility date", () => {
    if (!existsSync(WORKERD)) throw new Error(`no workerd binary at ${WORKERD}: run pnpm install (or set WORKERD_BIN)`);
    const version = spawnSync(WORKERD, ["--version"], { encoding: "utf8" }).stdout.trim();
    expect(version).toBe(`workerd ${SUPPORTED_COMPATIBILITY_DATE}`);
  });

  it(
    "agrees on every name: accepted, refused, experimental, contradictory pairs and enable dates",
    { timeout: 60_000 },
    () => {
      const listed = [
        ...flagsOf(workerd, "enableFlag"),
        ...flagsOf(workerd, "disableFlag"),
        ...flagsOf(own, "enableFlag"),
        ...flagsOf(own, "disableFlag"),
        RESERVED_PROBE,
      ];
      const expected = new Set<string>();
      for (const entry of workerd) {
        const { enableFlag, disableFlag } = entry;
        if (enableFlag === undefined) continue;
        if (disableFlag !== undefined)
          expected.add(`Compatibility flags are mutually contradictory: ${enableFlag} vs ${disableFlag}`);
        if (entry.experimental === true) {
          expected.add(
            `The compatibility flag ${enableFlag} is experimental and may break or be removed in a future version of workerd. To use this flag, you must pass --experimental on the command line.`,
          );
        }
        if (entry.enableAllDates === true) {
          expected.add(
            `The compatibility flag ${enableFlag} is the default, so does not need to be specified anymore.`,
          );
        } else if (entry.enableDate !== undefined && entry.enableDate <= NEWEST_ENABLE_DATE) {
          expected.add(
            `The compatibility flag ${enableFlag} became the default as of ${entry.enableDate} so does not need to be specified anymore.`,
          );
        }
      }
      for (const name of [...flagsOf(own, "enableFlag"), ...flagsOf(own, "disableFlag"), RESERVED_PROBE]) {
        expected.add(`No such compatibility flag: ${name}`);
      }

      const config = writeConfig(
        "names.capnp",
        [{ name: "names", date: NEWEST_ENABLE_DATE, flags: listed }],
        "export default {};\n",
      );
      const { stdout, stderr } = runWorkerd([config]);
      const said = new Set(
        `${stdout}\n${stderr}`
          .split("\n")
          .filter((line) => line.startsWith("service names: "))
          .map((line) => line.slice("service names: ".length).trim()),
      );
      const onlyWorkerd = [...said].filter((line) => !expected.has(line)).sort();
      const onlyRegistry = [...expected].filter((line) => !said.has(line)).sort();
      expect({
        "workerd says, the registry does not": onlyWorkerd,
        "the registry predicts, workerd does not say": onlyRegistry,
      }).toEqual({
        "workerd says, the registry does not": [],
        "the registry predicts, workerd does not say": [],
      });
    },
  );

  it(
    "resolves every field like workerd at every enable and implication date, and with every flag",
    { timeout: 120_000 },
    () => {
      const candidates: Case[] = [
        { name: "all-enable-flags", date: "2000-01-01", flags: flagsOf(workerd, "enableFlag") },
        { name: "all-disable-flags", date: NEWEST_ENABLE_DATE, flags: flagsOf(workerd, "disableFlag") },
      ];
      const dates = new Set<string>();
      for (const entry of workerd) {
        if (entry.enableDate !== undefined) dates.add(entry.enableDate);
      }
      for (const date of [...dates].sort()) {
        // The day before an enable date is the newest enable date before it, or a day that resolves
        // like one: the names check already confirmed each date itself, so one case per date suffices.
        candidates.push({ name: `date-${date}`, date, flags: [] });
      }
      const byField = new Map(workerd.map((entry) => [entry.field as string, entry]));
      for (const entry of workerd) {
        const implied = entry.impliedByAfterDate;
        if (implied === undefined) continue;
        for (const name of implied.names) {
          const flag = byField.get(name)?.enableFlag;
          if (flag === undefined) continue;
          for (const d of [implied.date, dayBefore(implied.date)])
            candidates.push({ name: `implied-${flag}-${d}`, date: d, flags: [flag] });
        }
      }
      const cases = candidates
        .filter(
          (c, i) =>
            c.date >= "2000-01-01" && c.date <= LATEST && candidates.findIndex((other) => other.name === c.name) === i,
        )
        .map((c) => ({ ...c, flags: c.flags.filter((flag) => !NEEDS_NETWORK.has(flag)) }))
        .filter((c) => c.flags.length > 0 || !c.name.startsWith("implied-"));

      const module = `export default { test(controller, env) { console.log("FLAGS " + env.CASE + " " + JSON.stringify(globalThis.Cloudflare.compatibilityFlags)); } };\n`;
      const config = writeConfig("values.capnp", cases, module);
      const { stdout, stderr } = runWorkerd(["--experimental", config]);
      const reported = new Map<string, Record<string, boolean>>();
      for (const line of stdout.split("\n")) {
        const match = /^FLAGS (\S+) (.*)$/.exec(line);
        if (match !== null) reported.set(match[1]!, JSON.parse(match[2]!) as Record<string, boolean>);
      }
      expect(
        reported.size,
        `workerd ran ${reported.size} of ${cases.length} cases; stderr:\n${stderr.slice(0, 2000)}`,
      ).toBe(cases.length);

      const keys = flagsOf(workerd, "enableFlag").sort();
      const disagreements: string[] = [];
      for (const c of cases) {
        const values = reported.get(c.name)!;
        const reportedKeys = Object.keys(values).sort();
        if (JSON.stringify(reportedKeys) !== JSON.stringify(keys)) {
          const extra = reportedKeys.filter((key) => !keys.includes(key));
          const missing = keys.filter((key) => !reportedKeys.includes(key));
          disagreements.push(
            `${c.name}: fields workerd has and the registry lacks: [${extra.join(", ")}]; the registry has and workerd lacks: [${missing.join(", ")}]`,
          );
          continue;
        }
        const { flags } = resolveWithRegistry(workerd, {
          compatibilityDate: c.date,
          compatibilityFlags: c.flags,
          experimental: true,
          today: LATEST,
          maxDate: LATEST,
        });
        for (const entry of workerd) {
          if (entry.enableFlag === undefined) continue;
          const ours = flags[entry.field];
          const theirs = values[entry.enableFlag];
          if (ours !== theirs)
            disagreements.push(
              `${c.name}: ${entry.field} (${entry.enableFlag}) is ${String(theirs)} in workerd, ${String(ours)} in the registry`,
            );
        }
      }
      expect(disagreements).toEqual([]);
    },
  );
});
