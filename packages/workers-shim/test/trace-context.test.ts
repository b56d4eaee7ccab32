import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { drainTailSessions, type TailEvent } from "@workers-tracing/core-context";
import { afterEach, describe, expect, it } from "vitest";
import { createRuntime, type Runtime, type ShimConfig } from "../src/index";
import { main } from "../src/commands/main";
import { allows } from "../src/trace-context";
import { fixtureConfig, service } from "./helpers";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE}-${CALLER}-01`;
const HEX16 = /^[\da-f]{16}$/;

/** What the loopback destination saw of one request. */
interface Received {
  readonly traceparent: string | null;
  readonly tracestate: string | null;
}

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A loopback HTTP server answering every request with the trace headers it got, as JSON. */
async function startDestination(): Promise<string> {
  const server: Server = createServer((request, response) => {
    const received: Received = {
      traceparent: (request.headers.traceparent as string | undefined) ?? null,
      tracestate: (request.headers.tracestate as string | undefined) ?? null,
    };
    request.resume();
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The trace context fixture: `main` (calls out) with a binding to `api`, `main` set up with `traceContext`. */
function config(traceContext?: unknown): ShimConfig {
  return fixtureConfig([
    service("main", "trace-context/worker.js", {
      bindings: [{ name: "API", service: "api" }],
      ...(traceContext === undefined ? {} : { traceContext }),
    }),
    service("api", "trace-context/api.js"),
  ]);
}

interface Run {
  readonly status: number;
  readonly body: { span?: { traceId: string; spanId: string }; received: Received };
  /** Every invocation's events (empty when run untraced). */
  readonly events: TailEvent[];
}

/** Starts a runtime (traced: with a runtime-wide tail) and sends one request to `main`. */
async function run(shim: ShimConfig, url: string, headers: Record<string, string> = {}, traced = true): Promise<Run> {
  const events: TailEvent[] = [];
  const runtime: Runtime = await createRuntime(shim, {
    onWarning: () => {},
    ...(traced
      ? { tail: { tailStream: (onset) => (events.push(onset), (event: TailEvent) => void events.push(event)) } }
      : {}),
  });
  cleanup.push(() => runtime.close(0));
  const response = await runtime.dispatchFetch("main", url, { headers });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  await drainTailSessions(10000);
  return { status: response.status, body: JSON.parse(text) as Run["body"], events };
}

function onsets(events: readonly TailEvent[]): TailEvent[] {
  return events.filter((event) => event.event.type === "onset");
}

describe("W3C trace context", () => {
  it("changes nothing by default: an incoming traceparent starts no trace and fetch() sends none", async () => {
    const destination = await startDestination();
    const { body, events } = await run(config(), `http://main.test/in-span?to=${destination}`, {
      traceparent: TRACEPARENT,
      tracestate: "rojo=1",
    });
    expect(body.received).toEqual({ traceparent: null, tracestate: null });
    const [onset] = onsets(events);
    expect(onset!.spanContext).toStrictEqual({ traceId: expect.stringMatching(/^[\da-f]{32}$/) });
    expect(onset!.spanContext.traceId).not.toBe(TRACE);
    // The header is what it always was: an ordinary header of the onset.
    expect(onset!.event).toMatchObject({
      info: { headers: expect.arrayContaining([{ name: "traceparent", value: TRACEPARENT }]) },
    });
  });

  it("continues the trace of a valid incoming traceparent: trace id, caller span and flags on the onset", async () => {
    const { events } = await run(config({ incoming: true }), "http://main.test/binding", {
      traceparent: `00-${TRACE}-${CALLER}-00`,
    });
    const [main, api] = onsets(events);
    expect(main!.spanContext).toStrictEqual({ traceId: TRACE, spanId: CALLER, traceFlags: 0 });
    expect(events.every((event) => event.spanContext.traceId === TRACE)).toBe(true);
    // The callee of the service binding is in the same trace, under main's binding span.
    expect(api!.spanContext).toStrictEqual({ traceId: TRACE, spanId: expect.stringMatching(HEX16) });
    expect(api!.spanContext.spanId).not.toBe(CALLER);
  });

  it.for([
    ["uppercase hex", `00-${TRACE.toUpperCase()}-${CALLER}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${CALLER}-01`],
    ["an all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE}-${CALLER}-01`],
    ["version 00 with an extra field", `${TRACEPARENT}-x`],
    ["garbage", "not a traceparent"],
  ] as const)("ignores an incoming traceparent with %s: the request runs in a new trace", async ([, traceparent]) => {
    const destination = await startDestination();
    const { body, events } = await run(
      config({ incoming: true, outgoing: "all" }),
      `http://main.test/top?to=${destination}`,
      { traceparent, tracestate: "rojo=1" },
    );
    const [onset] = onsets(events);
    expect(onset!.spanContext).toStrictEqual({ traceId: expect.stringMatching(/^[\da-f]{32}$/) });
    expect(onset!.spanContext.traceId).not.toBe(TRACE);
    // The tracestate of an invalid traceparent is not passed on either.
    expect(body.received).toEqual({
      traceparent: `00-${onset!.spanContext.traceId}-${(onset!.event as { spanId: string }).spanId}-01`,
      tracestate: null,
    });
  });

  it("sends the current span's traceparent and the incoming tracestate from a span", async () => {
    const destination = await startDestination();
    const { body, events } = await run(
      config({ incoming: true, outgoing: "all" }),
      `http://main.test/in-span?to=${destination}`,
      { traceparent: TRACEPARENT, tracestate: " rojo=00f067aa0ba902b7 , congo=t61rcWkgMzE" },
    );
    expect(body.span!.traceId).toBe(TRACE);
    expect(body.received).toEqual({
      traceparent: `00-${TRACE}-${body.span!.spanId}-01`,
      tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    });
    const open = events.find((event) => event.event.type === "spanOpen");
    expect(open!.event).toMatchObject({ name: "call-out", spanId: body.span!.spanId });
  });

  it("names the onset span at the top level, and starts a trace of its own without an incoming one", async () => {
    const destination = await startDestination();
    const { body, events } = await run(config({ outgoing: "all" }), `http://main.test/top?to=${destination}`);
    const [onset] = onsets(events);
    const onsetSpan = (onset!.event as { spanId: string }).spanId;
    expect(body.received).toEqual({
      traceparent: `00-${onset!.spanContext.traceId}-${onsetSpan}-01`,
      tracestate: null,
    });
  });

  it.for([
    ["fetch(url, init)", ""],
    ["fetch(new Request(url, init))", "&request"],
  ] as const)("keeps a traceparent the worker set itself with %s", async ([, request]) => {
    const destination = await startDestination();
    const own = `00-${"a".repeat(32)}-${"b".repeat(16)}-00`;
    const { body } = await run(
      config({ incoming: true, outgoing: "all" }),
      `http://main.test/in-span?to=${destination}&own=${own}${request}`,
      { traceparent: TRACEPARENT, tracestate: "rojo=1" },
    );
    expect(body.received).toEqual({ traceparent: own, tracestate: null });
  });

  it("passes the incoming traceparent on unchanged from an untraced invocation", async () => {
    const destination = await startDestination();
    const { body } = await run(
      config({ incoming: true, outgoing: "all" }),
      `http://main.test/in-span?to=${destination}`,
      { traceparent: ` ${TRACEPARENT}\t`, tracestate: "rojo=1" },
      false,
    );
    expect(body.received).toEqual({ traceparent: TRACEPARENT, tracestate: "rojo=1" });
  });

  it("sends its own ids, not sampled, from an untraced invocation without an incoming traceparent", async () => {
    const destination = await startDestination();
    const { body } = await run(config({ outgoing: "all" }), `http://main.test/top?to=${destination}`, {}, false);
    expect(body.received.traceparent).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-00$/);
  });

  it("adds nothing to a service binding's request", async () => {
    const { body } = await run(config({ incoming: true, outgoing: "all" }), "http://main.test/binding", {
      traceparent: TRACEPARENT,
    });
    expect(body.received).not.toHaveProperty("headers.traceparent");
    expect(body.received).not.toHaveProperty("headers.tracestate");
  });

  describe("per destination", () => {
    /** Whether a call from an invocation handling `requestOrigin` to `destination` got a traceparent. */
    async function sent(outgoing: unknown, requestOrigin: string, destination: string): Promise<boolean> {
      const { body } = await run(config({ outgoing }), `${requestOrigin}/in-span?to=${destination}/x`);
      return body.received.traceparent !== null;
    }

    it("sends to every http(s) destination with all, to none with none", async () => {
      const destination = await startDestination();
      expect(await sent("all", "http://main.test", destination)).toBe(true);
      expect(await sent("none", "http://main.test", destination)).toBe(false);
    });

    it("sends to the origin of the request the invocation handles with same-origin", async () => {
      const destination = await startDestination();
      const other = await startDestination();
      expect(await sent("same-origin", destination, destination)).toBe(true);
      expect(await sent("same-origin", other, destination)).toBe(false);
      expect(await sent("same-origin", "http://main.test", destination)).toBe(false);
    });

    it("sends to the hosts listed: a name at any port, or a name with its port", async () => {
      const destination = await startDestination();
      const port = new URL(destination).port;
      expect(await sent(["127.0.0.1"], "http://main.test", destination)).toBe(true);
      expect(await sent([`127.0.0.1:${port}`], "http://main.test", destination)).toBe(true);
      expect(await sent([`127.0.0.1:${Number(port) === 1 ? 2 : 1}`], "http://main.test", destination)).toBe(false);
      expect(await sent(["localhost", "*.example.com"], "http://main.test", destination)).toBe(false);
      expect(await sent([], "http://main.test", destination)).toBe(false);
    });
  });
});

