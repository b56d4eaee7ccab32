import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Runtime, WorkersShimError, createRuntime, validateConfig, type TestResult } from "../src/index";
import {
  COLLECTOR,
  FIXTURES,
  TODAY,
  drainTails,
  fixtureConfig,
  invocations,
  resetRecords,
  results,
  service,
  start,
  summarize,
} from "./helpers";

beforeEach(resetRecords);

const open: Runtime[] = [];
afterEach(async () => {
  for (const runtime of open.splice(0)) await runtime.close();
});

async function run(services: readonly object[], experimental = false) {
  const started = await start(fixtureConfig(services, experimental));
  open.push(started.runtime);
  const summary = await started.runtime.runTests();
  await drainTails();
  return { ...started, summary };
}

/** Like `run`, with the registry profile of the config. */
async function runProfile(services: readonly object[], experimental: boolean, profile: string) {
  const config = validateConfig(
    { services, compatibilityProfile: profile },
    { baseDir: FIXTURES, today: TODAY, experimental },
  );
  const started = await start(config);
  open.push(started.runtime);
  const summary = await started.runtime.runTests();
  await drainTails();
  return { ...started, summary };
}

describe(createRuntime.name, () => {
  describe("ctx.tracing", () => {
    it.for([
      { label: "date 2026-05-29", date: "2026-05-29", flags: [], experimental: false, profile: "head" },
      {
        label: "date 2026-05-28 (before the upstream promotion)",
        date: "2026-05-28",
        flags: [],
        experimental: false,
        profile: "head",
      },
      { label: "date 2024-01-01", date: "2024-01-01", flags: [], experimental: false, profile: "head" },
      {
        label: "date 2026-05-28 with experimental",
        date: "2026-05-28",
        flags: ["experimental"],
        experimental: true,
        profile: "head",
      },
      {
        label: "date 2026-05-28 with experimental, seed profile",
        date: "2026-05-28",
        flags: ["experimental"],
        experimental: true,
        profile: "seed",
      },
      {
        label: "date 2026-11-01 with experimental, seed profile",
        date: "2026-11-01",
        flags: ["experimental"],
        experimental: true,
        profile: "seed",
      },
    ])("is a Tracing object of its own at $label", async ({ date, flags, experimental, profile }) => {
      await runProfile(
        [service("main", "gate/worker.js", { compatibilityDate: date, compatibilityFlags: flags })],
        experimental,
        profile,
      );
      expect(results()).toEqual([
        {
          keys: ["tracing", "props"],
          hasTracing: true,
          ctxTracing: "[object Tracing]",
          sameOnEveryAccess: true,
          sameAsImport: false,
          importTracing: "[object Tracing]",
        },
      ]);
    });

    it.for(["2026-05-28", "2026-11-01"])(
      "is undefined but present without experimental in the seed profile at %s, while the cloudflare:workers export is not gated",
      async (date) => {
        await runProfile([service("main", "gate/worker.js", { compatibilityDate: date })], false, "seed");
        expect(results()).toEqual([
          {
            keys: ["tracing", "props"],
            hasTracing: true,
            ctxTracing: "undefined",
            sameOnEveryAccess: true,
            sameAsImport: false,
            importTracing: "[object Tracing]",
          },
        ]);
      },
    );
  });

  it("gives each service its own module instances, also of shared relative imports", async () => {
    await run([
      service("first", "isolation/shared.js", { bindings: [{ name: "NAME", text: "first" }] }),
      service("second", "isolation/shared.js", { bindings: [{ name: "NAME", text: "second" }] }),
    ]);
    expect(results()).toEqual([
      { service: "first", count: 1, importedEnv: "first" },
      { service: "second", count: 1, importedEnv: "second" },
    ]);
  });

  it("fails with a one-line error naming the module that cannot be loaded", async () => {
    const dir = mkdtempSync(join(tmpdir(), "workers-shim-load-"));
    try {
      writeFileSync(join(dir, "broken.js"), "export default { test() {\n");
      const config = validateConfig(
        {
          services: [
            {
              name: "main",
              worker: { modules: [{ name: "w", esModule: "broken.js" }], compatibilityDate: "2026-11-01" },
            },
          ],
        },
        { baseDir: dir, today: TODAY },
      );
      const error = await createRuntime(config, { onWarning: () => {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as Error).message.replace(dir, "<dir>")).toMatchInlineSnapshot(
        `"workers-shim: service "main": cannot load module <dir>/broken.js: SyntaxError: Unexpected end of input"`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe(Runtime.name, () => {
  it("runs test() handlers in workerd's order and goes on after a failing one", async () => {
    const { runtime, summary } = await run([
      service("main", "ordering/worker.js", {
        durableObjectNamespaces: [{ className: "Room", uniqueKey: "room" }],
        durableObjectStorage: { inMemory: true },
        streamingTails: ["tail"],
      }),
      COLLECTOR,
    ]);
    expect(runtime.listTests().map((test) => test.name)).toEqual(["main", "main:Alpha", "main:beta", "main:zeta"]);
    expect(results()).toEqual(["default", "Alpha", "beta", "zeta"]);
    expect(summary.results.map((result: TestResult) => [result.name, result.passed])).toEqual([
      ["main", true],
      ["main:Alpha", false],
      ["main:beta", true],
      ["main:zeta", true],
    ]);
    expect(String(summary.results[1]!.error)).toBe("Error: Alpha fails");
    expect({ passed: summary.passed, failed: summary.failed }).toEqual({ passed: 3, failed: 1 });
    const alpha = invocations()[1]!;
    expect(alpha.onset.event).toMatchObject({ type: "onset", entrypoint: "Alpha", info: { type: "custom" } });
    expect(summarize(alpha.events)).toEqual(["onset custom", "exception Error: Alpha fails", "outcome ok"]);
  });

  it("delivers dispatchFetch() as an incoming request without a parent span", async () => {
    const { runtime } = await run([service("main", "bindings/worker.js", { streamingTails: ["tail"] }), COLLECTOR]);
    resetRecords();
    const response = await runtime.dispatchFetch("main", "http://localhost/direct", { method: "PUT", body: "x" });
    expect([response.status, await response.text()]).toEqual([201, "PUT /direct x"]);
    await drainTails();
    const [only] = invocations();
    expect(only!.onset.spanContext.spanId).toBeUndefined();
    expect(only!.onset.event).toMatchObject({
      type: "onset",
      executionModel: "stateless",
      info: {
        type: "fetch",
        method: "PUT",
        url: "http://localhost/direct",
        headers: [{ name: "content-type", value: "text/plain;charset=UTF-8" }],
      },
    });
    expect(summarize(only!.events)).toEqual(["onset fetch", "return", "outcome ok"]);
  });

  it("rejects work after close()", async () => {
    const { runtime } = await run([service("main", "gate/worker.js")]);
    await runtime.close();
    await expect(runtime.dispatchFetch("main", "http://localhost/")).rejects.toThrowErrorMatchingInlineSnapshot(
      `[WorkersShimError: workers-shim: the runtime is closed.]`,
    );
  });
});

describe("runtime misuse", () => {
  /** What a rejected call rejects with: its class, code and message. */
  async function rejection(promise: Promise<unknown>): Promise<object> {
    const error: unknown = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(WorkersShimError);
    const { code, message } = error as WorkersShimError;
    return { code, message };
  }

  async function loaded() {
    const started = await start(
      fixtureConfig([
        service("early", "runtime-errors/early.js", { bindings: [{ name: "LATER", service: "later" }] }),
        service("later", "runtime-errors/later.js"),
      ]),
    );
    open.push(started.runtime);
    return started.runtime;
  }

  it("rejects a closed runtime with ERR_RUNTIME_CLOSED, in runTests() as in dispatchFetch()", async () => {
    const runtime = await loaded();
    await runtime.close();
    expect(await rejection(runtime.runTests())).toMatchInlineSnapshot(`
      {
        "code": "ERR_RUNTIME_CLOSED",
        "message": "workers-shim: the runtime is closed.",
      }
    `);
    expect(await rejection(runtime.dispatchFetch("early", "http://localhost/"))).toMatchInlineSnapshot(`
      {
        "code": "ERR_RUNTIME_CLOSED",
        "message": "workers-shim: the runtime is closed.",
      }
    `);
  });

  it("rejects an unknown service with ERR_UNKNOWN_SERVICE, naming the known ones", async () => {
    const runtime = await loaded();
    expect(await rejection(runtime.dispatchFetch("erly", "http://localhost/"))).toMatchInlineSnapshot(`
      {
        "code": "ERR_UNKNOWN_SERVICE",
        "message": "workers-shim: unknown service "erly". Known services: early, later.",
      }
    `);
  });

  it("rejects a missing export with ERR_UNKNOWN_ENTRYPOINT before any invocation starts", async () => {
    const runtime = await loaded();
    expect(await rejection(runtime.dispatchFetch("early", "http://localhost/", undefined, "Nope")))
      .toMatchInlineSnapshot(`
      {
        "code": "ERR_UNKNOWN_ENTRYPOINT",
        "message": "workers-shim: dispatchFetch() expects an export of service "early", received "Nope".",
      }
    `);
    expect(await rejection(runtime.dispatchFetch("later", "http://localhost/"))).toMatchInlineSnapshot(`
      {
        "code": "ERR_UNKNOWN_ENTRYPOINT",
        "message": "workers-shim: dispatchFetch() expects a service with a default export, but service "later" has none.",
      }
    `);
    const response = await runtime.dispatchFetch("later", "http://localhost/", undefined, "Named");
    expect(await response.text()).toBe("later");
  });

  it("starts no invocation for a missing export", async () => {
    const { runtime } = await start(
      fixtureConfig([service("main", "gate/worker.js", { streamingTails: ["tail"] }), COLLECTOR]),
    );
    open.push(runtime);
    await expect(runtime.dispatchFetch("main", "http://localhost/", undefined, "Nope")).rejects.toThrow(
      WorkersShimError,
    );
    await runtime.runTests();
    await drainTails();
    // Only the test() run reached the tail.
    expect(invocations().map((invocation) => summarize(invocation.events)[0])).toEqual(["onset custom"]);
  });

  it("rejects a subrequest to a service that is not loaded yet with ERR_SERVICE_NOT_LOADED", async () => {
    await loaded();
    expect(results()).toMatchInlineSnapshot(`
      [
        {
          "code": "ERR_SERVICE_NOT_LOADED",
          "message": "workers-shim: service "later" is not loaded yet: services load in config order, and a worker's top-level code cannot reach one that loads after it.",
          "name": "WorkersShimError",
        },
      ]
    `);
  });
});
