import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WorkersShimError, createRuntime, loadConfig, validateConfig, type ShimConfig } from "../src/index";
import { FIXTURES, TODAY } from "./helpers";

/**
 * Config fuzzing: random mutations of a valid config give either a one-line WorkersShimError or
 * a runtime that runs its tests and closes cleanly — never a hang, a raw exception, a
 * half-started runtime or a polluted prototype. PROPERTY_SEED / PROPERTY_PATH replay a failure
 * (both printed); PROPERTY_RUNS scales the number of cases.
 */
const SEED = Number(process.env["PROPERTY_SEED"] ?? 20261127);
const PATH = process.env["PROPERTY_PATH"];
const SCALE = Number(process.env["PROPERTY_RUNS"] ?? 1);
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const BASE: Json = {
  services: [
    {
      name: "main",
      worker: {
        modules: [{ name: "worker", esModule: "fuzz/worker.js" }],
        compatibilityDate: "2026-11-01",
        compatibilityFlags: ["nodejs_compat"],
        bindings: [
          { name: "SELF", service: "main" },
          { name: "API", service: { name: "tail", entrypoint: "Api" } },
          { name: "OBJ", durableObjectNamespace: "Obj" },
          { name: "CFG", json: { a: [1, "b"] } },
          { name: "TXT", text: "text" },
        ],
        durableObjectNamespaces: [{ className: "Obj", uniqueKey: "obj" }],
        durableObjectStorage: { inMemory: true },
        streamingTails: ["tail"],
      },
    },
    {
      name: "tail",
      worker: { modules: [{ name: "worker", esModule: "fuzz/tail.js" }], compatibilityDate: "2026-05-29" },
    },
  ],
};

/** Values a mutation may put anywhere: wrong types, bad paths, bad dates and flags, tricky keys. */
const VALUES: readonly Json[] = [
  null,
  0,
  -1,
  1.5,
  true,
  false,
  "",
  "x",
  [],
  {},
  ["x"],
  [null],
  { inMemory: false },
  { name: "main" },
  "fuzz/worker.js",
  "fuzz/tail.js",
  "fuzz/throws.js",
  "fuzz/syntax.js",
  "fuzz/missing.js",
  "fuzz",
  "fuzz/worker.cjs",
  "../../../package.json",
  "/nonexistent/worker.mjs",
  "2026-02-30",
  "2099-01-01",
  "2026-4-1",
  "1999-12-31",
  "2026-11-23T00:00:00Z",
  "no_such_flag",
  "experimental",
  "nodejs_compat",
  "no_nodejs_compat",
  "rpc",
  "workers_tracing_unknown",
  "seed",
  "main",
  "tail",
  "Obj",
  "__proto__",
  "constructor",
  "x".repeat(300),
  "line\nbreak",
  JSON.parse('{"__proto__": {"polluted": true}}') as Json,
  JSON.parse('{"constructor": {"prototype": {"polluted": true}}}') as Json,
];

const KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "Services",
  "compatibility_date",
  "extra",
  "esModule",
  "json",
  "text",
  "service",
  "inMemory",
  "network",
  "wasm",
];

type Mutation =
  | { readonly kind: "delete"; readonly at: number }
  | { readonly kind: "replace"; readonly at: number; readonly value: number }
  | { readonly kind: "addKey"; readonly at: number; readonly key: number; readonly value: number }
  | { readonly kind: "duplicate"; readonly at: number }
  | { readonly kind: "wrap"; readonly at: number };

const index = fc.nat({ max: 10000 });
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: index }),
  fc.record({ kind: fc.constant("replace" as const), at: index, value: index }),
  fc.record({ kind: fc.constant("addKey" as const), at: index, key: index, value: index }),
  fc.record({ kind: fc.constant("duplicate" as const), at: index }),
  fc.record({ kind: fc.constant("wrap" as const), at: index }),
);

type Container = Json[] | { [key: string]: Json };

/** Every (container, key) slot of the tree, the root's children first. */
function slots(tree: Json): [Container, string | number][] {
  const found: [Container, string | number][] = [];
  const walk = (node: Json): void => {
    if (Array.isArray(node)) node.forEach((child, i) => (found.push([node, i]), walk(child)));
    else if (node !== null && typeof node === "object") {
      for (const key of Object.keys(node)) {
        found.push([node, key]);
        walk(node[key]!);
      }
    }
  };
  walk(tree);
  return found;
}

function containers(tree: Json): Container[] {
  const found: Container[] = [];
  const walk = (node: Json): void => {
    if (node === null || typeof node !== "object") return;
    found.push(node);
    for (const child of Array.isArray(node) ? node : Object.values(node)) walk(child);
  };
  walk(tree);
  return found;
}

