import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createSequentialIds,
  currentUserSpan,
  reportLog,
  traceInvocation,
  type TailEvent,
  drainTailSessions,
} from "@workers-tracing/core-context";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/commands/main";
import { DEFAULT_PORT, SERVE_USAGE, parseServeArgs, serveCommand } from "../src/commands/serve-command";
import { createPrintingTail, toJsonLine } from "../src/serve-tail";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const CONFIG = fileURLToPath(new URL("./fixtures/serve/config.json", import.meta.url));

const LISTENING = /^workers-shim: listening on http:\/\/127\.0\.0\.1:(\d+)$/m;

interface Served {
  readonly port: number;
  readonly base: string;
  readonly child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves with the exit status and the whole output. */
  stop(
    signal?: NodeJS.Signals,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** Starts `workers-shim serve` on a free port and resolves once it printed its listening line. */
function serve(args: readonly string[] = [], env: Record<string, string> = {}): Promise<Served> {
  // The test runner may set FORCE_COLOR; the output checked here is plain.
  const { FORCE_COLOR: _force, ...inherited } = process.env;
  const child = spawn(process.execPath, [CLI, "serve", CONFIG, "--port", "0", ...args], {
    env: { ...inherited, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const match = LISTENING.exec(stderr);
      if (match === null) return;
      const port = Number(match[1]);
      resolve({
        port,
        base: `http://127.0.0.1:${port}`,
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        async stop(signal = "SIGTERM") {
          child.kill(signal);
          const status = await exited;
          // Let the pipes deliver what is left.
          await new Promise((r) => setImmediate(r));
          return { ...status, stdout, stderr };
        },
      });
    });
    void exited.then(({ code }) => reject(new Error(`serve exited with ${code} before listening: ${stderr}`)));
  });
}

/** Waits until `read()` satisfies `done`, polling on timers (for output that arrives after a response). */
async function until<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  for (let turn = 0; turn < 2000; turn++) {
    const value = read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting; last value: ${String(read())}`);
}

async function runMain(args: readonly string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await main(args, { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) });
  return { status, stdout, stderr };
}

/** The non-empty lines `stdout()` printed, once `count` of them are `outcome` events. */
function jsonLinesUntilOutcomes(stdout: () => string, count: number): Promise<string[]> {
  return until(
    () =>
      stdout()
        .split("\n")
        .filter((line) => line !== ""),
    (list) => list.filter((line) => line.includes('"type":"outcome"')).length === count,
  );
}

describe("workers-shim serve", () => {
  it("serves GET and POST requests: method, URL, headers, body and status", async () => {
    const served = await serve();
    const get = await fetch(`${served.base}/nowhere`);
    expect(get.status).toBe(404);
    expect(await get.text()).toBe("no route for /nowhere");

    const post = await fetch(`${served.base}/echo?x=1`, {
      method: "POST",
      headers: { "x-test": "yes" },
      body: "hello, worker",
    });
    expect(post.status).toBe(201);
    expect(post.statusText).toBe("Created");
    expect(post.headers.get("x-served-by")).toBe("serve-fixture");
    expect(await post.json()).toEqual({
      method: "POST",
      url: `${served.base}/echo?x=1`,
      header: "yes",
      body: "hello, worker",
    });

    const put = await fetch(`${served.base}/echo`, { method: "PUT", body: new Uint8Array(100000).fill(120) });
    expect(((await put.json()) as { body: string }).body).toBe("x".repeat(100000));

    // The worker sees the headers as sent (connection included) and request.cf.clientIp, as in workerd.
    const info = await new Promise<{ cf: { clientIp: string }; headers: [string, string][] }>((resolve, reject) => {
      const req = httpRequest(
        `${served.base}/request-info`,
        { agent: false, headers: { connection: "close", "x-b": "2", "x-a": "1" } },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve(JSON.parse(text) as { cf: { clientIp: string }; headers: [string, string][] }));
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(info.cf.clientIp).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info.headers).toEqual([
      ["connection", "close"],
      ["host", `127.0.0.1:${served.port}`],
      ["x-a", "1"],
      ["x-b", "2"],
    ]);

    const cookies = await fetch(`${served.base}/cookies`);
    expect(cookies.status).toBe(204);
    expect(cookies.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);

    const head = await fetch(`${served.base}/echo`, { method: "HEAD" });
    expect(head.status).toBe(201);
    expect(await head.text()).toBe("");

    const { code, stdout } = await served.stop();
    expect(code).toBe(0);
    // Without --tail only the workers' own output reaches stdout: here the config's tail's EV lines
    // and the worker's console.log.
    expect(stdout.split("\n").filter((line) => line !== "" && !line.startsWith("EV "))).toEqual([
      "echo POST 13",
      "echo PUT 100000",
      "echo HEAD 0",
    ]);
  });

  it("streams the request body into the worker and its response body back, chunk by chunk", async () => {
    const served = await serve();
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        `${served.base}/pipe`,
        { method: "POST", headers: { "transfer-encoding": "chunked" } },
        (res) => {
          expect(res.statusCode).toBe(200);
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            received.push(chunk);
            // The next chunk is sent only once this one came back: nothing is buffered to the end.
            if (received.length < 3) req.write(`chunk ${received.length + 1};`);
            else req.end();
          });
          res.on("end", resolve);
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.write("chunk 1;");
    });
    expect(received).toEqual(["chunk 1;", "chunk 2;", "chunk 3;"]);
    expect((await served.stop()).code).toBe(0);
  });

  it("answers workerd's 500 for a handler that hangs, and keeps serving", async () => {
    const served = await serve();
    const hung = await fetch(`${served.base}/hang`);
    expect(hung.status).toBe(500);
    expect(await hung.text()).toBe("Internal Server Error");
    const after = await fetch(`${served.base}/echo`, { method: "POST", body: "still up" });
    expect(((await after.json()) as { body: string }).body).toBe("still up");
    const { code, stderr } = await served.stop();
    expect(code).toBe(0);
    expect(stderr).toContain(
      `workers-shim: GET ${served.base}/hang: the worker threw Error: The Workers runtime canceled this request because it detected that your Worker's code had hung and would never generate a response. Refer to: https://developers.cloudflare.com/workers/observability/errors/\n`,
    );
  });

  it("answers 500 when the worker throws or returns no Response, and keeps serving", async () => {
    const served = await serve();
    const thrown = await fetch(`${served.base}/throw`);
    expect(thrown.status).toBe(500);
    // As workerd: a bare 500 (no details, no content type); the error goes to stderr.
    expect(thrown.headers.get("content-type")).toBeNull();
    expect(await thrown.text()).toBe("Internal Server Error");
    const wrongType = await fetch(`${served.base}/not-a-response`);
    expect(wrongType.status).toBe(500);
    expect(await wrongType.text()).toBe("Internal Server Error");
    // The status line may or may not have reached the client when the connection is dropped.
    await expect(fetch(`${served.base}/broken-stream`).then((response) => response.text())).rejects.toThrow();
    const after = await fetch(`${served.base}/echo`, { method: "POST", body: "still up" });
    expect(((await after.json()) as { body: string }).body).toBe("still up");
    const { code, stderr } = await served.stop();
    expect(code).toBe(0);
    expect(stderr).toContain(
      `workers-shim: GET ${served.base}/throw: the worker threw Error: the worker failed on purpose\n`,
    );
    expect(stderr).toContain(
      `workers-shim: GET ${served.base}/not-a-response: the worker threw TypeError: Incorrect type for Promise: the Promise did not resolve to 'Response'.\n`,
    );
    expect(stderr).toContain(`workers-shim: GET /broken-stream: the response body failed: Error: the body broke\n`);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it("handles concurrent requests: a held request is released by a later one", async () => {
    const served = await serve();
    const held = [1, 2, 3].map((n) => fetch(`${served.base}/hold?key=k${n}`).then((response) => response.text()));
    const echoes = Array.from({ length: 20 }, (_, n) =>
      fetch(`${served.base}/echo`, { method: "POST", body: `body ${n}` }).then(
        (response) => response.json() as Promise<{ body: string }>,
      ),
    );
    expect((await Promise.all(echoes)).map((echo) => echo.body)).toEqual(
      Array.from({ length: 20 }, (_, n) => `body ${n}`),
    );
    for (const n of [3, 1, 2]) expect(await (await fetch(`${served.base}/release?key=k${n}`)).text()).toBe("ok");
    expect(await Promise.all(held)).toEqual(["released k1", "released k2", "released k3"]);
    expect((await served.stop()).code).toBe(0);
  });

  it(
    "ends a request still running after the shutdown grace period as canceled, and prints its events",
    { timeout: 20000 },
    async () => {
      const served = await serve(["--tail", "jsonl"]);
      const request = httpRequest(`${served.base}/forever`);
      request.on("error", () => {});
      request.end();
      await until(served.stdout, (text) => text.includes('"type":"onset"'));
      const { code, stdout } = await served.stop();
      expect(code).toBe(0);
      const events = stdout
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => (JSON.parse(line) as { event: { type: string; message?: string; outcome?: string } }).event);
      expect(events.map((event) => event.type)).toEqual(["onset", "exception", "outcome"]);
      expect(events[1]!.message).toBe("workers-shim: the runtime closed before this invocation finished.");
      expect(events[2]!.outcome).toBe("canceled");
    },
  );

  it(
    "finishes a request whose client went away with return and outcome ok, as workerd does",
    { timeout: 20000 },
    async () => {
      const served = await serve(["--tail", "jsonl"]);
      // The client goes away once the request has arrived (its onset is out), before the answer.
      const request = httpRequest(`${served.base}/slow`);
      request.on("error", () => {});
      request.end();
      await until(served.stdout, (text) => text.includes('"type":"onset"'));
      request.destroy();
      const lines = await until(
        () =>
          served
            .stdout()
            .split("\n")
            .filter((line) => line !== ""),
        (list) => list.some((line) => line.includes('"type":"outcome"')),
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\nstdout: ${served.stdout()}\nstderr: ${served.stderr()}`);
      });
      await served.stop();
      const types = lines
        .map((line) => JSON.parse(line) as { event: { type: string; info?: unknown; outcome?: string } })
        .map((e) => e.event);
      expect(types.map((event) => event.type)).toEqual(["onset", "return", "outcome"]);
      expect(types[1]!.info).toEqual({ type: "fetch", statusCode: 200 });
      expect(types[2]!.outcome).toBe("ok");
    },
  );

  it("prints every event as one JSON line with --tail jsonl, besides the config's streaming tail", async () => {
    const served = await serve(["--tail", "jsonl"]);
    expect(await (await fetch(`${served.base}/api`)).text()).toBe("api said: 2 items");
    const lines = await jsonLinesUntilOutcomes(served.stdout, 2);
    await until(served.stderr, (text) => text.split("\n").filter((line) => line.startsWith("EV ")).length === 6);
    const { code, stderr } = await served.stop();
    expect(code).toBe(0);

    const events = lines.map(
      (line) =>
        JSON.parse(line) as {
          invocationId: string;
          sequence: number;
          timestamp: unknown;
          spanContext: { traceId: string; spanId?: string };
          event: Record<string, unknown>;
        },
    );
    const ids = [...new Set(events.map((event) => event.invocationId))];
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const sequences = events.filter((event) => event.invocationId === id).map((event) => event.sequence);
      expect(sequences).toEqual(sequences.map((_, i) => i));
    }
    for (const event of events) expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const [caller, callee] = ids.map((id) => events.filter((event) => event.invocationId === id).map(describeEvent));
    const onset = events.find((event) => event.event["type"] === "onset" && event.spanContext.spanId === undefined)!;
    expect((onset.event["info"] as { cfJson: { clientIp: string } }).cfJson.clientIp).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(caller).toEqual([
      `onset fetch GET ${served.base}/api`,
      "spanOpen fetch",
      "attributes network.protocol.name,network.protocol.version,http.request.method,url.full,http.response.status_code,http.response.body.size",
      "spanClose",
      "return",
      "outcome ok",
    ]);
    expect(callee).toEqual([
      "onset fetch GET http://api.internal/items?limit=2",
      "spanOpen list-items",
      'log ["listing items"]',
      "attributes limit",
      "spanClose",
      "return",
      "outcome ok",
    ]);
    // BigInt attribute values are strings; the callee continues the caller's trace.
    const attributes = events
      .filter((event) => event.event["type"] === "attributes")
      .flatMap((event) => event.event["info"] as { name: string; value: unknown }[]);
    expect(attributes.find((a) => a.name === "http.response.status_code")?.value).toBe("200");
    expect(attributes.find((a) => a.name === "http.response.body.size")?.value).toBe("7");
    expect(new Set(events.map((event) => event.spanContext.traceId)).size).toBe(1);
    // The worker's console output and the config's own tail moved to stderr.
    expect(stderr).toContain("\nlisting items\n");
    expect(stderr.split("\n").filter((line) => line.startsWith("EV "))).toHaveLength(6);
  });

  it("continues the trace of a request's traceparent with --trace-context", async () => {
    const served = await serve(["--tail", "jsonl", "--trace-context"]);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await fetch(`${served.base}/api`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: "rojo=1" },
    });
    expect(await response.text()).toBe("api said: 2 items");
    const lines = await jsonLinesUntilOutcomes(served.stdout, 2);
    expect((await served.stop()).code).toBe(0);
    const events = lines.map(
      (line) => JSON.parse(line) as { spanContext: Record<string, unknown>; event: { type: string; spanId?: string } },
    );
    expect(events.every((event) => event.spanContext["traceId"] === traceId)).toBe(true);
    const onsets = events.filter((event) => event.event.type === "onset");
    expect(onsets.map((onset) => onset.spanContext)).toEqual([
      { traceId, spanId: "00f067aa0ba902b7", traceFlags: 1 },
      // The service binding's callee: under the caller's fetch span, as without the switch.
      { traceId, spanId: expect.stringMatching(/^[\da-f]{16}$/) },
    ]);
  });

  it("passes request.cf on when the worker forwards the incoming request", async () => {
    const served = await serve(["--tail", "jsonl"]);
    expect(await (await fetch(`${served.base}/proxy`)).text()).toBe("2 items");
    const lines = await until(
      () =>
        served
          .stdout()
          .split("\n")
          .filter((line) => line.includes('"type":"onset"')),
      (list) => list.length === 2,
    );
    expect((await served.stop()).code).toBe(0);
    const infos = lines.map(
      (line) => (JSON.parse(line) as { event: { info: { url: string; cfJson?: unknown } } }).event.info,
    );
    expect(infos.map((info) => info.url)).toEqual([`${served.base}/proxy`, `${served.base}/proxy`]);
    expect(infos[0]!.cfJson).toEqual({ clientIp: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown });
    expect(infos[1]!.cfJson).toEqual(infos[0]!.cfJson);
  });

  it("prints one event tree per request with --tail pretty, callees nested under the caller's span", async () => {
    const served = await serve(["--tail", "pretty"]);
    await (await fetch(`${served.base}/api`)).text();
    await until(served.stdout, (text) => text.endsWith("\n\n"));
    expect(await (await fetch(`${served.base}/throw`)).text()).toMatch(/^Internal Server Error/);
    await until(served.stdout, (text) => text.split("\n\n").length === 3);
    const { code, stdout } = await served.stop();
    expect(code).toBe(0);
    const normalised = stdout.replaceAll(served.base, "http://127.0.0.1:PORT").replace(/\b\d+ms\b/g, "Nms");
    expect(normalised).toMatchInlineSnapshot(`
      "fetch GET http://127.0.0.1:PORT/api  ok  Nms
      ├─ fetch  Nms  network.protocol.name="http"  network.protocol.version="HTTP/1.1"  http.request.method="GET"  url.full="http://api.internal/items?limit=2"  http.response.status_code=200n  http.response.body.size=7n
      │  └─ fetch GET http://api.internal/items?limit=2  ok  Nms
      │     ├─ list-items  Nms  limit=2
      │     │  └─ log: [info] listing items
      │     └─ return 200
      └─ return 200

      fetch GET http://127.0.0.1:PORT/throw  exception  Nms
      ├─ about-to-fail  Nms
      └─ exception: Error: the worker failed on purpose

      "
    `);
  });

  it("serves the live trace page with --ui and writes the report with --html on shutdown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "serve-ui-"));
    const report = join(dir, "report.html");
    try {
      const served = await serve(["--ui", "0", "--html", report]);
      const ui = await until(
        () => /workers-shim: traces at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(served.stderr())?.[1],
        (url) => url !== undefined,
      );
      expect(await (await fetch(`${served.base}/echo`, { method: "POST", body: "x" })).text()).toBeTruthy();
      const html = await (await fetch(ui!)).text();
      expect(html).toContain('"live":true');
      expect(html).toContain("fetch POST http://127.0.0.1");
      const { code, stderr } = await served.stop("SIGINT");
      expect(code).toBe(0);
      expect(stderr).toContain(`workers-shim: wrote the trace report to ${report}`);
      const written = readFileSync(report, "utf8");
      expect(written).toContain('"live":false');
      expect(written).toContain("fetch POST http://127.0.0.1");
      await expect(fetch(ui!)).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.for(["SIGINT", "SIGTERM"] as const)("closes the server and the runtime on %s and exits 0", async (signal) => {
    const served = await serve();
    // An idle keep-alive connection must not keep the server open.
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        `${served.base}/nowhere`,
        { agent: false, headers: { connection: "keep-alive" } },
        (res) => {
          res.resume();
          res.on("end", resolve);
        },
      );
      req.on("error", reject);
      req.end();
    });
    const { code, stderr } = await served.stop(signal);
    expect(code).toBe(0);
    expect(stderr.trim().split("\n")).toEqual([`workers-shim: listening on ${served.base}`]);
    await expect(fetch(`${served.base}/nowhere`)).rejects.toThrow();
  });
});

function describeEvent(event: { event: Record<string, unknown> }): string {
  const payload = event.event;
  switch (payload["type"]) {
    case "onset": {
      const info = payload["info"] as { type: string; method: string; url: string };
      return `onset ${info.type} ${info.method} ${info.url}`;
    }
    case "spanOpen":
      return `spanOpen ${String(payload["name"])}`;
    case "log":
      return `log ${JSON.stringify(payload["message"])}`;
    case "attributes":
      return `attributes ${(payload["info"] as { name: string }[]).map((a) => a.name).join(",")}`;
    case "outcome":
      return `outcome ${String(payload["outcome"])}`;
    default:
      return String(payload["type"]);
  }
}

describe(serveCommand.name, () => {
  it.for(
    [
      {
        args: ["serve"],
        message:
          'workers-shim: "serve" needs a config: name one (config.json or a wrangler config), or run it in a folder with wrangler.json, wrangler.jsonc, wrangler.toml. Run "workers-shim serve --help".',
      },
      {
        args: ["serve", CONFIG, "--verbose"],
        message: 'workers-shim: unknown option "--verbose" for "serve". Run "workers-shim serve --help".',
      },
      {
        args: ["serve", CONFIG, "--port", "abc"],
        message:
          'workers-shim: --port expects an integer from 0 to 65535, received "abc". Run "workers-shim serve --help".',
      },
      {
        args: ["serve", CONFIG, "--port=70000"],
        message:
          'workers-shim: --port expects an integer from 0 to 65535, received "70000". Run "workers-shim serve --help".',
      },
      {
        args: ["serve", CONFIG, "--port", "-1"],
        message:
          'workers-shim: --port expects an integer from 0 to 65535, received "-1". Run "workers-shim serve --help".',
      },
      {
        args: ["serve", CONFIG, "--port"],
        message:
          'workers-shim: --port expects an integer from 0 to 65535, received nothing. Run "workers-shim serve --help".',
      },
      {
        args: ["serve", CONFIG, "--tail", "xml"],
        message: 'workers-shim: --tail expects "pretty" or "jsonl", received "xml". Run "workers-shim serve --help".',
      },
      {
        args: ["serve", CONFIG, "--tail"],
        message: 'workers-shim: --tail expects "pretty" or "jsonl", received nothing. Run "workers-shim serve --help".',
      },
      {
        args: ["serve", "a.json", "b.json"],
        message:
          'workers-shim: "serve" takes one config.json, received 2 configs; only wrangler configs can be combined. Run "workers-shim serve --help".',
      },
      {
        args: ["serve", "/nonexistent/shop/config.json"],
        message: "workers-shim: /nonexistent/shop/config.json: cannot read file: no such file or directory (ENOENT)",
      },
    ].map((row) => ({ ...row, label: row.args.join(" ").replace(CONFIG, "config.json") })),
  )("rejects `$label` with one line on stderr and status 1", async ({ args, message }) => {
    const { status, stdout, stderr } = await runMain(args);
    expect(status).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr).toEqual([message]);
  });

  it.for(
    [
      { args: [CONFIG], port: DEFAULT_PORT, tail: undefined },
      { args: ["--port", "0", CONFIG], port: 0, tail: undefined },
      { args: [CONFIG, "--port=65535", "--tail=jsonl"], port: 65535, tail: "jsonl" },
      { args: ["--experimental", CONFIG, "--tail", "pretty", "--port", "9000"], port: 9000, tail: "pretty" },
      { args: ["--confine-modules", CONFIG], port: DEFAULT_PORT, tail: undefined },
    ].map((row) => ({ ...row, label: row.args.join(" ").replace(CONFIG, "config.json") })),
  )("parses `$label`", ({ args, port, tail }) => {
    expect(parseServeArgs(args)).toEqual({
      configs: [CONFIG],
      env: undefined,
      watch: false,
      testScheduled: false,
      profile: undefined,
      experimental: args.includes("--experimental"),
      confineModules: args.includes("--confine-modules"),
      port,
      tail,
    });
    expect(DEFAULT_PORT).toBe(8787);
  });

  it("parses --trace-context with and without a policy", () => {
    expect(parseServeArgs([CONFIG])).toMatchObject({ traceContext: undefined });
    expect(parseServeArgs([CONFIG, "--trace-context"])).toMatchObject({
      traceContext: { incoming: true, outgoing: "all" },
    });
    expect(parseServeArgs(["--trace-context=same-origin", CONFIG])).toMatchObject({
      configs: [CONFIG],
      traceContext: { incoming: true, outgoing: "same-origin" },
    });
    expect(parseServeArgs([CONFIG, "--trace-context=api.example.com, *.Internal:8080"])).toMatchObject({
      traceContext: { incoming: true, outgoing: ["api.example.com", "*.internal:8080"] },
    });
    expect(() =>
      parseServeArgs([CONFIG, "--trace-context=https://api.example.com"]),
    ).toThrowErrorMatchingInlineSnapshot(
      `[CommandError: --trace-context expects "none", "all", "same-origin" or hosts separated by commas (each a host such as "api.example.com", "api.example.com:8443", "[::1]:8080" or "*.example.com"), received "https://api.example.com". Run "workers-shim serve --help".]`,
    );
  });

  it("parses --ui with and without a port, and --html", () => {
    expect(parseServeArgs([CONFIG, "--ui"])).toMatchObject({ ui: 8788, html: undefined });
    expect(parseServeArgs(["--ui", "0", CONFIG])).toMatchObject({ ui: 0, configs: [CONFIG] });
    expect(parseServeArgs(["--html", "out.html", CONFIG])).toMatchObject({ ui: undefined, html: "out.html" });
    expect(() => parseServeArgs([CONFIG, "--html"])).toThrow(
      '--html expects a file to write the report to, received nothing. Run "workers-shim serve --help".',
    );
    expect(() => parseServeArgs(["--ui", "99999", CONFIG])).toThrow(
      '--ui expects an integer from 0 to 65535, received "99999". Run "workers-shim serve --help".',
    );
  });

  it("reports a port in use in one line, with status 1", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { status, stdout, stderr } = await runMain(["serve", CONFIG, "--port", String(port)]);
      expect(status).toBe(1);
      expect(stdout).toEqual([]);
      expect(stderr).toEqual([
        `workers-shim: port ${port} on 127.0.0.1 is already in use; expected a free port (--port 0 picks one).`,
      ]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it.for([
    ["serve", "--help"],
    ["serve", CONFIG, "-h"],
  ])("prints its usage for %j", async (args) => {
    const { status, stdout, stderr } = await runMain(args);
    expect(status).toBe(0);
    expect(stderr).toEqual([]);
    expect(stdout).toEqual([SERVE_USAGE]);
    expect(SERVE_USAGE).toMatch(
      /^usage: workers-shim serve \[--experimental\] \[--profile seed\] \[--confine-modules\] \[--port N\] \[--tail pretty\|jsonl\]\n +\[--otlp \[URL\]\] \[--ui \[PORT\]\] \[--html FILE\] \[--trace-context\[=POLICY\]\]\n +\[--watch\] \[<config> \| -c <wrangler config>\.\.\. \[--env <name>\]\]\n/,
    );
  });
});

/** Lets the tail sessions' microtask batches run. */
/** Lets the tails take every event reported so far: they run between turns, a few ms per turn. */
const settle = () => drainTailSessions(10000);

describe(createPrintingTail.name, () => {
  it("prints a trace once every invocation in it reported its outcome, callees nested", async () => {
    const printed: string[] = [];
    const tail = createPrintingTail("pretty", { print: (text) => printed.push(text) });
    const ids = createSequentialIds();
    let release!: () => void;
    let callee!: Promise<unknown>;
    await traceInvocation({ tail, ids, kind: "fetch" }, () => {
      const span = currentUserSpan()!.startChild("call");
      const invocation = span.invocation;
      // The callee outlives its caller (work nobody waits for).
      callee = traceInvocation({ tail, ids, parent: { traceId: invocation.traceId, spanId: span.spanId } }, () => {
        currentUserSpan()!.startChild("slow").end();
        return new Promise<void>((resolve) => (release = resolve));
      });
      span.end();
    });
    await settle();
    expect(printed).toEqual([]);
    release();
    await callee;
    await settle();
    expect(printed.map((text) => text.replace(/\b\d+ms\b/g, "Nms"))).toMatchInlineSnapshot(`
      [
        "custom  ok  Nms
      ├─ call  Nms
      │  └─ custom  ok  Nms
      │     ├─ slow  Nms
      │     └─ return
      └─ return
      ",
      ]
    `);
  });

  it("keeps at most maxEventsPerTrace events of a trace and says how many it left out", async () => {
    const printed: string[] = [];
    const tail = createPrintingTail("pretty", { print: (text) => printed.push(text), maxEventsPerTrace: 4 });
    await traceInvocation({ tail, ids: createSequentialIds() }, () => {
      for (const name of ["a", "b", "c", "d"]) currentUserSpan()!.startChild(name).end();
    });
    await settle();
    expect(printed).toHaveLength(1);
    expect(printed[0]!.replace(/\b\d+ms\b/g, "Nms")).toMatchInlineSnapshot(`
      "custom  ok  Nms
      ├─ a  Nms
      ├─ b  Nms
      └─ return
      (4 more events of this trace not shown)
      "
    `);
  });

  it("says how many events the tail queue dropped, also past its own limit", async () => {
    const printed: string[] = [];
    const tail = createPrintingTail("pretty", { print: (text) => printed.push(text), maxEventsPerTrace: 3 });
    // 25 logs of ~200 KB overflow the 4 MiB queue of the session: the queue drops some of them.
    await traceInvocation({ tail, ids: createSequentialIds() }, () => {
      for (let i = 0; i < 25; i++) reportLog("log", ["x".repeat(200000)]);
    });
    await settle();
    expect(printed).toHaveLength(1);
    const footer = printed[0]!.trimEnd().split("\n").at(-1);
    const match =
      /^\((\d+) more events of this trace not shown; the tail queue dropped (\d+) events of this trace\)$/.exec(
        footer!,
      );
    expect(match, footer).not.toBeNull();
    const [shownOut, queueDropped] = [Number(match![1]), Number(match![2])];
    expect(queueDropped).toBeGreaterThan(0);
    // Every log was either printed, left out by the printer or dropped by the queue.
    const printedLogs = printed[0]!.split("\n").filter((line) => line.includes("xxxx")).length;
    expect(printedLogs + shownOut + queueDropped).toBe(25);
    expect(printed[0]).toContain(`dropped ${queueDropped} events`);
  });

  it("writes jsonl events as they arrive, Dates as ISO strings and BigInts as strings", async () => {
    const printed: string[] = [];
    const tail = createPrintingTail("jsonl", { print: (text) => printed.push(text) });
    await traceInvocation({ tail, ids: createSequentialIds() }, () => {
      const span = currentUserSpan()!.startChild("load");
      span.setAttribute("rows", 3n);
      span.end();
    });
    await settle();
    const events = printed.map((line) => JSON.parse(line) as TailEvent);
    expect(events.map((event) => [event.sequence, event.event.type])).toEqual([
      [0, "onset"],
      [1, "spanOpen"],
      [2, "attributes"],
      [3, "spanClose"],
      [4, "return"],
      [5, "outcome"],
    ]);
    expect(events[2]!.event).toEqual({ type: "attributes", info: [{ name: "rows", value: "3" }] });
    expect(typeof events[0]!.timestamp).toBe("string");
    expect(new Date(events[0]!.timestamp).toISOString()).toBe(events[0]!.timestamp);
    expect(toJsonLine(JSON.parse(printed[0]!) as TailEvent)).toBe(printed[0]);
  });
});
