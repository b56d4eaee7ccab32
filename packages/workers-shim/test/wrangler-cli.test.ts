import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/commands/main";

// Runs the built CLI (build first) on the wrangler fixture project, copied outside the
// repository and run from there, as a user runs it in their own project.
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./fixtures/wrangler", import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL("../package.json", import.meta.url));

/** The line and column of the first `needle` in a fixture source file, 1-based. */
function locate(file: string, needle: string): string {
  const lines = readFileSync(path.join(FIXTURE, file), "utf8").split("\n");
  const line = lines.findIndex((text) => text.includes(needle));
  if (line === -1) throw new Error(`${needle} is not in ${file}`);
  return `${line + 1}:${lines[line]!.indexOf(needle) + 1}`;
}

let project: string;

beforeAll(() => {
  project = mkdtempSync(path.join(tmpdir(), "workers-shim-wrangler-"));
  cpSync(FIXTURE, project, { recursive: true });
  // A package with a Workers build: bundling must pick its "workerd" export condition.
  const pkg = path.join(project, "app", "node_modules", "cond-pkg");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    path.join(pkg, "package.json"),
    JSON.stringify({
      name: "cond-pkg",
      exports: { workerd: "./workerd.js", node: "./node.js", import: "./node.js", default: "./node.js" },
    }),
  );
  writeFileSync(path.join(pkg, "workerd.js"), 'export default "workerd";\n');
  writeFileSync(path.join(pkg, "node.js"), 'export default "node";\n');
});

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

const CONFIGS = [
  "-c",
  "app/wrangler.jsonc",
  "-c",
  "greeter/wrangler.toml",
  "-c",
  "tail/wrangler.toml",
  "-c",
  "logger/wrangler.toml",
];

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

interface TailLine {
  invocation: string;
  url?: string;
  events: string[];
  outcome: string;
}

function tailLines(stdout: string): TailLine[] {
  return lines(stdout)
    .filter((line) => line.startsWith("tail: "))
    .map((line) => JSON.parse(line.slice("tail: ".length)) as TailLine);
}