/** Sets an own property, even `__proto__`, as JSON.parse would. */
function setOwn(container: Container, key: string | number, value: Json): void {
  Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutate(mutations: readonly Mutation[]): Json {
  const tree = JSON.parse(JSON.stringify(BASE)) as Json;
  for (const mutation of mutations) {
    const value = (n: number): Json => JSON.parse(JSON.stringify(VALUES[n % VALUES.length])) as Json;
    if (mutation.kind === "addKey") {
      const all = containers(tree).filter((c) => !Array.isArray(c));
      setOwn(all[mutation.at % all.length]!, KEYS[mutation.key % KEYS.length]!, value(mutation.value));
      continue;
    }
    const all = slots(tree);
    if (all.length === 0) continue;
    const [container, key] = all[mutation.at % all.length]!;
    const current = (container as Record<string | number, Json>)[key]!;
    switch (mutation.kind) {
      case "delete":
        if (Array.isArray(container)) container.splice(key as number, 1);
        else delete container[key as string];
        break;
      case "replace":
        setOwn(container, key, value(mutation.value));
        break;
      case "duplicate":
        if (Array.isArray(container)) container.push(JSON.parse(JSON.stringify(current)) as Json);
        else setOwn(container, key, [current, current]);
        break;
      case "wrap":
        setOwn(container, key, mutation.at % 2 === 0 ? [current] : { value: current });
        break;
    }
  }
  return tree;
}

/** Checks the error is a one-line WorkersShimError naming the problem, without a stack trace. */
function expectOneLineError(error: unknown): void {
  if (!(error instanceof WorkersShimError))
    throw new Error(`a raw exception escaped: ${String(error)}\n${(error as Error)?.stack ?? ""}`);
  expect(error.message).toMatch(/^workers-shim: \S/);
  expect(error.message).not.toMatch(/[\r\n]/);
  expect(error.message).not.toMatch(/\n\s+at /);
  expect(["ERR_CONFIG", "ERR_COMPAT_FLAGS"]).toContain(error.code);
}

/** What a runtime changes in the process while it is open. */
function processHooks(): string {
  return JSON.stringify([
    process.listenerCount("unhandledRejection"),
    process.listenerCount("uncaughtException"),
    console.log === consoleLog,
    console.error === consoleError,
  ]);
}
const consoleLog = console.log;
const consoleError = console.error;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} hangs`)), 10000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts what a config describes, runs its tests and closes it; a failure must be one line. */
async function exercise(config: ShimConfig): Promise<void> {
  const before = processHooks();
  let runtime;
  try {
    runtime = await withTimeout(createRuntime(config, { onWarning: () => {} }), "createRuntime");
  } catch (error) {
    expectOneLineError(error);
    // Nothing of the failed start is left installed.
    expect(processHooks()).toBe(before);
    return;
  }
  try {
    const summary = await withTimeout(runtime.runTests(), "runTests");
    expect(summary.failed).toBe(0);
  } finally {
    await runtime.close();
  }
  expect(processHooks()).toBe(before);
}

describe("config fuzzing", () => {
  it("gives a one-line error or a working runtime for every mutated config", { timeout: 180000 }, async () => {
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    const arbitrary = fc.record({
      mutations: fc.array(mutationArb, { maxLength: 3 }),
      experimental: fc.boolean(),
      asFile: fc.boolean(),
      cut: fc.option(index),
    });
    let valid = 0;
    let files = 0;
    const details = await fc.check(
      fc.asyncProperty(arbitrary, async ({ mutations, experimental, asFile, cut }) => {
        const raw = mutate(mutations);
        let config: ShimConfig;
        try {
          if (asFile) {
            // Through a file: sometimes cut short, so the JSON is broken.
            const text = JSON.stringify(raw);
            // Next to the fixtures, so that the module paths resolve from the file's folder.
            const file = join(FIXTURES, `.fuzz-${process.pid}-${files++}.json`);
            writeFileSync(file, cut === null ? text : text.slice(0, cut % text.length));
            try {
              config = loadConfig(file, { experimental, today: TODAY });
            } finally {
              rmSync(file, { force: true });
            }
          } else {
            config = validateConfig(raw, { baseDir: FIXTURES, experimental, today: TODAY });
          }
        } catch (error) {
          expectOneLineError(error);
          return;
        }
        valid++;
        await exercise(config);
        expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
      }),
      {
        numRuns: Math.max(1, Math.round(400 * SCALE)),
        seed: SEED,
        endOnFailure: true,
        ...(PATH === undefined ? {} : { path: PATH }),
      },
    );
    if (details.failed) {
      const error = details.errorInstance;
      throw new Error(
        `property failed after ${details.numRuns} cases; replay with PROPERTY_SEED=${details.seed} PROPERTY_PATH=${details.counterexamplePath ?? ""}\n${error instanceof Error ? error.message : String(error)}\nconfig: ${JSON.stringify(mutate(details.counterexample![0].mutations)).slice(0, 2000)}`,
      );
    }
    // The mutations must leave some configs valid, or the runtime side would go untested.
    expect(valid, `${valid} valid configs`).toBeGreaterThan(20);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  });

  it(
    "prints one line, no stack trace, and exits for a sample of mutated configs run by the CLI",
    { timeout: 180000 },
    () => {
      const samples = fc.sample(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), { numRuns: 12, seed: SEED });
      const configs = [...samples.map(mutate), BASE];
      configs.forEach((raw, i) => {
        // Module paths are relative to the config file: put the file among the fixtures' parent.
        const file = join(FIXTURES, `.fuzz-cli-${process.pid}-${i}.json`);
        writeFileSync(file, JSON.stringify(raw));
        try {
          const run = spawnSync(process.execPath, [CLI, "test", file], { encoding: "utf8", timeout: 60000 });
          expect(run.signal, "the CLI hangs").toBeNull();
          expect([0, 1]).toContain(run.status);
          const lines = run.stderr.split("\n").filter((line) => line !== "");
          expect(
            lines.filter((line) => /^\s+at /.test(line)),
            run.stderr,
          ).toEqual([]);
          if (!lines.some((line) => line.startsWith("[ "))) {
            // The config was refused: exactly one line says why (warnings may come first).
            const errors = lines.filter((line) => !line.startsWith("workers-shim: warning: "));
            expect(errors).toHaveLength(1);
            expect(errors[0]).toMatch(/^workers-shim: \S/);
            expect(run.status).toBe(1);
          }
        } finally {
          rmSync(file, { force: true });
        }
      });
    },
  );
});
