// Tests of this suite's own tools (node:test; no workerd needed): the dropped-event accounting,
// the http.json checks, the client-port mask, the serve capnp socket, the driver's request and
// stop logic, the --candidate-serve options, and the self-tailing services' exception. Run: node --test conformance/tools/
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { accountDroppedEvents, ownFlagsOf, ownScenarioProblems, parseArgs, selfTailingServices } from "./run.mjs";
import { freePort, maskClientPorts, readHttpPlan, runServe } from "./serve.mjs";
import { serveCapnp } from "./serve-workerd.mjs";

const event = (sequence, type, extra = {}) => ({
  invocationId: "i1",
  sequence,
  spanContext: { traceId: "t" },
  event: { type, ...extra },
});
const diagnostic = (sequence, count) =>
  event(sequence, "streamDiagnostic", { diagnostic: { diagnosticsType: "droppedEvents", count } });

test("accountDroppedEvents renumbers an invocation whose gaps match its droppedEvents count", () => {
  const raw = [
    event(0, "onset"),
    event(1, "log"),
    event(4, "log"),
    diagnostic(5, 2),
    event(6, "outcome"),
    { ...event(0, "onset"), invocationId: "i2" },
  ];
  const { events, problems } = accountDroppedEvents(raw);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    events.map((e) => e.sequence),
    [0, 1, 2, 3, 4, 0],
  );
  assert.equal(raw[2].sequence, 4, "the input is not modified");
});

test("accountDroppedEvents reports a count that does not match the gaps, and keeps the numbers", () => {
  const raw = [event(0, "onset"), event(3, "log"), diagnostic(4, 1), event(5, "outcome")];
  const { events, problems } = accountDroppedEvents(raw);
  assert.deepEqual(problems, [
    "invocation #1 with dropped events (in output order): 2 sequence number(s) missing before the diagnostic, but it counts 1 dropped",
  ]);
  assert.deepEqual(
    events.map((e) => e.sequence),
    [0, 3, 4, 5],
  );
});

test("accountDroppedEvents wants the diagnostic right before the outcome, on consecutive numbers", () => {
  const late = accountDroppedEvents([event(0, "onset"), diagnostic(1, 0), event(2, "log"), event(3, "outcome")]);
  assert.match(late.problems[0], /not immediately followed by the outcome/);
  const gap = accountDroppedEvents([event(0, "onset"), diagnostic(1, 0), event(3, "outcome")]);
  assert.match(gap.problems[0], /outcome has sequence 3, expected 2/);
  const untouched = [event(0, "onset"), event(2, "outcome")];
  assert.equal(accountDroppedEvents(untouched).events, untouched, "streams without a diagnostic pass through");
});

test('ownScenarioProblems lets a "tail…" service be its own tail, and keeps every other problem', () => {
  const config = {
    services: [
      { name: "tail-self", worker: { streamingTails: ["tail-self", "tail"] } },
      { name: "other", worker: { streamingTails: ["tailx"] } },
      { name: "tailx", worker: { streamingTails: ["tail"] } },
    ],
  };
  assert.deepEqual(selfTailingServices(config), ["tail-self"]);
  const tools = {
    scenarioProblems: () => [
      'tail service "tail-self" must not have streamingTails',
      'tail service "tailx" must not have streamingTails',
    ],
  };
  assert.deepEqual(ownScenarioProblems(tools, config), ['tail service "tailx" must not have streamingTails']);
});