describe("workers-shim test (wrangler configs)", () => {
  it("bundles TypeScript entries, runs the tests with paths relative to the current folder, and feeds the streaming tail", () => {
    const run = spawnSync(process.execPath, [CLI, "test", ...CONFIGS], {
      cwd: project,
      encoding: "utf8",
      timeout: 60000,
    });
    expect(lines(run.stderr).filter((line) => !line.includes('queue "jobs"'))).toEqual([
      "workers-shim: warning: app/wrangler.jsonc: not supported by workers-shim, ignored: kv_namespaces",
      "[ PASS ] app",
      "workers-shim: 1 test: 1 passed, 0 failed",
    ]);
    expect(run.status).toBe(0);
    const tails = tailLines(run.stdout);
    // The app's test() and the invocations it caused (service binding, Durable Object), each with its outcome.
    // test() invocations are "custom" events, as in workerd; the Durable Object call is "jsrpc";
    // the queue consumer's batches (how the messages fall into batches depends on timing) are "queue".
    expect(tails.every((tail) => tail.outcome === "ok")).toBe(true);
    expect([...new Set(tails.map((tail) => tail.invocation))].sort()).toEqual(["custom", "jsrpc", "queue"]);
    expect(lines(run.stderr)).toContain(
      'workers-shim: queue "jobs": 1 message was dropped after 2 deliveries (no dead-letter queue is configured).',
    );
  });

  it("applies --env and points a failing test at its TypeScript line and column", () => {
    const run = spawnSync(process.execPath, [CLI, "test", ...CONFIGS, "--env", "failing"], {
      cwd: project,
      encoding: "utf8",
      timeout: 60000,
    });
    expect(run.status).toBe(1);
    const at = locate("app/src/failing.ts", "new Error");
    expect(lines(run.stderr)).toContain(
      `[ FAIL ] app-failing: Error: check always failed (at app/src/failing.ts:${at})`,
    );
    // The exception event's stack names the .ts file too.
    expect(run.stdout).toContain(`app/src/failing.ts:${at}`);
  });

  it("takes the wrangler config of the current folder, and --cwd", () => {
    const here = spawnSync(process.execPath, [CLI, "test"], { cwd: path.join(project, "greeter"), encoding: "utf8" });
    expect(lines(here.stderr)).toEqual(["workers-shim: 0 tests: 0 passed, 0 failed"]);
    expect(here.status).toBe(0);
    const moved = spawnSync(process.execPath, [CLI, "--cwd", path.join(project, "greeter"), "test", "wrangler.toml"], {
      encoding: "utf8",
    });
    expect(lines(moved.stderr)).toEqual(["workers-shim: 0 tests: 0 passed, 0 failed"]);
  });

  it("prints build errors with file:line:column", () => {
    const broken = path.join(project, "broken");
    mkdirSync(broken, { recursive: true });
    writeFileSync(path.join(broken, "wrangler.toml"), 'main = "index.ts"\ncompatibility_date = "2026-06-01"\n');
    writeFileSync(
      path.join(broken, "index.ts"),
      'export default {\n  fetch(): Response {\n    return new Response("x"\n  },\n};\n',
    );
    const run = spawnSync(process.execPath, [CLI, "test", "broken/wrangler.toml"], { cwd: project, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      'workers-shim: worker "broken": build failed: broken/index.ts:4:3: Expected ")" but found "}"',
    ]);
  });

  it("prints where a module's top-level code threw", () => {
    const throwing = path.join(project, "throwing");
    mkdirSync(throwing, { recursive: true });
    writeFileSync(
      path.join(throwing, "wrangler.jsonc"),
      '{ "name": "throwing", "main": "index.ts", "compatibility_date": "2026-06-01" }',
    );
    writeFileSync(
      path.join(throwing, "index.ts"),
      'const limit: number = 1;\nif (limit < 2) throw new TypeError("limit too low");\nexport default {};\n',
    );
    const run = spawnSync(process.execPath, [CLI, "test"], { cwd: throwing, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cannot load module .*: TypeError: limit too low \(at index\.ts:2:22\)\n$/);
  });
});

/** Starts `serve` in the project; resolves the child and its port once it listens. */
async function startServe(
  args: readonly string[],
): Promise<{ child: ChildProcess; port: number; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args], {
    cwd: project,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${String(code)}: ${stderr}`)));
  });
  return { child, port, stdout: () => stdout, stderr: () => stderr };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** Resolves once `read()` matches `pattern`. */
async function waitFor(read: () => string, pattern: RegExp): Promise<void> {
  while (!pattern.test(read())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("workers-shim serve (wrangler configs)", () => {
  it("answers a handler's throw with 500, printing and tailing its TypeScript location", async () => {
    const server = await startServe(CONFIGS);
    try {
      const ok = await fetch(`http://127.0.0.1:${server.port}/`);
      expect(await ok.text()).toBe("HELLO! v1");
      const boom = await fetch(`http://127.0.0.1:${server.port}/boom`);
      expect(boom.status).toBe(500);
      const at = locate("app/src/index.ts", "new Error(message)");
      await waitFor(server.stdout, /tail exception/);
      await waitFor(server.stderr, /the worker threw/);
      expect(server.stderr()).toContain(`/boom: the worker threw Error: boom (at app/src/index.ts:${at})`);
      expect(server.stdout()).toContain(`app/src/index.ts:${at}`);
      await waitFor(server.stdout, /"url":"[^"]*\/boom".*"outcome":"exception"/);
      // The legacy tail (tail_consumers) gets one trace item per request once it is over.
      await waitFor(server.stdout, /legacy: .*\/boom/);
      const legacy = lines(server.stdout())
        .filter((line) => line.startsWith("legacy: "))
        .map((line) => JSON.parse(line.slice("legacy: ".length)) as Record<string, unknown>)
        .sort((a, b) => String(a["url"]).localeCompare(String(b["url"])));
      expect(legacy).toEqual([
        { script: "app", url: `http://127.0.0.1:${server.port}/`, status: 200, outcome: "ok", exceptions: [] },
        {
          script: "app",
          url: `http://127.0.0.1:${server.port}/boom`,
          outcome: "exception",
          exceptions: ["Error: boom"],
        },
      ]);
    } finally {
      await stop(server.child);
    }
  });

  it("--watch: reloads on change, while a request in flight completes on the old code with its trace", async () => {
    const source = path.join(project, "app", "src", "index.ts");
    const original = readFileSync(source, "utf8");
    const marker = path.join(project, "release-slow");
    const started = path.join(project, "slow-started");
    const server = await startServe([...CONFIGS, "--watch"]);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const slow = fetch(
        `${base}/slow?until=${encodeURIComponent(marker)}&started=${encodeURIComponent(started)}`,
      ).then((response) => response.text());
      // The request runs on the first build before the source changes.
      while (!existsSync(started)) await new Promise((resolve) => setTimeout(resolve, 10));
      writeFileSync(source, original.replaceAll(" v1", " v2"));
      await waitFor(server.stderr, /workers-shim: reloaded/);
      expect(await (await fetch(`${base}/`)).text()).toBe("HELLO! v2");
      writeFileSync(marker, "");
      expect(await slow).toBe("slow v1");
      await waitFor(server.stdout, /"url":"[^"]*\/slow[^"]*".*"outcome":"ok"/);
    } finally {
      writeFileSync(source, original);
      await stop(server.child);
    }
  });
});

