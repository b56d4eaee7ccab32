import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index";
import {
  COLLECTOR,
  FIXTURES,
  drainTails,
  fixtureConfig,
  invocations,
  resetRecords,
  results,
  service,
  start,
  summarize,
} from "./helpers";

// Every service runs in a global scope of its own (a vm context), with its modules loaded by the
// shim's own linker.

beforeEach(resetRecords);

const open: Runtime[] = [];
afterEach(async () => {
  for (const runtime of open.splice(0)) await runtime.close();
});

async function runTests(services: readonly object[]) {
  const { runtime, warnings } = await start(fixtureConfig(services));
  open.push(runtime);
  const summary = await runtime.runTests();
  return { summary, warnings };
}

async function loadError(services: readonly object[]): Promise<{ code: unknown; message: string }> {
  try {
    const { runtime } = await start(fixtureConfig(services));
    open.push(runtime);
  } catch (error) {
    return { code: (error as { code?: unknown }).code, message: (error as Error).message };
  }
  throw new Error("the config loaded");
}

const NAME = (name: string) => ({ bindings: [{ name: "NAME", text: name }] });

describe("a service's global scope", () => {
  it("is its own: what one worker puts on globalThis is invisible to the others", async () => {
    const { summary } = await runTests([
      service("one", "isolation/scope.js", NAME("one")),
      service("two", "isolation/scope.js", NAME("two")),
      service("three", "isolation/scope.js", { ...NAME("three"), compatibilityDate: "2024-01-01" }),
    ]);
    expect(summary.failed).toBe(0);
    const seen = results() as { service: string; mark: string[]; unshared: string }[];
    expect(seen.map(({ service: name, mark, unshared }) => ({ name, mark, unshared }))).toEqual([
      { name: "one", mark: ["one"], unshared: "one" },
      { name: "two", mark: ["two"], unshared: "two" },
      { name: "three", mark: ["three"], unshared: "three" },
    ]);
    // Nor does it reach the host's global object.
    expect((globalThis as { mark?: unknown }).mark).toBeUndefined();
  });

  it("turns another service's RPC error into one of its own realm's errors", async () => {
    await runTests([
      service("caller", "isolation/rpc-caller.js", { bindings: [{ name: "CALLEE", service: "callee" }] }),
      service("callee", "isolation/rpc-callee.js"),
    ]);
    expect(results()).toEqual([
      { rangeError: true, error: true, name: "RangeError", message: "out of range", code: "E_RANGE" },
    ]);
  });

  it("has workerd's globals and not Node's: process and Buffer only with nodejs_compat_v2", async () => {
    await runTests([
      service("v2", "isolation/scope.js", NAME("v2")),
      service("old", "isolation/scope.js", { ...NAME("old"), compatibilityDate: "2024-01-01" }),
    ]);
    const [v2, old] = results() as Record<string, unknown>[];
    const common = { navigator: "Cloudflare-Workers", self: true, fetch: "function" };
    expect(v2).toMatchObject({
      ...common,
      types: {
        process: "object",
        Buffer: "function",
        require: "undefined",
        module: "undefined",
        global: "object",
        setImmediate: "function",
      },
    });
    expect(old).toMatchObject({
      ...common,
      types: {
        process: "undefined",
        Buffer: "undefined",
        require: "undefined",
        module: "undefined",
        global: "undefined",
        setImmediate: "undefined",
      },
    });
  });
});

describe("module loading", () => {
  it("resolves config names, relative files, packages (workerd condition), CommonJS, JSON, dynamic import and top-level await", async () => {
    const { summary } = await runTests([
      {
        name: "main",
        worker: {
          modules: [
            { name: "worker", esModule: "modules/worker.js" },
            { name: "helper", esModule: "modules/helper.js" },
          ],
          compatibilityDate: "2026-11-01",
        },
      },
    ]);
    expect(summary.failed).toBe(0);
    const workerFile = join(FIXTURES, "modules", "worker.js");
    expect(results()).toEqual([
      {
        named: "helper by config name",
        relative: "relative file",
        which: "workerd build",
        condition: "workerd",
        plain: "module field",
        cjs: { name: "cjspkg", twice: 42, json: "json via require", sameRealm: true },
        data: { json: true },
        awaited: "top-level await",
        lazy: "lazy module",
        url: pathToFileURL(workerFile).href,
        missing: 'Error: No such module "./lib/nope.js". (true)',
        stack: expect.stringContaining(`${pathToFileURL(workerFile).href}:`),
      },
    ]);
  });

  it("gives two services that share a file their own module instances", async () => {
    await runTests([
      service("one", "isolation/shared.js", NAME("one")),
      service("two", "isolation/shared.js", NAME("two")),
    ]);
    expect(results()).toEqual([
      { service: "one", count: 1, importedEnv: "one" },
      { service: "two", count: 1, importedEnv: "two" },
    ]);
  });

  it("gives @workers-tracing packages as the host's instances, so their spans join the invocation", async () => {
    const { summary } = await runTests([
      service("main", "modules/helpers.js", { streamingTails: ["tail"] }),
      COLLECTOR,
    ]);
    expect(summary.failed).toBe(0);
    await drainTails();
    expect(summarize(invocations()[0]!.events)).toEqual([
      "onset custom",
      "spanOpen from-helpers",
      'log ["inside"]',
      "spanClose",
      "outcome ok",
    ]);
  });

  it("serves node:* modules under nodejs_compat, and bare Node names under nodejs_compat_v2", async () => {
    const { summary } = await runTests([service("main", "module-errors/node-compat.js")]);
    expect(summary.failed).toBe(0);
    expect(results()).toEqual([{ buffer: "6869", join: "a/b" }]);
  });

  it.for([
    {
      label: "a missing module, naming it and its importer",
      module: "module-errors/missing.js",
      date: "2026-11-01",
      error: 'Error: No such module "nope" (imported from "worker").',
    },
    {
      label: "node:* without nodejs_compat, with workerd's message",
      module: "module-errors/node-fs.js",
      date: "2024-01-01",
      error: 'Error: No such module "node:fs" (imported from "worker").',
    },
    {
      label: "a cloudflare: module the shim does not provide",
      module: "module-errors/sockets.js",
      date: "2026-11-01",
      error:
        'Error: workers-shim: cannot import "cloudflare:sockets": the only built-in module the shim provides is "cloudflare:workers".',
    },
  ])("refuses $label in one line", async ({ module, date, error }) => {
    const failure = await loadError([service("main", module, { compatibilityDate: date })]);
    expect(failure.code).toBe("ERR_CONFIG");
    expect(failure.message).toBe(
      `workers-shim: service "main": cannot load module ${fileURLToPath(new URL(`./fixtures/${module}`, import.meta.url))}: ${error}`,
    );
  });
});
