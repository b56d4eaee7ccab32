import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WorkersShimError, createRuntime, loadConfig, type Runtime } from "../src/index";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

// <tmp>/outside/outside.js, <tmp>/node_modules/above/ (a package above the project) and the
// project <tmp>/project/ with its config, modules, a symbolic link to the outside file and a
// package of its own.
let tmp = "";
let project = "";

function writeConfig(name: string, main: string): string {
  const path = join(project, name);
  writeFileSync(
    path,
    JSON.stringify({
      services: [
        { name: "main", worker: { modules: [{ name: "worker", esModule: main }], compatibilityDate: "2026-11-01" } },
      ],
    }),
  );
  return path;
}

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof WorkersShimError) return error.message;
    throw error;
  }
  throw new Error("expected a WorkersShimError");
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "workers-shim-confine-"));
  project = join(tmp, "project");
  mkdirSync(join(tmp, "outside"));
  writeFileSync(join(tmp, "outside", "outside.js"), "export const where = 'outside';\n");
  mkdirSync(join(tmp, "node_modules", "above"), { recursive: true });
  writeFileSync(
    join(tmp, "node_modules", "above", "package.json"),
    JSON.stringify({ name: "above", type: "module", exports: "./index.js" }),
  );
  writeFileSync(join(tmp, "node_modules", "above", "index.js"), "export const where = 'above';\n");
  mkdirSync(join(project, "node_modules", "inside"), { recursive: true });
  writeFileSync(
    join(project, "node_modules", "inside", "package.json"),
    JSON.stringify({ name: "inside", type: "module", exports: "./index.js" }),
  );
  writeFileSync(join(project, "node_modules", "inside", "index.js"), "export const where = 'inside package';\n");
  writeFileSync(join(project, "lib.js"), "export const where = 'lib';\n");
  symlinkSync(join(tmp, "outside", "outside.js"), join(project, "link.js"));
  const fetch = (body: string) => `export default { async fetch() { ${body} } };\n`;
  writeFileSync(
    join(project, "inside.js"),
    "import { where as lib } from './lib.js';\nimport { where as pkg } from 'inside';\n" +
      fetch("const { where } = await import('./lib.js'); return new Response([lib, pkg, where].join());"),
  );
  writeFileSync(
    join(project, "relative.js"),
    "import { where } from '../outside/outside.js';\n" + fetch("return new Response(where);"),
  );
  writeFileSync(
    join(project, "through-link.js"),
    "import { where } from './link.js';\n" + fetch("return new Response(where);"),
  );
  writeFileSync(
    join(project, "package-above.js"),
    "import { where } from 'above';\n" + fetch("return new Response(where);"),
  );
  writeFileSync(
    join(project, "dynamic.js"),
    fetch("return import('../outside/outside.js').then(() => new Response('loaded'), (e) => new Response(String(e)));"),
  );
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

async function fetchText(configPath: string, confineModules: boolean): Promise<string> {
  runtime = await createRuntime(loadConfig(configPath, { confineModules }), { onWarning: () => {} });
  return (await runtime.dispatchFetch("main", "http://localhost/")).text();
}

describe("confineModules", () => {
  it("refuses a config module outside the config's folder, by path or through a symbolic link", () => {
    const outside = join(tmp, "outside", "outside.js");
    const relative = writeConfig("outside.json", "../outside/outside.js");
    expect(configError(() => loadConfig(relative, { confineModules: true }))).toBe(
      `workers-shim: service "main": worker.modules[0].esModule: ${outside} is outside the config's folder ${project}, and module paths are confined to it`,
    );
    const linked = writeConfig("linked.json", "link.js");
    expect(configError(() => loadConfig(linked, { confineModules: true }))).toContain(
      `${join(project, "link.js")} is outside the config's folder`,
    );
    // Without the option both load, and the config says nothing about a root.
    expect(loadConfig(relative).moduleRoot).toBeUndefined();
    expect(loadConfig(linked).services[0]!.worker.modules[0]!.path).toBe(join(project, "link.js"));
    expect(loadConfig(writeConfig("lib.json", "lib.js"), { confineModules: true }).moduleRoot).toBe(project);
  });

  it("loads modules and packages inside the folder", async () => {
    expect(await fetchText(writeConfig("inside.json", "inside.js"), true)).toBe("lib,inside package,lib");
  });

  it.for([
    { main: "relative.js", specifier: "../outside/outside.js", file: () => join(tmp, "outside", "outside.js") },
    { main: "through-link.js", specifier: "./link.js", file: () => join(tmp, "outside", "outside.js") },
    { main: "package-above.js", specifier: "above", file: () => join(tmp, "node_modules", "above", "index.js") },
  ])(
    "refuses to import $specifier from outside the folder, and allows it without the option",
    async ({ main, specifier, file }) => {
      const configPath = writeConfig(`${main}.json`, main);
      await expect(fetchText(configPath, true)).rejects.toThrow(
        `workers-shim: cannot import "${specifier}" (imported from "worker"): ${file()} is outside the config's folder ${project}, and module paths are confined to it.`,
      );
      expect(await fetchText(configPath, false)).toMatch(/^(outside|above)$/);
    },
  );

  it("refuses a dynamic import from outside the folder with the same error", async () => {
    const text = await fetchText(writeConfig("dynamic.json", "dynamic.js"), true);
    expect(text).toBe(
      `Error: workers-shim: cannot import "../outside/outside.js" (imported from "worker"): ${join(tmp, "outside", "outside.js")} is outside the config's folder ${project}, and module paths are confined to it.`,
    );
  });

  it("is the CLI's --confine-modules", () => {
    const configPath = writeConfig("cli.json", "../outside/outside.js");
    const run = spawnSync(process.execPath, [CLI, "test", "--confine-modules", configPath], {
      encoding: "utf8",
      timeout: 60000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      `workers-shim: service "main": worker.modules[0].esModule: ${join(tmp, "outside", "outside.js")} is outside the config's folder ${project}, and module paths are confined to it`,
    );
  });
});
