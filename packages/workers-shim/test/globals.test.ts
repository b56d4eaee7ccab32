import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { COMPAT_FLAG_REGISTRY, resolveCompatibilityFlags } from "../src/compat/index";
import { installWorkerGlobals, UNSUPPORTED_GLOBALS } from "../src/globals/index";
import { DESCRIBE_LEVELS } from "../scripts/describe-levels.mjs";

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

/** The same walk as the recording worker, run inside the context and returned as JSON. */
const DESCRIBE_LEVELS_JSON = `JSON.stringify(${DESCRIBE_LEVELS})`;

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
      const levels = JSON.parse(vm.runInContext(DESCRIBE_LEVELS_JSON, context) as string) as Level[];
      expect(levels.map(sorted)).toEqual(fixture.levels.map(sorted));
    },
  );

  it("resolves the recorded fields the registry knows as the registry does", () => {
    // The fixtures store workerd's resolved value of each gating field; for every field the
    // registry also has, and every set whose flags the registry knows, both must agree.
    const known = new Set(COMPAT_FLAG_REGISTRY.flatMap((d) => [d.enableFlag, d.disableFlag]));
    const compared: string[] = [];
    for (const fixture of fixtures) {
      if (!fixture.compatibilityFlags.every((flag) => known.has(flag))) continue;
      const { flags } = resolveCompatibilityFlags({
        compatibilityDate: fixture.compatibilityDate,
        compatibilityFlags: fixture.compatibilityFlags,
        experimental: fixture.experimental,
        today: "2026-11-23",
      });
      const resolved = flags as Readonly<Record<string, boolean>>;
      for (const field of Object.keys(fixture.flags).filter((f) => f in resolved)) {
        compared.push(field);
        expect([fixture.name, field, resolved[field]]).toEqual([fixture.name, field, fixture.flags[field]]);
      }
    }
    expect(compared).toContain("workerdExperimental");
  });

  it.for([...UNSUPPORTED_GLOBALS])("defines %s, which throws a one-line not-supported error", (name) => {
    const context = workerContext({ workerdExperimental: true });
    expect(vm.runInContext(`typeof ${name}`, context)).toBe("function");
    expect(() => vm.runInContext(`new ${name}()`, context)).toThrow(`${name} is not supported by workers-shim`);
  });

  it("throws a not-supported error for importScripts, outgoing WebSockets and process.exit", () => {
    const context = workerContext({ nodeJsCompatV2: true });
    expect(() => vm.runInContext("importScripts('a.js')", context)).toThrowErrorMatchingInlineSnapshot(
      `[Error: importScripts is not supported by workers-shim]`,
    );
    expect(() => vm.runInContext("new WebSocket('wss://example.com')", context)).toThrowErrorMatchingInlineSnapshot(
      `[Error: WebSocket is not supported by workers-shim]`,
    );
    expect(() => vm.runInContext("process.exit(1)", context)).toThrowErrorMatchingInlineSnapshot(
      `[Error: process.exit is not supported by workers-shim]`,
    );
  });

  it("lists the enable flag of every workerd field in Cloudflare.compatibilityFlags", () => {
    const context = workerContext({ workerdExperimental: true });
    const record = vm.runInContext("Cloudflare.compatibilityFlags", context) as Record<string, boolean>;
    const expected = COMPAT_FLAG_REGISTRY.filter((d) => d.owner === "workerd" && d.enableFlag !== undefined).map(
      (d) => d.enableFlag,
    );
    expect(expected.length).toBeGreaterThan(150);
    expect(Object.keys(record)).toEqual(expected);
    expect(record["experimental"]).toBe(true);
    expect(Object.values(record).filter(Boolean)).toHaveLength(1);
  });

  it("delivers events dispatched on the global scope to its listeners", () => {
    const context = workerContext({});
    const seen = vm.runInContext(
      `const seen = [];
       addEventListener("ping", (e) => seen.push(e.type));
       self.addEventListener("ping", () => seen.push("self"));
       dispatchEvent(new Event("ping"));
       seen`,
      context,
    ) as string[];
    expect([...seen]).toEqual(["ping", "self"]);
  });

  it("keeps Node's Response and Request identity: fetch results and subclasses are instances", () => {
    const context = workerContext({});
    expect(
      vm.runInContext(
        `class Mine extends Response {}
         [Response.json({}) instanceof Response, new Mine("x") instanceof Response, new Request("https://x/") instanceof Body]`,
        context,
      ),
    ).toEqual([true, true, true]);
  });

  it("builds a scope per context: two workers share no globals of their own", () => {
    const a = workerContext({ globalNavigator: true });
    const b = workerContext({ globalNavigator: true });
    vm.runInContext("navigator.extra = 1; scheduler.extra = 2", a);
    expect(vm.runInContext("[navigator.extra, scheduler.extra, Navigator === undefined]", b)).toEqual([
      undefined,
      undefined,
      false,
    ]);
  });
});
