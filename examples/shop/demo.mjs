// The shop, served by `workers-shim serve --tail pretty` on a free port: a handful of requests
// (list products, add two items to a cart, check out, then a checkout that runs out of stock),
// each followed by the trace waterfall the server printed for it.
// Run from the repo root after a build: node examples/shop/demo.mjs
// With `--otlp [URL]` (e.g. `pnpm demo -- --otlp http://127.0.0.1:4318/v1/traces`) the server also
// exports every invocation as OpenTelemetry spans; without a URL the OTEL_* variables decide.
// With `--ui [PORT]` (`pnpm demo -- --ui`) the server also serves the live trace waterfall page
// (default port 8788), and the demo keeps it running after the requests until Ctrl-C.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const CONFIG = fileURLToPath(new URL("./config.json", import.meta.url));
const STARTUP_TIMEOUT_MS = 30000;

/** The `workers-shim` command of the installed package (its `bin` entry). */
function workersShimCli() {
  const manifest = fileURLToPath(import.meta.resolve("@workers-tracing/workers-shim/package.json"));
  const { bin } = JSON.parse(readFileSync(manifest, "utf8"));
  return join(dirname(manifest), bin["workers-shim"]);
}

const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
const bold = (text) => (color ? `\u001b[1m${text}\u001b[22m` : text);
const dim = (text) => (color ? `\u001b[2m${text}\u001b[22m` : text);

/** `--otlp [URL]`, passed on to the server as it is. */
function otlpArgs(argv) {
  const args = argv.filter((arg) => arg !== "--");
  const at = args.findIndex((arg) => arg === "--otlp" || arg.startsWith("--otlp="));
  if (at === -1) return [];
  const next = args[at + 1];
  return next !== undefined && /^https?:\/\//.test(next) ? [args[at], next] : [args[at]];
}

/** `--ui [PORT]`, passed on to the server as it is. */
function uiArgs(argv) {
  const args = argv.filter((arg) => arg !== "--");
  const at = args.indexOf("--ui");
  if (at === -1) return [];
  const next = args[at + 1];
  return next !== undefined && /^\d+$/.test(next) ? ["--ui", next] : ["--ui"];
}

const OTLP = otlpArgs(process.argv.slice(2));
const UI = uiArgs(process.argv.slice(2));
const SERVE_ARGS = ["serve", CONFIG, "--port", "0", "--tail", "pretty", ...OTLP, ...UI];

const server = spawn(process.execPath, [workersShimCli(), ...SERVE_ARGS], {
  // The waterfalls are coloured when this demo writes to a terminal.
  env: { ...process.env, FORCE_COLOR: color ? "1" : "0" },
  stdio: ["ignore", "pipe", "pipe"],
});

let stderr = "";
let stdout = "";
const waiters = [];
const notify = () => {
  for (const waiter of waiters.splice(0)) waiter();
};
server.stderr.setEncoding("utf8").on("data", (chunk) => {
  stderr += chunk;
  notify();
});
server.stdout.setEncoding("utf8").on("data", (chunk) => {
  stdout += chunk;
  notify();
});
const exited = new Promise((resolve) => server.once("exit", (code, signal) => resolve({ code, signal })));
// However this demo ends (a closed pipe on stdout, an uncaught error), the server goes with it.
process.once("exit", () => {
  if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
});
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});
void exited.then(notify);

function fail(message) {
  console.error(`demo: ${message}`);
  if (stderr !== "") console.error(`demo: the server's stderr:\n${stderr.trimEnd()}`);
  server.kill("SIGKILL");
  process.exit(1);
}

/** Resolves with `read()`'s value once it is not undefined; fails when the server exits first. */
async function waitFor(what, read) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (server.exitCode !== null || server.signalCode !== null) fail(`the server exited while waiting for ${what}`);
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 100);
    });
  }
}

const port = await waitFor("the server to listen", () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
const base = `http://127.0.0.1:${port}`;
console.log(
  dim(
    `workers-shim serve examples/shop/config.json --port 0 --tail pretty${[...OTLP, ...UI].map((a) => ` ${a}`).join("")} → ${base}\n`,
  ),
);

/** The next waterfall the server printed: one block, ended by an empty line. */
let consumed = 0;
function nextWaterfall() {
  return waitFor("the request's waterfall", () => {
    const end = stdout.indexOf("\n\n", consumed);
    if (end === -1) return undefined;
    const block = stdout.slice(consumed, end);
    consumed = end + 2;
    return block;
  });
}

const REQUESTS = [
  { method: "GET", path: "/products", expect: 200 },
  { method: "POST", path: "/cart/ada/items", body: { sku: "tea-sencha", qty: 2 }, expect: 200 },
  { method: "POST", path: "/cart/ada/items", body: { sku: "mug-stoneware", qty: 1 }, expect: 200 },
  { method: "POST", path: "/checkout/ada", expect: 201 },
  { method: "POST", path: "/cart/bob/items", body: { sku: "kettle-copper", qty: 3 }, expect: 200 },
  // Only one copper kettle is in stock: the inventory refuses, the storefront answers 409.
  { method: "POST", path: "/checkout/bob", expect: 409 },
];

const short = (text) => (text.length > 140 ? `${text.slice(0, 139)}…` : text);

for (const { method, path, body, expect } of REQUESTS) {
  const init =
    body === undefined
      ? { method }
      : { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } };
  console.log(bold(`${method} ${path}${body === undefined ? "" : ` ${JSON.stringify(body)}`}`));
  const response = await fetch(`${base}${path}`, init).catch((error) =>
    fail(`${method} ${path} failed: ${error.message}`),
  );
  const text = (await response.text()).trim();
  console.log(`← ${response.status} ${short(text)}\n`);
  if (response.status !== expect) fail(`${method} ${path} answered ${response.status}, expected ${expect}`);
  console.log(`${await nextWaterfall()}\n`);
}

if (UI.length > 0) {
  const ui = await waitFor("the trace page", () => /traces at (http:\/\/\S+)/.exec(stderr)?.[1]);
  console.log(bold(`The traces are at ${ui} — open it in a browser; Ctrl-C stops the server.`));
  await new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
}

server.kill("SIGTERM");
const { code, signal } = await exited;
if (code !== 0) fail(`the server exited with ${code ?? signal}, expected 0`);
console.log(dim("server stopped (SIGTERM), exit status 0"));
if (OTLP.length > 0) console.log(dim("the server sent its spans over OTLP before it stopped"));