describe("workers-shim serve --test-scheduled", () => {
  it("runs scheduled() for /__scheduled?cron=, listing the configured crons", async () => {
    const server = await startServe([...CONFIGS, "--test-scheduled"]);
    try {
      await waitFor(server.stderr, /workers-shim: scheduled: /);
      expect(server.stderr()).toContain(
        `workers-shim: scheduled: http://127.0.0.1:${server.port}/__scheduled?cron=*%2F5%20*%20*%20*%20*`,
      );
      const response = await fetch(`http://127.0.0.1:${server.port}/__scheduled?cron=*/5+*+*+*+*`);
      expect(await response.text()).toBe("Ran scheduled event");
      await waitFor(server.stdout, /"invocation":"scheduled".*"outcome":"ok"/);
      expect(lines(server.stdout())).toContain("scheduled */5 * * * *");
    } finally {
      await stop(server.child);
    }
  });
});

describe("workers-shim flags (wrangler configs)", () => {
  it("prints each worker's resolved flags, with the environment applied", async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = await main(
      [
        "flags",
        "--json",
        path.join(FIXTURE, "app", "wrangler.jsonc"),
        "-c",
        path.join(FIXTURE, "greeter", "wrangler.toml"),
        "--env",
        "failing",
      ],
      { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) },
    );
    expect(status).toBe(0);
    const report = JSON.parse(stdout.join("\n")) as {
      services: { name: string; compatibilityFlags: string[]; fields: { field: string; value: unknown }[] }[];
    };
    expect(report.services.map((service) => [service.name, service.compatibilityFlags])).toEqual([
      ["app-failing", ["nodejs_compat"]],
      ["greeter", []],
    ]);
    expect(report.services[0]!.fields.find((field) => field.field === "nodeJsCompat")?.value).toBe(true);
    expect(stderr.some((line) => line.includes("kv_namespaces"))).toBe(true);
  });
});

describe("workers-shim --version", () => {
  it("prints the package version", async () => {
    const stdout: string[] = [];
    const status = await main(["--version"], { stdout: (line) => stdout.push(line), stderr: () => undefined });
    expect(status).toBe(0);
    expect(stdout).toEqual([(JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { version: string }).version]);
  });
});
