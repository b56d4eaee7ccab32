// Rehearses the release flow on a throwaway copy of the workspace, against a verdaccio registry
// this test starts on loopback: a changeset, `pnpm version-packages`, `pnpm release` (build and
// `changeset publish`), then `npm install` and `npx` of the published CLI from that registry.
// The repository itself is never modified, and nothing is published anywhere else.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, it } from "node:test";
import { fileURLToPath } from "node:url";
import { PACKAGES, REPO, cleanEnv, copyFixture, npmInstall, readJson, readTarball, run, tempDir } from "./lib.mjs";

const SHIM = "@workers-tracing/workers-shim";
const temp = tempDir("release");
const workspace = path.join(temp.dir, "workspace");
const npmrc = path.join(temp.dir, "npmrc");
let registry;
let oldVersion;
let newVersion;

/** Copies the files git knows of (tracked, or new and not ignored): no node_modules, no builds. */
async function copyWorkspace(dest) {
  const { stdout } = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"]);
  for (const file of stdout.split("\0")) {
    if (file === "" || !existsSync(path.join(REPO, file))) continue; // deleted, not yet committed
    mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    copyFileSync(path.join(REPO, file), path.join(dest, file));
  }
}

/** Starts verdaccio on a free loopback port, with its storage and users in `dir`. */
async function startRegistry(dir) {
  const config = path.join(dir, "config.yaml");
  // JSON is YAML.
  writeFileSync(
    config,
    JSON.stringify({
      storage: path.join(dir, "storage"),
      auth: { htpasswd: { file: path.join(dir, "htpasswd"), max_users: 1 } },
      uplinks: {},
      packages: { "**": { access: "$all", publish: "$authenticated" } },
      web: { enable: false },
      log: { type: "stdout", format: "pretty", level: "warn" },
    }),
  );
  const child = spawn(process.execPath, [fileURLToPath(new URL("verdaccio.mjs", import.meta.url)), config], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  const port = await new Promise((resolve, reject) => {
    child.once("message", (message) => resolve(message.port));
    child.once("exit", (code) => reject(new Error(`verdaccio exited with ${code}\n${output}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}

/** Creates the registry's one user, as `npm adduser` does, and returns its token. */
async function addUser(url) {
  const response = await fetch(new URL("-/user/org.couchdb.user:rehearsal", url), {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "rehearsal", password: "rehearsal-password", type: "user" }),
  });
  const body = await response.json();
  assert.equal(response.status, 201, JSON.stringify(body));
  return body.token;
}

/** The registry document of a package. */
async function packument(name) {
  const response = await fetch(new URL(name.replace("/", "%2f"), registry.url));
  assert.equal(response.status, 200, `${name} is not on the registry`);
  return response.json();
}

function parseVersion(version) {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  assert.ok(match, `not a release version: ${version}`);
  return match.slice(1).map(Number);
}

function isNewer(a, b) {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  const index = x.findIndex((part, i) => part !== y[i]);
  return index !== -1 && x[index] > y[index];
}

/** The folder npx installs `spec` into when the project lacks it (npm's libnpmexec). */
async function npxInstallDir(spec) {
  const { stdout } = await run("npm", ["config", "get", "cache"], { cwd: temp.dir });
  const hash = createHash("sha512").update(spec).digest("hex").slice(0, 16);
  return path.join(stdout.trim(), "_npx", hash);
}

/** Removes the npx cache folder of `spec`, if it holds exactly that package. */
async function removeNpxInstall(spec) {
  const dir = await npxInstallDir(spec);
  const manifest = path.join(dir, "package.json");
  if (existsSync(manifest) && JSON.stringify(readJson(manifest)._npx?.packages) === JSON.stringify([spec])) {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Installs the copy from the repository's pnpm store (named outright: by default pnpm would open
 * a new, empty store when the temporary folder is on another file system).
 */
async function installCopy() {
  const { stdout } = await run("pnpm", ["store", "path"]);
  await run(
    "pnpm",
    ["install", "--frozen-lockfile", "--prefer-offline", "--ignore-scripts", "--store-dir", stdout.trim()],
    { cwd: workspace },
  );
}

before(async () => {
  await copyWorkspace(workspace);
  await installCopy();
  const registryDir = path.join(temp.dir, "registry");
  mkdirSync(registryDir);
  registry = await startRegistry(registryDir);
  assert.match(registry.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const token = await addUser(registry.url);
  writeFileSync(npmrc, `//${new URL(registry.url).host}/:_authToken=${token}\n`);
  oldVersion = readJson(path.join(workspace, "packages/workers-shim/package.json")).version;
});

after(async () => {
  registry?.stop();
  await removeNpxInstall(SHIM);
  temp.cleanup();
});

it("pnpm version-packages gives the five packages one new version", async () => {
  // What `pnpm changeset` writes for a patch of workers-shim.
  writeFileSync(
    path.join(workspace, ".changeset/release-rehearsal.md"),
    `---\n"${SHIM}": patch\n---\n\nRehearse the release.\n`,
  );
  await run("pnpm", ["version-packages"], { cwd: workspace });

  const manifests = PACKAGES.map((pkg) => readJson(path.join(workspace, "packages", pkg, "package.json")));
  newVersion = manifests.at(-1).version;
  assert.ok(isNewer(newVersion, oldVersion), `${newVersion} is not newer than ${oldVersion}`);
  for (const manifest of manifests) {
    assert.equal(manifest.version, newVersion, manifest.name);
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
      if (dep.startsWith("@workers-tracing/")) assert.equal(range, "workspace:*", `${manifest.name} -> ${dep}`);
    }
    const changelog = readFileSync(
      path.join(workspace, "packages", manifest.name.split("/")[1], "CHANGELOG.md"),
      "utf8",
    );
    assert.match(changelog, new RegExp(`^## ${newVersion.replaceAll(".", "\\.")}$`, "m"), manifest.name);
  }
  assert.match(
    readFileSync(path.join(workspace, "packages/workers-shim/CHANGELOG.md"), "utf8"),
    /Rehearse the release\./,
  );
  assert.deepEqual(readdirSync(path.join(workspace, ".changeset")).sort(), ["README.md", "config.json"]);
  // CI's `pnpm install --frozen-lockfile` still passes on the versioned workspace.
  await installCopy();
});

it("pnpm release builds the packages and publishes all five", async () => {
  assert.ok(newVersion, "needs the versioned workspace of the previous test");
  // --no-git-tag: the copy is no git repository; a real release tags the commit.
  await run("pnpm", ["release", "--no-git-tag"], {
    cwd: workspace,
    env: cleanEnv({ npm_config_registry: registry.url, npm_config_userconfig: npmrc }),
  });
  for (const pkg of PACKAGES) {
    const name = `@workers-tracing/${pkg}`;
    const document = await packument(name);
    assert.equal(document["dist-tags"].latest, newVersion, name);
    const published = document.versions[newVersion];
    for (const [dep, range] of Object.entries(published.dependencies ?? {})) {
      if (dep.startsWith("@workers-tracing/")) assert.equal(range, newVersion, `${name} -> ${dep}`);
    }
  }
  // The copy had no build: the published files come from the release's own build.
  const { versions } = await packument(SHIM);
  const tarball = path.join(temp.dir, "workers-shim.tgz");
  writeFileSync(tarball, Buffer.from(await (await fetch(versions[newVersion].dist.tarball)).arrayBuffer()));
  const entries = readTarball(tarball);
  assert.ok(entries.has("dist/cli.js") && entries.has("dist/index.d.ts"), [...entries.keys()].join(", "));
});

it("npm install -D @workers-tracing/workers-shim from the registry, and its CLI runs", async () => {
  assert.ok(newVersion, "needs the published packages of the previous test");
  const project = path.join(temp.dir, "project");
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), `${JSON.stringify({ name: "project", private: true })}\n`);
  // Our scope from the rehearsal registry, everything else from the usual one.
  writeFileSync(path.join(project, ".npmrc"), `@workers-tracing:registry=${registry.url}\n`);
  await npmInstall(project, ["--save-dev", SHIM]);
  assert.equal(readJson(path.join(project, "package.json")).devDependencies[SHIM], `^${newVersion}`);

  const { stdout } = await run("npx", ["workers-shim", "--version"], { cwd: project });
  assert.equal(stdout.trim(), newVersion);
  copyFixture("wrangler-ts", path.join(project, "greeter"));
  const tested = await run("npx", [SHIM, "test", "-c", "wrangler.jsonc", "-c", "tail/wrangler.jsonc"], {
    cwd: path.join(project, "greeter"),
  });
  assert.match(tested.stderr, /workers-shim: 1 test: 1 passed, 0 failed/);
  assert.match(tested.stdout, /^tail: custom span greet greeting\.name=Ada outcome ok$/m);
});

it("npx @workers-tracing/workers-shim runs it without an install", async () => {
  assert.ok(newVersion, "needs the published packages of a previous test");
  const empty = path.join(temp.dir, "empty");
  mkdirSync(empty);
  writeFileSync(path.join(empty, ".npmrc"), `@workers-tracing:registry=${registry.url}\n`);
  await removeNpxInstall(SHIM); // left by an earlier rehearsal: npx must install it now
  const { stdout } = await run("npx", ["--yes", SHIM, "--version"], { cwd: empty });
  assert.equal(stdout.trim(), newVersion);
  assert.ok(existsSync(path.join(await npxInstallDir(SHIM), "node_modules", SHIM)), "npx did not install it");
});
