import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { installWorkerGlobals } from "../src/globals/index";

const PROBES = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, "../scripts/globals-probes.json"), "utf8"),
) as { sync: string[]; async: string[] };
const DIR = path.join(import.meta.dirname, "fixtures/globals/probes");

interface ProbeFixture {
  workerd: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  flags: Record<string, boolean>;
  results: Record<string, string>;
}

const fixtures = fs
  .readdirSync(DIR)
  .sort()
  .map((name) => ({ name, ...(JSON.parse(fs.readFileSync(path.join(DIR, name), "utf8")) as ProbeFixture) }));

/** The probe worker of scripts/record-globals.mjs, run as a script in the worker's context. */
const RUNNER = `(async (probes) => {
  const PENDING = Symbol("pending");
  const format = (v) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
  const failure = (e) => (e !== null && typeof e === "object" ? e.name + ": " + e.message : "non-error " + String(e));
  const compiled = new Map([...probes.sync, ...probes.async].map((e) => [e, new Function("return (" + e + ")")]));
  const results = {};
  for (const e of probes.sync) {
    try { results[e] = format(compiled.get(e)()); } catch (err) { results[e] = "THROWS " + failure(err); }
  }
  for (const e of probes.async) {
    const pending = new Promise((resolve) => setTimeout(() => resolve(PENDING), 500));
    try {
      const value = await Promise.race([compiled.get(e)(), pending]);
      results[e] = value === PENDING ? "PENDING" : "RESOLVES " + format(value);
    } catch (err) { results[e] = "REJECTS " + failure(err); }
  }
  return results;
})`;

const quiet = { log() {}, warn() {}, error() {}, info() {}, debug() {} } as unknown as Console;

describe("worker globals' behaviour against workerd's", () => {
  it.for(fixtures.map((f) => [f.name, f] as const))("answers every probe as workerd does (%s)", async ([, fixture]) => {
    expect(Object.keys(fixture.results)).toEqual([...PROBES.sync, ...PROBES.async]);
    const context = vm.createContext();
    const global = vm.runInContext("globalThis", context) as Record<PropertyKey, unknown>;
    installWorkerGlobals(global, { flags: fixture.flags, serviceName: "main", hostConsole: quiet });
    const run = vm.runInContext(RUNNER, context) as (probes: unknown) => Promise<Record<string, string>>;
    const results = await run(JSON.parse(JSON.stringify(PROBES)));
    expect(results).toEqual(fixture.results);
  });
});
