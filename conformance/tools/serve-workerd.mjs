#!/usr/bin/env node
// Serves a scenario on real workerd: `workerd serve` with one HTTP socket on 127.0.0.1:<port>
// routed to the config's FIRST service (the same contract as `workers-shim serve`). The
// streaming tail worker's output (the `EV` lines) goes to stdout, workerd's diagnostics to
// stderr; it runs until it is killed.
//
// Usage:
//   node conformance/tools/serve-workerd.mjs <config.json | scenario-dir> --port N [--bin workerd] [--keep]
//
//   --port   the TCP port to listen on (127.0.0.1)
//   --bin    the workerd binary (default: $WORKERD_BIN, conformance/node_modules/.bin/workerd,
//            then the shared conformance lookup)
//   --keep   keep the temporary folder with the generated config.capnp (path on stderr)
//
// The capnp config is the shared tools' (`to-capnp.mjs`, imported from
// <repo>/../shared/conformance/tools/) plus the socket; `--experimental` is passed, as
// `run-workerd.mjs` does for `workerd test`. Exit status: workerd's; 2 on usage or config errors.
//
// Also a library: `serveCapnp(config, {scenarioDir, capnpDir, port})`.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const TOOLS_DIR = path.dirname(fileURLToPath(import.meta.url));
const SUITE_DIR = path.resolve(TOOLS_DIR, "..");
const SHARED_TOOLS_DIR = path.resolve(SUITE_DIR, "..", "..", "shared", "conformance", "tools");

const USAGE =
  "usage: node conformance/tools/serve-workerd.mjs <config.json | scenario-dir> --port N [--bin workerd] [--keep]";

/** Name of the socket the generated config adds. */
export const SOCKET_NAME = "http";

/**
 * The capnp text of a scenario config with an HTTP socket on 127.0.0.1:`port` that routes to the
 * first service. `configToCapnp` is the shared tools' generator.
 */
export function serveCapnp(configToCapnp, config, { scenarioDir, capnpDir, port }) {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`serve-workerd: port must be an integer 1..65535, got ${JSON.stringify(port)}`);
  const text = configToCapnp(config, { scenarioDir, capnpDir });
  const end = text.lastIndexOf("\n);");
  if (end === -1) throw new Error('serve-workerd: unexpected output of to-capnp.mjs (no closing ");")');
  const first = JSON.stringify(config.services[0].name);
  const socket = `  sockets = [ (name = ${JSON.stringify(SOCKET_NAME)}, address = "127.0.0.1:${port}", http = (), service = ${first}) ],`;
  return `${text.slice(0, end)}\n${socket}${text.slice(end)}`;
}

function resolveWorkerd(explicit, findWorkerd) {
  if (explicit) return explicit;
  if (process.env.WORKERD_BIN) return process.env.WORKERD_BIN;
  const own = path.join(SUITE_DIR, "node_modules", ".bin", "workerd");
  if (fs.existsSync(own)) return own;
  return findWorkerd();
}

async function main(argv) {
  let port;
  let bin;
  let keep = false;
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--port") port = Number(argv[++i]);
    else if (arg === "--bin") bin = argv[++i];
    else if (arg === "--keep") keep = true;
    else if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      return 0;
    } else positional.push(arg);
  }
  if (positional.length !== 1 || !Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`serve-workerd: expected one config and --port 1..65535, got ${JSON.stringify(argv)}`);
    console.error(USAGE);
    return 2;
  }
  const load = (f) => import(pathToFileURL(path.join(SHARED_TOOLS_DIR, f)).href);
  let toCapnp;
  let runWorkerd;
  try {
    [toCapnp, runWorkerd] = await Promise.all([load("to-capnp.mjs"), load("run-workerd.mjs")]);
  } catch (e) {
    console.error(
      `serve-workerd: shared conformance tools not found in ${SHARED_TOOLS_DIR} (${e.message.split("\n")[0]})`,
    );
    return 2;
  }
  let capnp;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "conformance-serve-"));
  try {
    const { config, scenarioDir } = toCapnp.loadConfig(positional[0]);
    const problems = runWorkerd.scenarioProblems(config);
    if (problems.length) throw new toCapnp.ConfigError(`${path.basename(scenarioDir)}: ${problems.join("; ")}`);
    capnp = serveCapnp(toCapnp.configToCapnp, config, { scenarioDir, capnpDir: tmp, port });
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!(e instanceof toCapnp.ConfigError)) throw e;
    console.error(`serve-workerd: ${e.message}`);
    return 2;
  }
  const capnpPath = path.join(tmp, "config.capnp");
  fs.writeFileSync(capnpPath, capnp);
  const workerd = resolveWorkerd(bin, runWorkerd.findWorkerd);
  const child = spawn(workerd, ["serve", "--experimental", capnpPath], {
    cwd: tmp,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const cleanup = () => {
    if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
    else process.stderr.write(`[serve-workerd] kept ${tmp}\n`);
  };
  // Pass termination on to workerd (the only process this tool started).
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.on("error", (e) => {
      cleanup();
      console.error(`serve-workerd: cannot run ${workerd}: ${e.message}`);
      resolve(127);
    });
    child.on("close", (code, signal) => {
      cleanup();
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
