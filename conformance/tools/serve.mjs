// The HTTP serve path of this suite: scenarios whose folder has an `http.json` are run as a
// server (`workerd serve`, `workers-shim serve`) that gets the listed requests one after the
// other; the tail worker's `EV` lines on the server's stdout are the result, as for `test`.
// Used by run.mjs; node built-ins only.
//
// http.json: a non-empty array of requests, sent in order, each after the previous response
// was read to the end:
//   { "method": "POST", "path": "/items?id=1", "headers": { "content-type": "text/plain" },
//     "body": "text" }
// `method` (required) and `path` (required, starts with "/") are strings; `headers` is an
// object of strings (names are sent lower-cased); `body` a string (UTF-8; a content-length
// header is added). Every request gets `host: serve.test` (unless `headers.host` is given)
// and `connection: close`.

import fs from "node:fs";
import net from "node:net";
import http from "node:http";
import path from "node:path";
import { spawn } from "node:child_process";

export const HTTP_PLAN_FILE = "http.json";
export const DEFAULT_HOST = "serve.test";

const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Whether a scenario folder is a serve scenario. */
export const isServeScenario = (dir) => fs.existsSync(path.join(dir, HTTP_PLAN_FILE));

/** Reads and checks a scenario's http.json; throws an Error with a one-line message. */
export function readHttpPlan(dir) {
  const file = path.join(dir, HTTP_PLAN_FILE);
  let plan;
  try {
    plan = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: invalid JSON: ${e.message}`);
  }
  if (!Array.isArray(plan) || plan.length === 0) throw new Error(`${file}: expected a non-empty array of requests`);
  return plan.map((r, i) => {
    const where = `${file}: request ${i}`;
    if (r === null || typeof r !== "object" || Array.isArray(r))
      throw new Error(`${where}: expected an object, got ${JSON.stringify(r)}`);
    for (const key of Object.keys(r))
      if (!["method", "path", "headers", "body"].includes(key))
        throw new Error(`${where}: unknown key "${key}" (allowed: method, path, headers, body)`);
    if (typeof r.method !== "string" || !HTTP_TOKEN.test(r.method))
      throw new Error(`${where}: "method" must be an HTTP method name, got ${JSON.stringify(r.method)}`);
    if (typeof r.path !== "string" || !r.path.startsWith("/"))
      throw new Error(`${where}: "path" must be a string starting with "/", got ${JSON.stringify(r.path)}`);
    const headers = {};
    if (r.headers !== undefined) {
      if (r.headers === null || typeof r.headers !== "object" || Array.isArray(r.headers))
        throw new Error(`${where}: "headers" must be an object of strings, got ${JSON.stringify(r.headers)}`);
      for (const [name, value] of Object.entries(r.headers)) {
        if (!HTTP_TOKEN.test(name) || typeof value !== "string")
          throw new Error(
            `${where}: header ${JSON.stringify(name)} must be a token with a string value, got ${JSON.stringify(value)}`,
          );
        headers[name.toLowerCase()] = value;
      }
    }
    if (r.body !== undefined && typeof r.body !== "string")
      throw new Error(`${where}: "body" must be a string, got ${JSON.stringify(r.body)}`);
    return { method: r.method, path: r.path, headers, body: r.body };
  });
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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Sends one request of a plan; resolves to `{status, contentType, body}` or rejects. */
function send(port, request, timeoutMs) {
  const headers = { host: DEFAULT_HOST, ...request.headers, connection: "close" };
  const body = request.body === undefined ? undefined : Buffer.from(request.body, "utf8");
  if (body !== undefined) headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method: request.method, path: request.path, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode,
            contentType: res.headers["content-type"] ?? null,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** One line per request for the golden: what was sent and what came back. */
export function describeExchange(request, response) {
  return { request: `${request.method} ${request.path}`, ...response };
}

/**
 * Starts a server command (through /bin/sh, in its own process group, from `cwd`), waits until
 * it accepts connections on 127.0.0.1:`port`, sends the plan's requests one by one, then waits
 * until at least one onset per request appeared on stdout, every invocation whose onset
 * appeared also delivered its outcome and stdout stayed quiet for `quietMs` (giving up after
 * `drainMs`), and stops the process group (SIGTERM, SIGKILL after 2 s).
 * @returns {Promise<{stdout, stderr, exchanges, code, timedOut, problems}>}
 */
export async function runServe(command, { port, requests, cwd, env, timeoutMs, quietMs = 150, drainMs = 3000 }) {
  const child = spawn("/bin/sh", ["-c", command], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, ...env },
  });
  const out = [];
  const err = [];
  let exited = null;
  let lastOutput = Date.now();
  let pendingLine = "";
  let onsets = 0;
  let outcomes = 0;
  child.stdout.on("data", (chunk) => {
    out.push(chunk);
    lastOutput = Date.now();
    const text = pendingLine + chunk.toString("utf8");
    const lines = text.split("\n");
    pendingLine = lines.pop();
    for (const line of lines) {
      if (!line.startsWith("EV ")) continue;
      if (line.includes('"type":"onset"')) onsets++;
      if (line.includes('"type":"outcome"')) outcomes++;
    }
  });
  child.stderr.on("data", (chunk) => err.push(chunk));
  const closed = new Promise((resolve) => {
    child.on("error", (e) => {
      err.push(Buffer.from(`\nspawn error: ${e.message}`));
      exited = { code: 127 };
      resolve();
    });
    child.on("close", (code, signal) => {
      exited = { code: code ?? `signal ${signal}` };
      resolve();
    });
  });
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };

  const deadline = Date.now() + timeoutMs;
  const problems = [];
  const exchanges = [];
  let timedOut = false;
  let ready = false;
  while (!exited && Date.now() < deadline) {
    if (await canConnect(port)) {
      ready = true;
      break;
    }
    await sleep(25);
  }
  if (!ready) {
    if (exited) problems.push(`the server exited (${exited.code}) before it accepted connections on port ${port}`);
    else {
      timedOut = true;
      problems.push(`the server did not accept connections on port ${port} within ${timeoutMs} ms`);
    }
  } else {
    for (const request of requests) {
      const left = deadline - Date.now();
      if (left <= 0) {
        timedOut = true;
        problems.push(`timed out after ${timeoutMs} ms before ${request.method} ${request.path}`);
        break;
      }
      try {
        exchanges.push(describeExchange(request, await send(port, request, left)));
      } catch (e) {
        problems.push(`${request.method} ${request.path}: ${e.message}`);
        exchanges.push(describeExchange(request, { error: e.message }));
      }
    }
    const drainDeadline = Math.min(deadline, Date.now() + drainMs);
    while (!exited && Date.now() < drainDeadline) {
      // Every request starts at least one invocation of the (traced) first service.
      if (onsets >= requests.length && outcomes >= onsets && Date.now() - lastOutput >= quietMs) break;
      await sleep(10);
    }
  }
  if (!exited) {
    killGroup("SIGTERM");
    const stopped = await Promise.race([closed.then(() => true), sleep(2000).then(() => false)]);
    if (!stopped) killGroup("SIGKILL");
    await closed;
  }
  return {
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8"),
    exchanges,
    code: exited?.code ?? null,
    timedOut,
    problems,
  };
}

/**
 * What differs from run to run in a served request's events: the client's ephemeral port in
 * the fetch onset's `cfJson.clientIp` ("127.0.0.1:54321" becomes "127.0.0.1:<port>"). Returns
 * new event objects where something was replaced.
 */
export function maskClientPorts(events) {
  return events.map((e) => {
    const info = e?.event?.type === "onset" ? e.event.info : undefined;
    const ip = info?.cfJson?.clientIp;
    if (typeof ip !== "string" || !/:\d+$/.test(ip)) return e;
    return {
      ...e,
      event: { ...e.event, info: { ...info, cfJson: { ...info.cfJson, clientIp: ip.replace(/:\d+$/, ":<port>") } } },
    };
  });
}
