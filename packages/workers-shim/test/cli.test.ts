import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../src/commands/main";
import { COMPAT_FLAG_REGISTRY, formatFlagTable } from "../src/index";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const FIXTURE_CONFIG = fileURLToPath(new URL("./fixtures/cli/config.json", import.meta.url));
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const RUN_ALL = fileURLToPath(new URL("../../../../shared/conformance/tools/run-all.mjs", import.meta.url));

async function runMain(args: readonly string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await main(args, { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) });
  return { status, stdout, stderr };
}

describe(main.name, () => {
  it.for([
    { args: [], message: "usage: workers-shim [--cwd DIR] <command> [options]" },
    {
      args: ["serve-nothing"],
      message:
        'workers-shim: unknown command "serve-nothing"; expected one of: test, serve, flags. Run "workers-shim --help".',
    },
    {
      args: ["test"],
      message:
        'workers-shim: "test" needs a config: name one (config.json or a wrangler config), or run it in a folder with wrangler.json, wrangler.jsonc, wrangler.toml. Run "workers-shim test --help".',
    },
    {
      args: ["test", "--verbose", "x.json"],
      message: 'workers-shim: unknown option "--verbose" for "test". Run "workers-shim test --help".',
    },
    {
      args: ["test", "a.json", "b.json"],
      message:
        'workers-shim: "test" takes one config.json, received 2 configs; only wrangler configs can be combined. Run "workers-shim test --help".',
    },
    {
      args: ["flags", "a.json", "b.json"],
      message:
        'workers-shim: "flags" takes at most one config file, received "a.json" and "b.json". Run "workers-shim flags --help".',
    },
    {
      args: ["flags", "--verbose"],
      message: 'workers-shim: unknown option "--verbose" for "flags". Run "workers-shim flags --help".',
    },
    {
      args: ["flags", "--profile", "tip"],
      message: 'workers-shim: --profile needs one of head, seed, received "tip". Run "workers-shim flags --help".',
    },
    {
      args: ["test", "--profile"],
      message: 'workers-shim: --profile needs one of head, seed, received nothing. Run "workers-shim test --help".',
    },
    {
      args: ["serve", "--profile", "x", "c.json"],
      message: 'workers-shim: --profile needs one of head, seed, received "x". Run "workers-shim serve --help".',
    },
    {
      args: ["test", "--trace-context=", "x.json"],
      message:
        'workers-shim: --trace-context expects "none", "all", "same-origin" or hosts separated by commas (each a host such as "api.example.com", "api.example.com:8443", "[::1]:8080" or "*.example.com"), received "". Run "workers-shim test --help".',
    },
    {
      args: ["test", "--timeout-ms"],
      message:
        'workers-shim: --timeout-ms expects a positive whole number of milliseconds, received nothing. Run "workers-shim test --help".',
    },
    {
      args: ["test", "--timeout-ms", "0", "x.json"],
      message:
        'workers-shim: --timeout-ms expects a positive whole number of milliseconds, received "0". Run "workers-shim test --help".',
    },
    {
      args: ["test", "--timeout-ms=1.5", "x.json"],
      message:
        'workers-shim: --timeout-ms expects a positive whole number of milliseconds, received "1.5". Run "workers-shim test --help".',
    },
  ])("rejects $args with one line on stderr and status 1", async ({ args, message }) => {
    const { status, stdout, stderr } = await runMain(args);
    expect(status).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr[0]!.split("\n")[0]).toBe(message);
  });

  it("reports a config that cannot be read in one line", async () => {
    const { status, stderr } = await runMain(["test", "/nonexistent/workers-shim/config.json"]);
    expect(status).toBe(1);
    expect(stderr).toMatchInlineSnapshot(`
      [
        "workers-shim: /nonexistent/workers-shim/config.json: cannot read file: no such file or directory (ENOENT)",
      ]
    `);
  });

  it.for([["--help"], ["test", "--help"], ["flags", "-h"]])("prints help for %j on stdout", async (args) => {
    const { status, stdout, stderr } = await runMain(args);
    expect(status).toBe(0);
    expect(stderr).toEqual([]);
    expect(stdout[0]).toMatch(/^usage: workers-shim/);
  });

  it("prints the compatibility flag table and the profile", async () => {
    const { status, stdout } = await runMain(["flags"]);
    expect(status).toBe(0);
    expect(stdout).toEqual([
      `${formatFlagTable()}\n\nprofile head: ctx.tracing is a Tracing object at every compatibility date, as in workerd since 2026-05-29`,
    ]);
    const seed = await runMain(["flags", "--profile", "seed"]);
    expect(seed.stdout[0]).toMatch(
      /\nprofile seed: ctx.tracing is a Tracing object only when a worker enables the experimental flag$/,
    );
  });

  it("prints the registry as JSON with --json", async () => {
    const { status, stdout } = await runMain(["flags", "--json"]);
    expect(status).toBe(0);
    const data = JSON.parse(stdout.join("\n")) as {
      workerdVersion: string;
      profile: string;
      fields: { field: string; workersShim: string }[];
    };
    expect(data.profile).toBe("head");
    expect(data.workerdVersion).toMatch(/^1\.\d{8}\.\d+$/);
    expect(data.fields).toHaveLength(COMPAT_FLAG_REGISTRY.length);
    expect(data.fields.find((field) => field.field === "fetcherRpc")).toEqual({
      field: "fetcherRpc",
      owner: "workerd",
      enableFlag: "rpc",
      disableFlag: "no_rpc",
      enableDate: "2024-04-03",
      workersShim: "no effect",
    });
  });

  describe("flags --diff", () => {
    it("lists the fields that change between two settings, workers-shim's behaviours first", async () => {
      const { status, stdout, stderr } = await runMain([
        "flags",
        "--diff",
        "2026-05-01",
        "2026-05-01,workers_tracing_error_status,nodejs_compat",
      ]);
      expect(status).toBe(0);
      expect(stderr).toEqual([]);
      const lines = stdout.join("\n").split("\n");
      expect(lines[0]).toBe(
        "2026-05-01 -> 2026-05-01,workers_tracing_error_status,nodejs_compat: 32 fields change, 3 of them in workers-shim's behaviour (honoured or own flag).",
      );
      const rows = lines.slice(4).map((line) => line.split(/ {2,}/));
      expect(rows.slice(0, 4)).toEqual([
        ["nodejs_compat", "off", "on", "honoured", "nodeJsCompat", "default / flag nodejs_compat"],
        [
          "nodejs_compat_v2",
          "off",
          "on",
          "honoured",
          "nodeJsCompatV2",
          "default / implied by nodejs_compat (from 2024-09-23)",
        ],
        [
          "workers_tracing_error_status",
          "off",
          "on",
          "own flag",
          "workersTracingErrorStatus",
          "default / flag workers_tracing_error_status",
        ],
        [
          "nodejs_zlib",
          "off",
          "on",
          "accepted, no effect",
          "nodeJsZlib",
          "default / implied by nodejs_compat (from 2024-09-23)",
        ],
      ]);
      expect(rows).toHaveLength(32);
    });

    it("takes the other setting's date for a setting of flags only, and shows a disable flag's reason", async () => {
      const { stdout } = await runMain([
        "flags",
        "--diff",
        "2026-11-01,workers_tracing_leak_diagnostics",
        "workers_tracing_no_leak_diagnostics,workers_tracing_thenable_end",
      ]);
      const lines = stdout.join("\n").split("\n");
      expect(lines[0]).toBe(
        "2026-11-01,workers_tracing_leak_diagnostics -> 2026-11-01,workers_tracing_no_leak_diagnostics,workers_tracing_thenable_end: 2 fields change, 2 of them in workers-shim's behaviour (honoured or own flag).",
      );
      expect(lines.slice(4).map((line) => line.split(/ {2,}/))).toEqual([
        [
          "workers_tracing_thenable_end",
          "off",
          "on",
          "own flag",
          "workersTracingThenableEnd",
          "default / flag workers_tracing_thenable_end",
        ],
        [
          "workers_tracing_leak_diagnostics",
          "on",
          "off",
          "own flag",
          "workersTracingLeakDiagnostics",
          "flag workers_tracing_leak_diagnostics / disabled by flag workers_tracing_no_leak_diagnostics",
        ],
      ]);
    });

    it("says so when nothing changes", async () => {
      const { stdout } = await runMain(["flags", "--diff", "2026-11-01", "2026-11-01,nodejs_compat_v2"]);
      expect(stdout).toEqual([
        "2026-11-01 -> 2026-11-01,nodejs_compat_v2: 0 fields change, 0 of them in workers-shim's behaviour (honoured or own flag).",
      ]);
    });

    it("prints the changes as JSON with --json", async () => {
      const { status, stdout } = await runMain([
        "flags",
        "--json",
        "--diff",
        "2026-11-01",
        "2026-11-01,workers_tracing_error_status",
      ]);
      expect(status).toBe(0);
      const data = JSON.parse(stdout.join("\n")) as Record<string, unknown>;
      expect(data).toEqual({
        workerdVersion: expect.stringMatching(/^1\.\d{8}\.\d+$/) as unknown,
        before: { date: "2026-11-01", flags: [] },
        after: { date: "2026-11-01", flags: ["workers_tracing_error_status"] },
        changes: [
          {
            field: "workersTracingErrorStatus",
            enableFlag: "workers_tracing_error_status",
            before: false,
            after: true,
            beforeReason: { kind: "default" },
            afterReason: { kind: "flag", flag: "workers_tracing_error_status" },
            workersShim: "own",
          },
        ],
      });
    });

    it.for([
      [
        ["--diff", "2026-05-01"],
        'workers-shim: --diff needs two settings (a compatibility date, flags, or both, comma-separated), received "2026-05-01". Run "workers-shim flags --help".',
      ],
      [
        ["--diff", "nodejs_compat", "rpc"],
        'workers-shim: --diff needs a compatibility date in at least one setting, received "nodejs_compat" and "rpc". Run "workers-shim flags --help".',
      ],
      [
        ["--diff", "2026-05-01,2026-06-01", "rpc"],
        'workers-shim: --diff: the before setting "2026-05-01,2026-06-01" names 2 compatibility dates (2026-05-01, 2026-06-01); give at most one. Run "workers-shim flags --help".',
      ],
      [
        ["--diff", "2026-05-01", "no_such_flag"],
        "workers-shim: --diff: the after setting: No such compatibility flag: no_such_flag",
      ],
      [
        ["--diff", "2026-05-01", "2026-06-01", "config.json"],
        'workers-shim: "flags --diff" compares two settings and takes no config file, received "config.json". Run "workers-shim flags --help".',
      ],
    ] as const)("refuses %j with a one-line error", async ([args, message]) => {
      const { status, stdout, stderr } = await runMain(["flags", ...args]);
      expect(status).toBe(1);
      expect(stdout).toEqual([]);
      expect(stderr).toEqual([message]);
    });
  });

  it("prints each worker's fields, their values and why for a config", async () => {
    const { status, stdout, stderr } = await runMain(["flags", FIXTURE_CONFIG]);
    expect(status).toBe(0);
    expect(stderr).toEqual([]);
    const lines = stdout.join("\n").split("\n");
    expect(lines.filter((line) => line.startsWith("service "))).toEqual([
      "service main: compatibility date 2026-11-01, no flags",
      "service tail: compatibility date 2026-11-01, no flags",
    ]);
    expect(lines.find((line) => line.startsWith("nodejs_compat_v2 "))?.split(/ {2,}/)).toEqual([
      "nodejs_compat_v2",
      "on",
      "date (on from 2026-08-04)",
      "honoured",
      "nodeJsCompatV2",
    ]);
    expect(lines.find((line) => line.startsWith("nodejs_zlib "))?.split(/ {2,}/)).toEqual([
      "nodejs_zlib",
      "on",
      "implied by nodejs_compat (from 2024-09-23)",
      "accepted, no effect",
      "nodeJsZlib",
    ]);
    expect(lines.filter((line) => line.startsWith("ctx.tracing"))).toEqual([
      "ctx.tracing: a Tracing object (profile head)",
      "ctx.tracing: a Tracing object (profile head)",
    ]);
    const seed = await runMain(["flags", "--profile", "seed", FIXTURE_CONFIG]);
    expect(seed.stdout.join("\n")).toContain(
      "ctx.tracing: undefined (the seed profile gates it on the experimental flag) (profile seed)",
    );
  });

  it("prints a config's fields as JSON with --json", async () => {
    const { stdout } = await runMain(["flags", "--json", "--profile", "seed", FIXTURE_CONFIG]);
    const data = JSON.parse(stdout.join("\n")) as {
      profile: string;
      services: { name: string; ctxTracing: boolean; fields: { field: string; value: boolean; reason: unknown }[] }[];
    };
    expect(data.profile).toBe("seed");
    expect(data.services.map((service) => [service.name, service.ctxTracing])).toEqual([
      ["main", false],
      ["tail", false],
    ]);
    expect(data.services[0]?.fields.find((field) => field.field === "nodeJsCompat")).toEqual({
      field: "nodeJsCompat",
      enableFlag: "nodejs_compat",
      value: true,
      reason: { kind: "date", date: "2026-08-04" },
      workersShim: "honoured",
    });
  });
});