describe("destination policies", () => {
  it.for([
    ["all", "https://api.example.com/x", undefined, true],
    ["all", "data:text/plain,x", undefined, false],
    ["none", "https://api.example.com/x", undefined, false],
    ["same-origin", "https://shop.example.com/api", "https://shop.example.com/", true],
    ["same-origin", "https://shop.example.com:8443/api", "https://shop.example.com/", false],
    ["same-origin", "http://shop.example.com/api", "https://shop.example.com/", false],
    ["same-origin", "https://shop.example.com/api", undefined, false],
    [["api.example.com"], "https://api.example.com:8443/x", undefined, true],
    [["api.example.com"], "https://www.example.com/x", undefined, false],
    [["api.example.com:443"], "https://api.example.com/x", undefined, true],
    [["api.example.com:80"], "http://api.example.com/x", undefined, true],
    [["api.example.com:8443"], "https://api.example.com/x", undefined, false],
    [["*.example.com"], "https://a.b.example.com/x", undefined, true],
    [["*.example.com"], "https://example.com/x", undefined, false],
    [["*.example.com"], "https://notexample.com/x", undefined, false],
    [["[::1]:8080"], "http://[::1]:8080/x", undefined, true],
    [["[::1]"], "http://[::1]:9/x", undefined, true],
    [["[::1]:8080"], "http://[::1]:9/x", undefined, false],
  ] as const)("%j sends to %s (handling %s): %s", ([policy, url, requestUrl, expected]) => {
    expect(allows(policy, new URL(url), requestUrl)).toBe(expected);
  });
});

describe("workers-shim test --trace-context", () => {
  it("sends traceparent from test() handlers with the switch, and none without", async () => {
    const destination = await startDestination();
    const dir = mkdtempSync(join(tmpdir(), "trace-context-"));
    cleanup.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const file = join(dir, "config.json");
    const worker = fileURLToPath(new URL("./fixtures/trace-context/test-worker.js", import.meta.url));
    const settings = { modules: [{ name: "worker", esModule: worker }], compatibilityDate: "2026-11-01" };
    writeFileSync(
      file,
      JSON.stringify({
        services: [{ name: "t", worker: { ...settings, bindings: [{ name: "TO", text: destination }] } }],
      }),
    );
    const runTest = async (args: string[]) => {
      const stderr: string[] = [];
      const status = await main(["test", ...args, file], { stdout: () => {}, stderr: (line) => stderr.push(line) });
      return { status, stderr };
    };
    expect(await runTest(["--trace-context"])).toEqual({
      status: 0,
      stderr: ["[ PASS ] t", "workers-shim: 1 test: 1 passed, 0 failed"],
    });
    const without = await runTest([]);
    expect(without.status).toBe(1);
    expect(without.stderr[0]).toContain('no traceparent was sent: {"traceparent":null');
  });
});
