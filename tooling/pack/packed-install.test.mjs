// What a user gets from npm: packs every package with `pnpm pack`, installs the tarballs into
// throwaway npm projects outside the repository, and uses them there as a user would — the CLI
// through npx, each package by name, their types under a strict tsc, and Hono's and itty-router's
// Workers starters served unchanged. Needs the packages built (`pnpm test:pack` builds them).
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  PACKAGES,
  REPO,
  copyFixture,
  npmInstall,
  packWorkspace,
  pinnedVersion,
  readJson,
  run,
  startServe,
  tempDir,
} from "./lib.mjs";

const temp = tempDir("pack");
const tarballs = path.join(temp.dir, "tarballs");
const consumer = path.join(temp.dir, "consumer");
const greeter = path.join(consumer, "greeter");
const honoStarter = path.join(temp.dir, "hono-starter");
const ittyStarter = path.join(temp.dir, "itty-router-starter");
let packed = [];

before(async () => {
  packed = await packWorkspace(tarballs);
  const specs = packed.map(({ tarball }) => tarball);

  copyFixture("consumer", consumer);
  writeFileSync(
    path.join(consumer, "package.json"),
    `${JSON.stringify({ name: "consumer", private: true }, null, 2)}\n`,
  );
  copyFixture("wrangler-ts", greeter);
  copyFixture("hono-starter", honoStarter);
  copyFixture("itty-router-starter", ittyStarter);

  // The internal dependencies are not on a registry: installing all five tarballs lets npm
  // resolve the exact versions the tarballs name to these copies.
  await Promise.all([
    npmInstall(consumer, [
      ...specs,
      `typescript@${pinnedVersion("typescript")}`,
      `@types/node@${pinnedVersion("@types/node")}`,
      `@opentelemetry/api@${pinnedVersion("@opentelemetry/api")}`,
    ]),
    npmInstall(honoStarter, ["--save-dev", ...specs]),
    npmInstall(ittyStarter, ["--save-dev", ...specs]),
  ]);
});

after(() => temp.cleanup());

/** The lines a starter's tail worker printed, in a stable order. */
function tailLines(stdout) {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("tail: "))
    .sort();
}

/**
 * Ctrl-C ends npx itself by the signal; the server prints nothing but its listening line (no
 * warning, no error) and exits 0, which npx would pass on.
 */
function assertStoppedCleanly({ code, signal, stderr }) {
  assert.ok(code === 0 || signal === "SIGINT", `exited with ${code ?? signal}`);
  assert.match(stderr, /^workers-shim: listening on http:\/\/127\.0\.0\.1:\d+\n$/);
}