describe("workers-shim test", () => {
  const OBJECTS = fileURLToPath(new URL("./fixtures/hang/objects.json", import.meta.url));

  it("fails a test stuck on a hung Durable Object request once nothing else is left, then goes on", () => {
    const run = spawnSync(process.execPath, [CLI, "test", OBJECTS], { encoding: "utf8", timeout: 60000 });
    expect(run.status).toBe(1);
    expect(run.stderr.split("\n").filter((line) => line !== "")).toEqual([
      '[ FAIL ] objects: Error: workers-shim: test "objects" can never finish: it waits for work that never ends and nothing else is left to run (workerd would wait forever, e.g. for a Durable Object request that hangs).',
      "[ PASS ] objects:later",
      "workers-shim: 2 tests: 1 passed, 1 failed",
    ]);
  });

  it("writes the run's traces as an HTML report with --html", () => {
    const dir = mkdtempSync(join(tmpdir(), "test-html-"));
    try {
      const report = join(dir, "report.html");
      const run = spawnSync(process.execPath, [CLI, "test", "--html", report, OBJECTS], {
        encoding: "utf8",
        timeout: 60000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`workers-shim: wrote the trace report to ${report}`);
      const html = readFileSync(report, "utf8");
      expect(html.startsWith("<!doctype html>")).toBe(true);
      expect(html).toMatch(/"name":"custom","outcome":"ok"/);
      expect(html).toContain('"entrypoint":"later"');
      const bad = spawnSync(process.execPath, [CLI, "test", OBJECTS, "--html"], { encoding: "utf8" });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain("--html expects a file to write the report to, received nothing.");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("applies --timeout-ms and accepts --predictable", () => {
    const run = spawnSync(process.execPath, [CLI, "test", "--predictable", "--timeout-ms", "40", OBJECTS], {
      encoding: "utf8",
      timeout: 60000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.split("\n").filter((line) => line !== "")).toEqual([
      '[ FAIL ] objects: Error: workers-shim: test "objects" did not finish within 40 ms (the test time limit).',
      "[ PASS ] objects:later",
      "workers-shim: 2 tests: 1 passed, 1 failed",
    ]);
  });

  it("survives errors worker code leaves uncaught, reports them, and goes on after a failing test", () => {
    const run = spawnSync(process.execPath, [CLI, "test", FIXTURE_CONFIG], { encoding: "utf8", timeout: 60000 });
    expect(run.status).toBe(1);
    const lines = run.stderr.split("\n");
    expect(lines.filter((line) => line.startsWith("[ "))).toEqual([
      "[ PASS ] main",
      "[ FAIL ] main:failing: Error: this test fails",
    ]);
    expect(lines.at(-2)).toBe("workers-shim: 2 tests: 1 passed, 1 failed");
    const events = run.stdout
      .split("\n")
      .filter((line) => line.startsWith("EV "))
      .map(
        (line) =>
          JSON.parse(line.slice(3)) as { invocationId: string; sequence: number; event: Record<string, unknown> },
      );
    const first = events
      .filter((e) => e.invocationId === events[0]!.invocationId)
      .sort((a, b) => a.sequence - b.sequence);
    expect(first.map((e) => [e.event["type"], e.event["message"]])).toEqual([
      ["onset", undefined],
      // As on workerd, an unhandled rejection is printed but gives no event.
      ["exception", "thrown from a timer"],
      ["log", ["still running"]],
      ["outcome", undefined],
    ]);
    expect(run.stdout.split("\n").filter((line) => line !== "" && !line.startsWith("EV "))).toEqual(["still running"]);
  });

  it("survives uncaught values whose description throws, and prints no control characters", () => {
    const config = fileURLToPath(new URL("./fixtures/hostile/config.json", import.meta.url));
    const run = spawnSync(process.execPath, [CLI, "test", config], { encoding: "utf8", timeout: 60000 });
    expect(run.status).toBe(0);
    const lines = run.stderr.split("\n");
    expect(lines.filter((line) => line.startsWith("[ "))).toEqual(["[ PASS ] main", "[ PASS ] main:survivor"]);
    expect(lines.at(-2)).toBe("workers-shim: 2 tests: 2 passed, 0 failed");
    // Nine values, each thrown from a timer and rejected unhandled.
    expect(lines.filter((line) => line.startsWith("workers-shim: Uncaught exception: "))).toHaveLength(9);
    expect(lines.filter((line) => line.startsWith("workers-shim: Uncaught (in promise): "))).toHaveLength(9);
    expect(run.stderr).toContain("Uncaught exception: Error: \\u001b[2Jclears the screen");
    expect(run.stderr).not.toContain("\u001b");
    expect(run.stdout.split("\n")).toContain("still running");
  });

  // The shared conformance suite: every scenario recorded from workerd must match event for event.
  it.for(existsSync(RUN_ALL) ? ["../shared/conformance"] : [])(
    "matches every workerd golden of %s",
    { timeout: 300000 },
    () => {
      const candidate = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} test --experimental {config}`;
      const run = spawnSync(process.execPath, [RUN_ALL, "--candidate", candidate, "--set", "everything", "--quiet"], {
        cwd: REPO,
        encoding: "utf8",
        timeout: 300000,
      });
      const summary = run.stdout.trim().split("\n").at(-1) ?? "";
      const match = /^conformance: (\d+)\/(\d+) scenarios match$/.exec(summary);
      expect(summary).toMatch(/^conformance: \d+\/\d+ scenarios match$/);
      expect(Number(match![2])).toBeGreaterThan(0);
      expect(match![1]).toBe(match![2]);
    },
  );
});
