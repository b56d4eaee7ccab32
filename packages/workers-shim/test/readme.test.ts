import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { validateConfig } from "../src/index";
import { FIXTURES, TODAY, drainTails, eventLines, invocations, resetRecords, start } from "./helpers";

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(PACKAGE, "dist/cli.js");
const README = readFileSync(join(PACKAGE, "README.md"), "utf8");

/** The README's code blocks that name a file in their info string (```js worker.js). */
function namedBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of markdown.matchAll(/^```\w+ (\S+)\n([\s\S]*?)^```$/gm)) blocks.set(match[1]!, match[2]!);
  return blocks;
}

const BLOCKS = namedBlocks(README);

function block(name: string): string {
  const text = BLOCKS.get(name);
  if (text === undefined) throw new Error(`README.md has no code block named ${name}`);
  return text;
}

// The example runs in a folder inside the package, so that it imports the built package by name.
let dir: string;
beforeAll(() => {
  mkdirSync(join(PACKAGE, "temp"), { recursive: true });
  dir = mkdtempSync(join(PACKAGE, "temp", "readme-"));
  for (const name of ["worker.js", "config.json", "example.mjs"]) writeFileSync(join(dir, name), block(name));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("README", () => {
  it("runs the programmatic example and prints what its comments say", () => {
    const example = block("example.mjs");
    const expected = example
      .trimEnd()
      .split("\n")
      .filter((line) => line.startsWith("// "))
      .map((line) => line.slice(3));
    expect(expected.length).toBeGreaterThan(0);
    // The command the README gives for it.
    expect(README).toContain("`node --experimental-vm-modules --disable-warning=ExperimentalWarning example.mjs`");
    const run = spawnSync(
      process.execPath,
      ["--experimental-vm-modules", "--disable-warning=ExperimentalWarning", "example.mjs"],
      { cwd: dir, encoding: "utf8", timeout: 60000 },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split("\n")).toEqual(expected);
  });

  it("serves the example worker with the output shown", { timeout: 60000 }, async () => {
    const { FORCE_COLOR: _force, ...env } = process.env;
    const child = spawn(process.execPath, [CLI, "serve", "config.json", "--port", "0", "--tail", "pretty"], {
      cwd: dir,
      env: { ...env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const wait = async (done: () => boolean): Promise<void> => {
        while (!done()) {
          if (child.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      await wait(() => /listening on http:\/\/127\.0\.0\.1:\d+\n/.test(stderr));
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]!;
      const response = await fetch(`http://127.0.0.1:${port}/greet?name=Ada`);
      expect(await response.text()).toBe("Hello, Ada!");
      expect(README).toContain("curl 'http://127.0.0.1:8787/greet?name=Ada'    # in another terminal: Hello, Ada!");
      await wait(() => stdout.endsWith("\n\n"));
      const normalise = (text: string) =>
        text
          .trimEnd()
          .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT")
          .replace(/\b\d+ms\b/g, "Nms");
      expect(normalise(stdout)).toBe(normalise(block("serve-output")));
    } finally {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });

  it(
    "runs the wrangler example: TypeScript bundled, the tail fed, a throw pointed at its .ts line",
    { timeout: 60000 },
    async () => {
      const project = mkdtempSync(join(PACKAGE, "temp", "readme-wrangler-"));
      mkdirSync(join(project, "src"));
      mkdirSync(join(project, "tail"));
      for (const name of ["src/index.ts", "wrangler.jsonc", "tail/wrangler.toml", "tail/index.ts"]) {
        writeFileSync(join(project, name), block(name));
      }
      expect(README).toContain("npx workers-shim serve -c wrangler.jsonc -c tail/wrangler.toml --watch");
      const child = spawn(
        process.execPath,
        [CLI, "serve", "-c", "wrangler.jsonc", "-c", "tail/wrangler.toml", "--watch", "--port", "0"],
        { cwd: project, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      const wait = async (done: () => boolean): Promise<void> => {
        while (!done()) {
          if (child.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      try {
        await wait(() => /listening on http:\/\/127\.0\.0\.1:\d+\n/.test(stderr));
        const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]!;
        expect(await (await fetch(`http://127.0.0.1:${port}/?name=Ada`)).text()).toBe("Hello, Ada!");
        expect(README).toContain(
          "curl 'http://127.0.0.1:8787/?name=Ada'   # Hello, Ada!   (the tail prints: tail: outcome ok)",
        );
        await wait(() => stdout.includes("tail: outcome ok\n"));
        expect((await fetch(`http://127.0.0.1:${port}/?name=`)).status).toBe(500);
        const printed = /the worker threw Error: empty name \(at [^)]+\)/.exec(README)![0];
        await wait(() => stderr.includes("the worker threw"));
        expect(stderr).toContain(printed);
      } finally {
        child.kill("SIGTERM");
        expect(await exited).toBe(0);
        rmSync(project, { recursive: true, force: true });
      }
    },
  );
});

/** The own flags the README shows before/after examples of (```js flag-<name>.js``` blocks). */
const FLAG_EXAMPLES = [...BLOCKS.keys()]
  .filter((name) => /^flag-[\w-]+\.js$/.test(name))
  .map((name) => name.slice(0, -".js".length));

describe("README: own compatibility flags", () => {
  beforeEach(resetRecords);

  it("shows an example of every own flag", () => {
    expect(FLAG_EXAMPLES).toEqual([
      "flag-error-status",
      "flag-thenable-end",
      "flag-leak-diagnostics",
      "flag-root-frames",
      "flag-own-invocation-logs",
    ]);
  });

  it.for(FLAG_EXAMPLES.flatMap((example) => [[example, "before"] as const, [example, "after"] as const]))(
    "runs %s %s the flag with the events shown",
    async ([example, when]) => {
      writeFileSync(join(dir, `${example}.js`), block(`${example}.js`));
      writeFileSync(join(dir, "collect-tail.js"), readFileSync(join(FIXTURES, "shared/collect-tail.js"), "utf8"));
      const flag = `workers_tracing_${example.slice("flag-".length).replaceAll("-", "_")}`;
      // An example that exports a Durable Object class `Room` gets it bound as `env.rooms`; its
      // blocks then show the object's invocations (the test() one only calls it).
      const actor = /^export class Room\b/m.test(block(`${example}.js`));
      const config = validateConfig(
        {
          services: [
            {
              name: "main",
              worker: {
                modules: [{ name: "worker", esModule: `${example}.js` }],
                compatibilityDate: "2026-11-01",
                compatibilityFlags: when === "after" ? [flag] : [],
                streamingTails: ["tail"],
                ...(actor
                  ? {
                      bindings: [{ name: "rooms", durableObjectNamespace: "Room" }],
                      durableObjectNamespaces: [{ className: "Room", uniqueKey: "room" }],
                      durableObjectStorage: { inMemory: true },
                    }
                  : {}),
              },
            },
            {
              name: "tail",
              worker: { modules: [{ name: "worker", esModule: "collect-tail.js" }], compatibilityDate: "2026-11-01" },
            },
          ],
        },
        { baseDir: dir, today: TODAY },
      );
      const { runtime } = await start(config);
      try {
        expect((await runtime.runTests()).failed).toBe(0);
        await drainTails();
      } finally {
        await runtime.close();
      }
      const shown = actor
        ? invocations().filter(
            (invocation) => invocation.onset.event.type === "onset" && invocation.onset.event.entrypoint === "Room",
          )
        : invocations().slice(0, 1);
      expect(shown.flatMap((invocation) => eventLines(invocation.events))).toEqual(
        block(`${example}-${when}`).trimEnd().split("\n"),
      );
    },
  );
});
