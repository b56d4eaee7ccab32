// Helpers of the packed-install test and the release rehearsal: run commands, pack the
// workspace, read tarballs, install into throwaway npm projects, serve a worker through npx.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

/** The repository's root folder. */
export const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** The fixtures these tests copy into their temporary projects. */
export const FIXTURES = fileURLToPath(new URL("fixtures/", import.meta.url));

/** The five published packages, in dependency order. */
export const PACKAGES = ["core-context", "user-tracing", "tracing-helpers", "opentelemetry", "workers-shim"];

/** Reads a JSON file. */
export function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** The exact version of `name` among the repository's (root or package) devDependencies. */
export function pinnedVersion(name) {
  for (const dir of [".", ...PACKAGES.map((pkg) => `packages/${pkg}`)]) {
    const version = readJson(path.join(REPO, dir, "package.json")).devDependencies?.[name];
    if (version !== undefined) return version;
  }
  throw new Error(`no devDependency "${name}" in the repository`);
}

/**
 * The environment for npm and pnpm run by these tests: the caller's, without the variables
 * `pnpm run` adds for its own scripts (npm warns about every unknown `npm_config_*` one), but
 * with the registry, cache, proxy and certificate settings a user may have given.
 */
export function cleanEnv(extra = {}) {
  const keep = /^npm_config_(registry|cache|userconfig|proxy|https_proxy|noproxy|cafile|strict_ssl)$/i;
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_config_|PNPM_|INIT_CWD$)/i.test(key) && !keep.test(key)) continue;
    env[key] = value;
  }
  return { ...env, npm_config_update_notifier: "false", npm_config_fund: "false", ...extra };
}

/**
 * Runs a command to its end; resolves `{ code, signal, stdout, stderr }`, or rejects with the
 * command line and its output when it exits with another status than `expectCode`.
 */
export function run(command, args, { cwd = REPO, env = cleanEnv(), expectCode = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code, signal) => {
      const result = { code, signal, stdout, stderr };
      if (expectCode === undefined || code === expectCode) resolve(result);
      else reject(new Error(`${describe(command, args, cwd)} exited with ${code ?? signal}\n${output(result)}`));
    });
  });
}

function describe(command, args, cwd) {
  return `\`${[command, ...args].join(" ")}\` (in ${cwd})`;
}

function output({ stdout, stderr }) {
  return `--- stdout\n${stdout}--- stderr\n${stderr}`;
}

/** A new empty folder under the system's temporary folder, removed by `cleanup()`. */
export function tempDir(label) {
  const dir = mkdtempSync(path.join(tmpdir(), `workers-tracing-${label}-`));
  return {
    dir,
    cleanup: () => {
      if (process.env.WORKERS_TRACING_KEEP_TEMP === undefined) rmSync(dir, { recursive: true, force: true });
      else console.log(`kept ${dir}`);
    },
  };
}

/** Copies a fixture folder to `dest`. */
export function copyFixture(name, dest) {
  cpSync(path.join(FIXTURES, name), dest, { recursive: true });
  return dest;
}

/**
 * Packs every published package with `pnpm pack` into `dest`; returns, per package, its name,
 * version, tarball path and the manifest and entries read back from the tarball.
 */
export async function packWorkspace(dest, cwd = REPO) {
  const { stdout } = await run(
    "pnpm",
    ["-r", "--filter", "./packages/*", "pack", "--pack-destination", dest, "--json"],
    {
      cwd,
    },
  );
  return JSON.parse(stdout).map(({ name, version, filename }) => {
    const entries = readTarball(filename);
    const manifest = JSON.parse(entries.get("package.json").text());
    return { name, version, tarball: filename, manifest, entries };
  });
}

/**
 * The files of an npm tarball (`.tgz`), by path inside its `package/` folder, each with its mode
 * and its text. Reads the ustar format npm and pnpm write (regular files, optional prefix field).
 */
export function readTarball(file) {
  const data = gunzipSync(readFileSync(file));
  const entries = new Map();
  const field = (offset, length) => {
    const bytes = data.subarray(offset, offset + length);
    const end = bytes.indexOf(0);
    return bytes.subarray(0, end === -1 ? length : end).toString("utf8");
  };
  for (let offset = 0; offset + 512 <= data.length;) {
    const name = field(offset, 100);
    if (name === "") break;
    const size = parseInt(field(offset + 124, 12).trim() || "0", 8);
    const mode = parseInt(field(offset + 100, 8).trim() || "0", 8);
    const type = field(offset + 156, 1);
    const prefix = field(offset + 345, 155);
    const full = prefix === "" ? name : `${prefix}/${name}`;
    const start = offset + 512;
    if (type === "0" || type === "") {
      const body = data.subarray(start, start + size);
      entries.set(full.replace(/^package\//, ""), { mode, size, text: () => body.toString("utf8") });
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** `npm install` in `dir`, from the npm cache where it can. */
export function npmInstall(dir, args, env = cleanEnv()) {
  return run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...args], { cwd: dir, env });
}

/**
 * Starts `npx @workers-tracing/workers-shim serve <args> --port 0` in `cwd` as a user would, in a
 * process group of its own; resolves once it prints its listening line, with the server's origin
 * and `stop()`, which sends SIGINT to the group as Ctrl-C does and resolves the run's output.
 */
export function startServe(cwd, args, env = cleanEnv()) {
  const child = spawn("npx", ["@workers-tracing/workers-shim", "serve", ...args, "--port", "0"], {
    cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  const exited = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  let listening = false;
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
      const line = /workers-shim: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (line === null || listening) return;
      listening = true;
      resolve({
        origin: line[1],
        stop: async () => {
          try {
            process.kill(-child.pid, "SIGINT");
          } catch (error) {
            if (error.code !== "ESRCH") throw error; // already gone
          }
          const { code, signal } = await exited;
          return { code, signal, stdout, stderr };
        },
      });
    });
    void exited.then(({ code, signal }) => {
      if (!listening)
        reject(
          new Error(`workers-shim serve exited with ${code ?? signal} before listening\n${output({ stdout, stderr })}`),
        );
    });
  });
}
