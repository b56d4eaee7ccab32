import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Runtime, createRuntime, validateConfig, type TestResult } from "../src/index";
import { COLLECTOR, TODAY, drainTails, fixtureConfig, invocations, resetRecords, results, service, start, summarize } from "./helpers";

beforeEach(resetRecords);

let open: Runtime[] = [];
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

describe(createRuntime.name, () => {
  describe("ctx.tracing", () => {
    it.for([
      { label: "date 2026-05-29", date: "2026-05-29", flags: [], experimental: false },
      { label: "date 2026-05-28 with user_tracing", date: "2026-05-28", flags: ["user_tracing"], experimental: false },
      { label: "date 2026-05-28 with experimental", date: "2026-05-28", flags: ["experimental"], experimental: true },
    ])("is a Tracing object of its own at $label", async ({ date, flags, experimental }) => {
      await run([service("main", "gate/worker.js", { compatibilityDate: date, compatibilityFlags: flags })], experimental);
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

    it("is undefined but present before 2026-05-29, while the cloudflare:workers export is not gated", async () => {
      await run([service("main", "gate/worker.js", { compatibilityDate: "2026-05-28" })]);
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
    });
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
        { services: [{ name: "main", worker: { modules: [{ name: "w", esModule: "broken.js" }], compatibilityDate: "2026-11-01" } }] },
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
      info: { type: "fetch", method: "PUT", url: "http://localhost/direct", headers: [{ name: "content-type", value: "text/plain;charset=UTF-8" }] },
    });
    expect(summarize(only!.events)).toEqual(["onset fetch", "return", "outcome ok"]);
  });

  it("rejects work after close()", async () => {
    const { runtime } = await run([service("main", "gate/worker.js")]);
    await runtime.close();
    await expect(runtime.dispatchFetch("main", "http://localhost/")).rejects.toThrowErrorMatchingInlineSnapshot(
      `[Error: workers-shim: the runtime is closed.]`,
    );
  });
});
