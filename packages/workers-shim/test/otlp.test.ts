import { spawn } from "node:child_process";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createRuntime } from "../src/index";
import { fixtureConfig, service } from "./helpers";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const CONFIG = fileURLToPath(new URL("./fixtures/otlp/config.json", import.meta.url));
const SERVE_CONFIG = fileURLToPath(new URL("./fixtures/serve/config.json", import.meta.url));

interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  flags?: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

interface Receiver {
  readonly url: string;
  readonly headers: IncomingHttpHeaders[];
  readonly spans: Span[];
  close(): Promise<void>;
}

const receivers: Receiver[] = [];

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** An OTLP/HTTP JSON receiver on loopback that collects the spans it is sent. */
async function startReceiver(): Promise<Receiver> {
  const headers: IncomingHttpHeaders[] = [];
  const spans: Span[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      headers.push(request.headers);
      const message = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue: string } }[] };
          scopeSpans: { spans: Omit<Span, "service">[] }[];
        }[];
      };
      for (const resourceSpans of message.resourceSpans) {
        const service = resourceSpans.resource.attributes.find((a) => a.key === "service.name")!.value.stringValue;
        for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push({ service, ...span });
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    headers,
    spans,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  receivers.push(receiver);
  return receiver;
}

/** Runs the CLI to its end. */
function run(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stderr })));
}

/** `name (service) < parent name`, for the whole tree of one trace. */
function tree(spans: readonly Span[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
  return spans
    .map(
      (s) =>
        `${s.name} (${s.service}) < ${s.parentSpanId === undefined ? "-" : (byId.get(s.parentSpanId)?.name ?? "?")}`,
    )
    .sort();
}

/** These tests start the CLI, which may take a while on a busy machine. */
const CLI_TIMEOUT_MS = 30_000;

/**
 * Starts `workers-shim serve` on the serve fixture with `args`, exporting as JSON to `receiver`;
 * resolves its port once it listens, and `stop()`, which ends it as Ctrl-C does (SIGTERM).
 */
async function serve(args: readonly string[], receiver: Receiver): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [CLI, "serve", SERVE_CONFIG, "--port", "0", ...args], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once("exit", () => reject(new Error(`serve exited: ${stderr}`)));
  });
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return {
    port,
    stop: async () => {
      child.kill("SIGTERM");
      await closed;
    },
  };
}

const TWO_SERVICE_TREE = [
  "checkout (shop) < custom",
  "custom (shop) < -",
  "fetch (shop) < checkout",
  "fetch (stock) < fetch",
  "reserve (stock) < fetch",
];

describe("--otlp", () => {
  it(
    "workers-shim test --otlp URL exports every invocation, service.name = the service",
    async () => {
      const receiver = await startReceiver();
      const result = await run(["test", "--otlp", `${receiver.url}/v1/traces`, CONFIG], {
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=secret",
      });
      expect(result.stderr).toContain("1 test: 1 passed, 0 failed");
      expect(result.code).toBe(0);
      expect(tree(receiver.spans)).toEqual(TWO_SERVICE_TREE);
      expect(receiver.headers[0]).toMatchObject({ "content-type": "application/json", "x-api-key": "secret" });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "workers-shim serve --otlp exports each request and sends the rest when stopped",
    async () => {
      const receiver = await startReceiver();
      const { port, stop } = await serve(["--otlp"], receiver);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api`);
        expect(response.status).toBe(200);
        await response.text();
      } finally {
        await stop();
      }
      const names = receiver.spans.map((s) => `${s.service}:${s.name}`);
      expect(names).toContain("main:fetch");
      expect(names).toContain("api:fetch");
      const callerFetch = receiver.spans.find(
        (s) => s.service === "main" && s.name === "fetch" && s.parentSpanId !== undefined,
      )!;
      const calleeRoot = receiver.spans.find(
        (s) => s.service === "api" && s.parentSpanId !== undefined && s.name === "fetch",
      )!;
      expect(calleeRoot.parentSpanId).toBe(callerFetch.spanId);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "workers-shim serve --otlp --trace-context joins the trace of the request's traceparent",
    async () => {
      const receiver = await startReceiver();
      const { port, stop } = await serve(["--otlp", "--trace-context"], receiver);
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const upstream = "00f067aa0ba902b7";
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api`, {
          headers: { traceparent: `00-${traceId}-${upstream}-01` },
        });
        expect(await response.text()).toBe("api said: 2 items");
      } finally {
        await stop();
      }
      // Every span is in the caller's trace; the request's root span is a child of the caller's
      // span (a remote parent, sampled), and the callee hangs under the worker's fetch span.
      expect(receiver.spans.length).toBeGreaterThanOrEqual(4);
      expect(receiver.spans.every((s) => s.traceId === traceId)).toBe(true);
      const root = receiver.spans.find((s) => s.service === "main" && s.parentSpanId === upstream)!;
      expect(root).toMatchObject({ name: "fetch", flags: 0x301 });
      const callerFetch = receiver.spans.find((s) => s.service === "main" && s.parentSpanId === root.spanId)!;
      const calleeRoot = receiver.spans.find((s) => s.service === "api" && s.parentSpanId === callerFetch.spanId);
      expect(calleeRoot).toMatchObject({ name: "fetch" });
    },
    CLI_TIMEOUT_MS,
  );

  it.for([
    [["test", "--otlp=ftp://x", CONFIG], 'workers-shim: --otlp expects an http(s) URL, received "ftp://x".'],
    [
      ["test", "--otlp", CONFIG],
      'workers-shim: --otlp: OTEL_EXPORTER_OTLP_PROTOCOL expects "http/protobuf" or "http/json", received "grpc".',
    ],
  ] as const)("reports an unusable setting in one line: %s", { timeout: CLI_TIMEOUT_MS }, async ([args, message]) => {
    const result = await run(args, { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" });
    expect(result.stderr.trim()).toBe(message);
    expect(result.code).toBe(1);
  });
});

describe("createOtlpTailWorker in a streaming tail worker", () => {
  it("exports the producer's invocations, configured by the tail's env bindings", async () => {
    const receiver = await startReceiver();
    const binding = (name: string, text: string) => ({ name, text });
    const config = fixtureConfig([
      service("shop", "otlp/worker.js", { bindings: [{ name: "STOCK", service: "stock" }], streamingTails: ["otlp"] }),
      service("stock", "otlp/stock.js", { streamingTails: ["otlp"] }),
      service("otlp", "otlp/otlp-tail.js", {
        bindings: [
          binding("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url),
          binding("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
          binding("OTEL_SERVICE_NAME", "storefront"),
        ],
      }),
    ]);
    const runtime = await createRuntime(config, { onWarning: () => {} });
    try {
      expect((await runtime.runTests()).failed).toBe(0);
    } finally {
      await runtime.close();
    }
    expect(tree(receiver.spans)).toEqual(
      TWO_SERVICE_TREE.map((line) => line.replace(/\((shop|stock)\)/, "(storefront)")),
    );
  });
});
