import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { COMPAT_FLAG_REGISTRY, resolveCompatibilityFlags } from "../src/compat/index";
import { installWorkerGlobals, UNSUPPORTED_GLOBALS } from "../src/globals/index";

const FIXTURES = path.join(import.meta.dirname, "fixtures/globals");

interface Level {
  constructor: string | null;
  names: Record<string, string>;
}

interface GlobalsFixture {
  workerd: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  experimental: boolean;
  flags: Record<string, boolean>;
  levels: Level[];
}

const fixtures = fs
  .readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".json") && name !== "warnings.json")
  .sort()
  .map((name) => ({ name, ...(JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8")) as GlobalsFixture) }));

/** The same walk as the recording worker in scripts/record-globals.mjs, run inside the context. */
const DESCRIBE_LEVELS = `(() => {
  const levels = [];
  for (let o = globalThis; o !== null; o = Object.getPrototypeOf(o)) {
    const names = {};
    for (const k of Reflect.ownKeys(o)) {
      const key = typeof k === "symbol" ? k.toString() : k;
      let t;
      try { t = typeof globalThis[k]; } catch (e) { t = "throws"; }
      names[key] = t;
    }
    let ctor = null;
    if (o !== globalThis) {
      const d = Object.getOwnPropertyDescriptor(o, "constructor");
      ctor = d && typeof d.value === "function" ? d.value.name : null;
    }
    levels.push({ constructor: ctor, names });
  }
  return JSON.stringify(levels);
})()`;

function workerContext(flags: Record<string, boolean>): vm.Context {
  const context = vm.createContext();
  const global = vm.runInContext("globalThis", context) as Record<PropertyKey, unknown>;
  installWorkerGlobals(global, { flags, serviceName: "main", hostConsole: console });
  return context;
}

function sorted(level: Level): Level {
  return { constructor: level.constructor, names: Object.fromEntries(Object.entries(level.names).sort()) };
}

describe(installWorkerGlobals.name, () => {
  it("has recordings of several dates and flag sets from one workerd version", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(9);
    expect(new Set(fixtures.map((f) => f.workerd)).size).toBe(1);
  });

  it.for(fixtures.map((f) => [f.name, f] as const))(
    "gives the names and typeof of workerd's global scope, level by level (%s)",
    ([, fixture]) => {
      const context = workerContext(fixture.flags);
      const levels = JSON.parse(vm.runInContext(DESCRIBE_LEVELS, context) as string) as Level[];
      expect(levels.map(sorted)).toEqual(fixture.levels.map(sorted));
    },
  );

  it.for(fixtures.map((f) => [f.name, f] as const))(
    "records the fields the registry resolves as the registry does (%s)",
    ([, fixture]) => {
      const known = new Set(COMPAT_FLAG_REGISTRY.flatMap((d) => [d.enableFlag, d.disableFlag]));
      const resolvable = fixture.compatibilityFlags.every((flag) => known.has(flag));
      const fields = COMPAT_FLAG_REGISTRY.map((d) => d.field as string).filter((field) => field in fixture.flags);
      if (!resolvable || fields.length === 0) {
        // Only fields both sides know can be compared; the fixture then must not name them.
        expect(fields.filter((field) => resolvable && field in fixture.flags)).toEqual([]);
        return;
      }
      const { flags } = resolveCompatibilityFlags({
        compatibilityDate: fixture.compatibilityDate,
        compatibilityFlags: fixture.compatibilityFlags,
        experimental: fixture.experimental,
        today: "2026-11-23",
      });
      const resolved = flags as Readonly<Record<string, boolean>>;
      for (const field of fields) expect([field, resolved[field]]).toEqual([field, fixture.flags[field]]);
    },
  );
});
