// Starting and stopping the two servers `bench:serve` compares, both on 127.0.0.1:
//   - `workers-shim serve` (packages/workers-shim/dist/cli.js), port 0, ready once it printed
//     its listening line;
//   - `workerd serve` with the same config.json translated to capnp by the shared conformance
//     tools (to-capnp.mjs, imported from <repo>/../shared/conformance/tools/) plus the HTTP
//     socket conformance/tools/serve-workerd.mjs adds; ready once it accepts connections.
// Each server's stdout is kept (the bench tail's count lines), its stderr too (for errors).
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "../..");
export const SHIM_CLI = path.join(REPO, "packages/workers-shim/dist/cli.js");
const SHARED_TOOLS = path.resolve(REPO, "../shared/conformance/tools");
const SERVE_WORKERD = path.join(REPO, "conformance/tools/serve-workerd.mjs");
const LISTENING = /workers-shim: listening on http:\/\/127\.0\.0\.1:(\d+)/;
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The workerd binary: $WORKERD_BIN, else the one of this package's `workerd` devDependency (its
 * default export is the native binary's path; node_modules/.bin/workerd is a shell wrapper that
 * would not pass signals on).
 */
export async function workerdBinary() {
  if (process.env.WORKERD_BIN) return process.env.WORKERD_BIN;
  try {
    const module = await import("workerd");
    // A CommonJS module: its exports object is the namespace's default.
    const binary = typeof module.default === "string" ? module.default : module.default.default;
    if (typeof binary !== "string") throw new Error("its default export is not a path");
    return binary;
  } catch (error) {
    throw new Error(
      `cannot find the workerd binary (${error.message.split("\n")[0]}); run "npx -y pnpm@10.34.8 install" or set WORKERD_BIN`,
    );
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, timeout: 1000 });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Spawns a server process and keeps its output. `ready(state)` is polled until it resolves a
 * port (or the process exits, or START_TIMEOUT_MS passes).
 */
async function launch(label, command, args, { cwd, env, ready, cleanup = () => {} }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const state = { stdout: "", stderr: "", exited: null };
  child.stdout.setEncoding("utf8").on("data", (chunk) => (state.stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (state.stderr += chunk));
  const closed = new Promise((resolve) => {
    child.once("error", (error) => {
      state.stderr += `\nspawn error: ${error.message}`;
      state.exited = { code: 127, signal: null };
      resolve();
    });
    // "exit", not "close": a process the server started could keep the pipes open.
    child.once("exit", (code, signal) => {
      state.exited = { code, signal };
      setImmediate(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve();
      });
    });
  });
  const stop = async () => {
    if (state.exited === null) {
      child.kill("SIGTERM");
      const stopped = await Promise.race([closed.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!stopped) child.kill("SIGKILL");
      await closed;
    }
    cleanup();
    return { ...state.exited, stdout: state.stdout, stderr: state.stderr };
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (state.exited !== null) {
      cleanup();
      throw new Error(
        `${label} exited (${state.exited.code ?? state.exited.signal}) before it was ready: ${state.stderr.trim().split("\n").slice(-3).join(" | ")}`,
      );
    }
    const port = await ready(state);
    if (port !== undefined)
      return {
        label,
        pid: child.pid,
        port,
        url: `http://127.0.0.1:${port}`,
        stdout: () => state.stdout,
        stderr: () => state.stderr,
        stop,
      };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${label} was not ready within ${START_TIMEOUT_MS / 1000} s: ${state.stderr.trim().split("\n").slice(-3).join(" | ")}`,
      );
    }
    await sleep(20);
  }
}

/** `node [nodeArgs] workers-shim serve --experimental <config> --port 0 [extraArgs]`. */
export function startShim(configPath, { nodeArgs = [], extraArgs = [], label = "workers-shim serve" } = {}) {
  if (!fs.existsSync(SHIM_CLI)) throw new Error(`${SHIM_CLI} is missing: build first (npx -y pnpm@10.34.8 build)`);
  return launch(
    label,
    process.execPath,
    [...nodeArgs, SHIM_CLI, "serve", "--experimental", configPath, "--port", "0", ...extraArgs],
    {
      cwd: REPO,
      env: { NO_COLOR: "1" },
      ready: async (state) => {
        const match = LISTENING.exec(state.stderr);
        return match === null ? undefined : Number(match[1]);
      },
    },
  );
}

let sharedTools;

async function loadTools() {
  if (sharedTools !== undefined) return sharedTools;
  if (!fs.existsSync(path.join(SHARED_TOOLS, "to-capnp.mjs"))) {
    throw new Error(
      `the shared conformance tools are missing: expected ${path.join(SHARED_TOOLS, "to-capnp.mjs")} (the "shared" folder beside the repo)`,
    );
  }
  const [toCapnp, serveWorkerd] = await Promise.all([
    import(pathToFileURL(path.join(SHARED_TOOLS, "to-capnp.mjs")).href),
    import(pathToFileURL(SERVE_WORKERD).href),
  ]);
  sharedTools = {
    loadConfig: toCapnp.loadConfig,
    configToCapnp: toCapnp.configToCapnp,
    serveCapnp: serveWorkerd.serveCapnp,
  };
  return sharedTools;
}

/** `workerd serve --experimental` with `configPath` translated to capnp plus an HTTP socket on a free port. */
export async function startWorkerd(configPath, { label = "workerd serve" } = {}) {
  const tools = await loadTools();
  const binary = await workerdBinary();
  const { config, scenarioDir } = tools.loadConfig(configPath);
  // A port found free can be taken before workerd binds it: try a few.
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-serve-workerd-"));
    fs.writeFileSync(
      path.join(dir, "config.capnp"),
      tools.serveCapnp(tools.configToCapnp, config, { scenarioDir, capnpDir: dir, port }),
    );
    try {
      return await launch(label, binary, ["serve", "--experimental", "config.capnp"], {
        cwd: dir,
        ready: async () => ((await canConnect(port)) ? port : undefined),
        cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
      });
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