test("readHttpPlan accepts requests and names the first bad field", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "http-plan-"));
  try {
    const write = (value) => fs.writeFileSync(path.join(dir, "http.json"), JSON.stringify(value));
    write([{ method: "POST", path: "/a?b=1", headers: { "Content-Type": "text/plain" }, body: "x" }]);
    assert.deepEqual(readHttpPlan(dir), [
      { method: "POST", path: "/a?b=1", headers: { "content-type": "text/plain" }, body: "x" },
    ]);
    for (const [value, message] of [
      [[], /non-empty array/],
      [[{ method: "GET", path: "relative" }], /"path" must be a string starting with "\/", got "relative"/],
      [[{ method: "GET", path: "/", body: 1 }], /"body" must be a string, got 1/],
      [[{ method: "GET", path: "/", query: "x" }], /unknown key "query"/],
    ]) {
      write(value);
      assert.throws(() => readHttpPlan(dir), message);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("maskClientPorts replaces the port of a fetch onset clientIp only", () => {
  const onset = {
    invocationId: "i",
    sequence: 0,
    event: { type: "onset", info: { type: "fetch", cfJson: { clientIp: "127.0.0.1:53124", colo: "x" } } },
  };
  const log = { invocationId: "i", sequence: 1, event: { type: "log", message: ["127.0.0.1:53124"] } };
  const [masked, same] = maskClientPorts([onset, log]);
  assert.deepEqual(masked.event.info.cfJson, { clientIp: "127.0.0.1:<port>", colo: "x" });
  assert.equal(same, log);
  assert.equal(onset.event.info.cfJson.clientIp, "127.0.0.1:53124");
});

test("serveCapnp adds one HTTP socket for the first service before the closing parenthesis", () => {
  const base =
    'using Workerd = import "/workerd/workerd.capnp";\n\nconst config :Workerd.Config = (\n  services = [],\n);\n';
  const text = serveCapnp(
    () => base,
    { services: [{ name: "front" }, { name: "tail" }] },
    { scenarioDir: ".", capnpDir: ".", port: 8123 },
  );
  assert.match(
    text,
    /services = \[\],\n {2}sockets = \[ \(name = "http", address = "127\.0\.0\.1:8123", http = \(\), service = "front"\) \],\n\);\n$/,
  );
  assert.throws(
    () => serveCapnp(() => base, { services: [{ name: "a" }] }, { port: 0 }),
    /port must be an integer 1\.\.65535/,
  );
});

test("parseArgs takes --candidate-serve only with a {port} placeholder, in candidate mode", () => {
  const options = parseArgs(["--candidate", "x {config}", "--candidate-serve", "y {config} --port {port}"]);
  assert.equal(options.mode, "candidate");
  assert.equal(options.candidateServe, "y {config} --port {port}");
  assert.throws(() => parseArgs(["--candidate-serve", "y {config}"]), /\{port\} placeholder/);
  assert.throws(
    () => parseArgs(["--check", "--candidate-serve", "y {port}"]),
    /--candidate-serve cannot be combined with --check/,
  );
});

test("runServe sends the requests in order once the server listens, drains its EV lines and stops it", async () => {
  const port = await freePort();
  // A tiny server standing in for a runtime: one EV onset and outcome per request.
  const server = `
    const http = require('node:http');
    let n = 0;
    http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const id = 'inv' + n++;
        console.log('EV ' + JSON.stringify({ invocationId: id, sequence: 0, event: { type: 'onset' } }));
        setTimeout(() => console.log('EV ' + JSON.stringify({ invocationId: id, sequence: 1, event: { type: 'outcome' } })), 20);
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
        res.end(req.method + ' ' + req.url + ' ' + req.headers.host + ' ' + body);
      });
    }).listen(${port}, '127.0.0.1');
    process.on('SIGTERM', () => process.exit(0));`;
  const requests = [
    { method: "POST", path: "/echo", headers: {}, body: "hi" },
    { method: "GET", path: "/missing", headers: { host: "other.test" }, body: undefined },
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "serve-driver-"));
  const script = path.join(dir, "server.cjs");
  fs.writeFileSync(script, server);
  let result;
  try {
    result = await runServe(`'${process.execPath}' '${script}'`, { port, requests, cwd: dir, timeoutMs: 10000 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.exchanges, [
    { request: "POST /echo", status: 200, contentType: "text/plain", body: "POST /echo serve.test hi" },
    { request: "GET /missing", status: 404, contentType: "text/plain", body: "GET /missing other.test " },
  ]);
  assert.equal(result.stdout.split("\n").filter((l) => l.startsWith("EV ")).length, 4, "both outcomes were waited for");
  assert.notEqual(result.code, null, "the process group was stopped");
  await assert.rejects(
    new Promise((resolve, reject) => http.get({ host: "127.0.0.1", port }, resolve).on("error", reject)),
    /ECONNREFUSED/,
  );
});

test("runServe reports a server that exits before it listens", async () => {
  const port = await freePort();
  const result = await runServe(`'${process.execPath}' -e 'process.exit(3)'`, {
    port,
    requests: [{ method: "GET", path: "/", headers: {} }],
    cwd: os.tmpdir(),
    timeoutMs: 5000,
  });
  assert.deepEqual(result.problems, [`the server exited (3) before it accepted connections on port ${port}`]);
  assert.deepEqual(result.exchanges, []);
});

test("ownFlagsOf lists the workers_tracing_* flags of every service, once each, sorted", () => {
  const worker = (compatibilityFlags) => ({ worker: { compatibilityFlags } });
  assert.deepEqual(
    ownFlagsOf({
      services: [
        worker(["nodejs_compat", "workers_tracing_thenable_end"]),
        worker(["workers_tracing_error_status", "workers_tracing_thenable_end"]),
        { worker: {} },
      ],
    }),
    ["workers_tracing_error_status", "workers_tracing_thenable_end"],
  );
  assert.deepEqual(ownFlagsOf({ services: [worker(["experimental"])] }), []);
});