/** Every bare module specifier imported by the package's JavaScript files. */
function importedPackages(entries) {
  const names = new Set();
  for (const [file, entry] of entries) {
    if (!file.endsWith(".js")) continue;
    const text = entry.text();
    const patterns = [
      /^\s*(?:import|export)\s[^;]*?\bfrom\s*["']([^"'\s]+)["']/gm,
      /^\s*import\s*["']([^"'\s]+)["']/gm,
      /\bimport\(\s*["']([^"'\s]+)["']\s*\)/g,
      /\b(?:require|createRequire\([^()]*\))\(\s*["']([^"'\s]+)["']\s*\)/g,
    ];
    for (const pattern of patterns) {
      for (const [, specifier] of text.matchAll(pattern)) {
        if (/^[./]|\$\{|^cloudflare:/.test(specifier) || isBuiltin(specifier)) continue;
        const parts = specifier.split("/");
        names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
      }
    }
  }
  return names;
}

describe("pnpm pack", () => {
  it("packs the five packages", () => {
    assert.deepEqual(packed.map(({ name }) => name).sort(), PACKAGES.map((pkg) => `@workers-tracing/${pkg}`).sort());
  });

  it("turns workspace:* into the workspace's exact version", () => {
    for (const { name, version, manifest } of packed) {
      const source = readJson(path.join(REPO, "packages", name.split("/")[1], "package.json"));
      assert.equal(manifest.version, source.version, name);
      for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
        assert.deepEqual(Object.keys(manifest[field] ?? {}).sort(), Object.keys(source[field] ?? {}).sort(), name);
        for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
          assert.doesNotMatch(range, /^workspace:/, `${name} ${field}.${dep}`);
          if (dep.startsWith("@workers-tracing/")) assert.equal(range, version, `${name} ${field}.${dep}`);
        }
      }
    }
  });

  it("ships every file the manifest points at, and only the build and the README", () => {
    const targets = (value) =>
      typeof value === "string" ? [value] : Object.values(value ?? {}).flatMap((inner) => targets(inner));
    for (const { name, manifest, entries } of packed) {
      for (const target of [...targets(manifest.exports), ...targets(manifest.bin)]) {
        assert.ok(entries.has(target.replace(/^\.\//, "")), `${name}: ${target} is not in the tarball`);
      }
      for (const file of entries.keys()) {
        assert.match(file, /^(dist\/.+|package\.json|README\.md)$/, `${name}: unexpected file ${file}`);
      }
      assert.ok(entries.has("README.md"), `${name}: no README.md`);
      assert.deepEqual(manifest.engines, readJson(path.join(REPO, "package.json")).engines, `${name}: engines`);
    }
  });

  it("gives the CLI a node shebang and the executable bit", () => {
    const shim = packed.find(({ name }) => name === "@workers-tracing/workers-shim");
    assert.deepEqual(Object.keys(shim.manifest.bin), ["workers-shim"]);
    const cli = shim.entries.get(shim.manifest.bin["workers-shim"].replace(/^\.\//, ""));
    assert.ok(cli.text().startsWith("#!/usr/bin/env node\n"));
    assert.equal(cli.mode & 0o111, 0o111, `mode ${cli.mode.toString(8)}`);
  });

  it("declares every package the built code imports as a dependency or peer", () => {
    for (const { name, manifest, entries } of packed) {
      const declared = new Set([
        name,
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]);
      const missing = [...importedPackages(entries)].filter((dep) => !declared.has(dep));
      assert.deepEqual(missing, [], `${name} imports undeclared packages`);
    }
  });
});

describe("installed from the tarballs", () => {
  it("installs one copy of each package", () => {
    const installed = readdirSync(path.join(consumer, "node_modules", "@workers-tracing")).sort();
    assert.deepEqual(installed, [...PACKAGES].sort());
    const lock = readJson(path.join(consumer, "package-lock.json"));
    const copies = Object.keys(lock.packages).filter((key) => key.includes("node_modules/@workers-tracing/"));
    assert.deepEqual(copies.sort(), PACKAGES.map((pkg) => `node_modules/@workers-tracing/${pkg}`).sort());
  });

  it("npx workers-shim --version prints the packed version", async () => {
    const { version } = packed.find(({ name }) => name === "@workers-tracing/workers-shim");
    for (const bin of ["workers-shim", "@workers-tracing/workers-shim"]) {
      const { stdout } = await run("npx", [bin, "--version"], { cwd: consumer });
      assert.equal(stdout.trim(), version, bin);
    }
  });

  it("workers-shim test runs a wrangler.jsonc project with a TypeScript entry and a streaming tail", async () => {
    const { stdout, stderr } = await run(
      "npx",
      [
        "@workers-tracing/workers-shim",
        "--cwd",
        "greeter",
        "test",
        "-c",
        "wrangler.jsonc",
        "-c",
        "tail/wrangler.jsonc",
        "--html",
        "report.html",
      ],
      { cwd: consumer },
    );
    assert.match(stderr, /^\[ PASS \] greeter$/m);
    assert.match(stderr, /workers-shim: 1 test: 1 passed, 0 failed/);
    assert.match(stdout, /^tail: custom span greet greeting\.name=Ada outcome ok$/m);
    assert.match(readFileSync(path.join(greeter, "report.html"), "utf8"), /greeting\.name/);
  });

  it("imports every package by name and uses them together", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--experimental-vm-modules", "--disable-warning=ExperimentalWarning", "imports.mjs"],
      { cwd: consumer },
    );
    assert.equal(stdout.trim(), "imports: ok");
  });

  it("type-checks a strict TypeScript file that uses their types", async () => {
    const tsc = path.join(consumer, "node_modules", "typescript", "bin", "tsc");
    const { stdout } = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: consumer });
    assert.equal(stdout, "");
  });
});

describe("Workers starters served unchanged with npx @workers-tracing/workers-shim serve", () => {
  it("Hono (create-hono's cloudflare-workers template)", async () => {
    const server = await startServe(honoStarter, ["-c", "wrangler.jsonc", "-c", "tail/wrangler.jsonc"]);
    let result;
    try {
      const home = await fetch(`${server.origin}/`);
      assert.equal(home.status, 200);
      assert.match(home.headers.get("content-type"), /^text\/plain/);
      assert.equal(await home.text(), "Hello Hono!");
      const missing = await fetch(`${server.origin}/missing`);
      assert.equal(missing.status, 404);
      assert.equal(await missing.text(), "404 Not Found");
    } finally {
      result = await server.stop();
    }
    assertStoppedCleanly(result);
    assert.deepEqual(tailLines(result.stdout), ["tail: GET / 200 ok", "tail: GET /missing 404 ok"]);
  });

  it("itty-router (its README's AutoRouter example)", async () => {
    const server = await startServe(ittyStarter, ["-c", "wrangler.jsonc", "-c", "tail/wrangler.jsonc"]);
    let result;
    try {
      const hello = await fetch(`${server.origin}/hello/Ada`);
      assert.equal(hello.status, 200);
      assert.match(hello.headers.get("content-type"), /^application\/json/);
      assert.equal(await hello.json(), "Hello, Ada!");
      assert.deepEqual(await (await fetch(`${server.origin}/json`)).json(), [1, 2, 3]);
      assert.equal(await (await fetch(`${server.origin}/promises`)).json(), "foo");
      const missing = await fetch(`${server.origin}/missing`);
      assert.equal(missing.status, 404);
      await missing.arrayBuffer();
    } finally {
      result = await server.stop();
    }
    assertStoppedCleanly(result);
    assert.deepEqual(tailLines(result.stdout), [
      "tail: GET /hello/Ada 200 ok",
      "tail: GET /json 200 ok",
      "tail: GET /missing 404 ok",
      "tail: GET /promises 200 ok",
    ]);
  });
});
