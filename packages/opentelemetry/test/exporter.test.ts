import { afterEach, describe, expect, it } from "vitest";
import { drainTailSessions, reportLog, traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import { OtlpExporter, toOtlpSpans, type OtlpExporterOptions, type OtlpSpan } from "../src/index";
import { startReceiver, type Answer, type Receiver } from "./receiver";

const receivers: Receiver[] = [];
const exporters: OtlpExporter[] = [];

afterEach(async () => {
  // Receivers first: a request one left hanging then fails at once.
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
});

async function setup(
  answers: Answer[] = [],
  options: OtlpExporterOptions = {},
): Promise<{ receiver: Receiver; exporter: OtlpExporter; diagnostics: string[] }> {
  const receiver = await startReceiver(answers);
  receivers.push(receiver);
  const diagnostics: string[] = [];
  const exporter = new OtlpExporter({
    env: {},
    endpoint: `${receiver.url}/v1/traces`,
    initialBackoffMs: 1,
    onDiagnostic: (message) => diagnostics.push(message),
    ...options,
  });
  exporters.push(exporter);
  return { receiver, exporter, diagnostics };
}

/** `count` spans of one invocation with a few attributes. */
async function someSpans(count: number): Promise<OtlpSpan[]> {
  const events: TailEvent[] = [];
  await traceInvocation({ tail: events }, () => {
    for (let i = 0; i < count - 1; i++) tracing.enterSpan(`s${i}`, (span) => span.setAttribute("i", i));
  });
  return toOtlpSpans(events);
}

describe(OtlpExporter.name, () => {
  it("exports the span tree of traced invocations across two services, as a tail", async () => {
    const { receiver, exporter } = await setup([], { serviceName: "shop" });
    await traceInvocation(
      {
        tail: exporter,
        kind: "fetch",
        info: { type: "fetch", method: "GET", url: "https://shop.example/cart", headers: [] },
        returnInfo: () => ({ type: "fetch", statusCode: 200 }),
      },
      async () => {
        await tracing.enterSpan("load-cart", async (span) => {
          span.setAttribute("cart.items", 2);
          reportLog("info", ["loaded"]);
          const parent = span.spanContext();
          await traceInvocation(
            {
              tail: { tailStream: (onset: TailEvent) => exporter.tailStream(onset as never, { service: "inventory" }) },
              kind: "jsrpc",
              info: { type: "jsrpc" },
              parent,
            },
            () => tracing.enterSpan("reserve", () => {}),
          );
        });
        tracing.startSpan("audit"); // never ended: the invocation ends it
      },
    );
    await drainTailSessions();
    await exporter.shutdown();

    const spans = receiver.spans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    const fetch = byName.get("fetch")!;
    const loadCart = byName.get("load-cart")!;
    const jsrpc = byName.get("jsrpc")!;
    expect(spans.map((s) => `${s.service}:${s.name}`).sort()).toEqual([
      "inventory:jsrpc",
      "inventory:reserve",
      "shop:audit",
      "shop:fetch",
      "shop:load-cart",
    ]);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(fetch.parentSpanId).toBeUndefined();
    expect(fetch.kind).toBe(2);
    expect(loadCart.parentSpanId).toBe(fetch.spanId);
    expect(byName.get("audit")!.parentSpanId).toBe(fetch.spanId);
    expect(jsrpc.parentSpanId).toBe(loadCart.spanId);
    expect(byName.get("reserve")!.parentSpanId).toBe(jsrpc.spanId);
    expect(loadCart.attributes).toEqual([{ key: "cart.items", value: { intValue: "2" } }]);
    expect(loadCart.events).toEqual([
      {
        name: "log",
        timeUnixNano: expect.any(String) as string,
        attributes: [
          { key: "log.level", value: { stringValue: "info" } },
          { key: "log.message", value: { stringValue: "loaded" } },
        ],
      },
    ]);
    // A stateless invocation ends its open spans itself, before the outcome (spec 3.8).
    expect(byName.get("audit")!.attributes).toBeUndefined();
    expect(fetch.attributes).toContainEqual({ key: "http.response.status_code", value: { intValue: "200" } });
    const request = receiver.requests[0]!;
    expect(request).toMatchObject({
      method: "POST",
      path: "/v1/traces",
      headers: { "content-type": "application/x-protobuf" },
    });
    expect(request.message.resourceSpans[0]!.scopeSpans[0]!.scope.name).toBe("@workers-tracing/opentelemetry");
    expect(exporter.stats).toEqual({ queued: 0, exported: 5, dropped: 0, failed: 0, requests: 1, retries: 0 });
  });

  it("takes endpoint, protocol, headers and service name from OTEL_* variables", async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const exporter = new OtlpExporter({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/otlp/`,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20abc, x-team = checkout",
        OTEL_SERVICE_NAME: "orders",
      },
    });
    exporters.push(exporter);
    exporter.export(await someSpans(2));
    await exporter.forceFlush();
    const request = receiver.requests[0]!;
    expect(request.path).toBe("/otlp/v1/traces");
    expect(request.headers).toMatchObject({
      "content-type": "application/json",
      authorization: "Bearer abc",
      "x-team": "checkout",
    });
    expect(receiver.spans().map((s) => [s.service, s.name])).toEqual([
      ["orders", "s0"],
      ["orders", "custom"],
    ]);
  });

  it("sends batches of at most maxBatchSize spans, a full one without waiting", async () => {
    const { receiver, exporter } = await setup([], { maxBatchSize: 2, scheduledDelayMs: 60_000 });
    exporter.export(await someSpans(5));
    await exporter.forceFlush();
    expect(receiver.requests.map((r) => r.message.resourceSpans[0]!.scopeSpans[0]!.spans.length)).toEqual([2, 2, 1]);
    expect(exporter.stats.exported).toBe(5);
  });

  it("sends a partial batch once the scheduled delay passed", async () => {
    const { receiver, exporter } = await setup([], { scheduledDelayMs: 5 });
    exporter.export(await someSpans(3));
    expect(receiver.requests).toHaveLength(0);
    await expect.poll(() => exporter.stats.exported, { timeout: 4000, interval: 5 }).toBe(3);
    expect(receiver.requests).toHaveLength(1);
  });

  it("drops and counts spans beyond maxQueueSize, reporting the stretch once", async () => {
    const { receiver, exporter, diagnostics } = await setup([], { maxQueueSize: 3, scheduledDelayMs: 60_000 });
    exporter.export(await someSpans(5));
    exporter.export(await someSpans(2));
    expect(exporter.stats).toMatchObject({ queued: 3, dropped: 4 });
    expect(diagnostics).toEqual([
      "opentelemetry: the export queue is full (3 spans): new spans are dropped until it has room (see exporter.stats.dropped).",
    ]);
    await exporter.forceFlush();
    expect(receiver.spans()).toHaveLength(3);
  });

  it("retries 429 and 5xx answers with backoff, honouring Retry-After", async () => {
    const { receiver, exporter, diagnostics } = await setup([
      { status: 503 },
      { status: 429, headers: { "retry-after": "0" } },
    ]);
    exporter.export(await someSpans(2));
    await exporter.forceFlush();
    expect(exporter.stats).toMatchObject({ exported: 2, failed: 0, requests: 3, retries: 2 });
    expect(receiver.requests).toHaveLength(3);
    expect(diagnostics).toEqual([]);
  });

  it("gives up on a batch the receiver rejects, without retrying", async () => {
    const { exporter, diagnostics } = await setup([{ status: 400 }]);
    exporter.export(await someSpans(2));
    await exporter.forceFlush();
    expect(exporter.stats).toMatchObject({ exported: 0, failed: 2, requests: 1, retries: 0 });
    expect(diagnostics[0]).toMatch(
      /^opentelemetry: could not export 2 spans to http:\/\/127\.0\.0\.1:\d+\/v1\/traces: the receiver rejected them with HTTP 400\./,
    );
  });

  it("retries network errors up to maxAttempts, then counts the batch failed", async () => {
    const { receiver, exporter, diagnostics } = await setup(
      [
        { status: 0, reset: true },
        { status: 0, reset: true },
      ],
      {
        maxAttempts: 2,
      },
    );
    exporter.export(await someSpans(2));
    await exporter.forceFlush();
    expect(receiver.requests).toHaveLength(2);
    expect(exporter.stats).toMatchObject({ exported: 0, failed: 2, requests: 2, retries: 1 });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toContain("2 tries failed, the last with fetch failed");

    const closed = new OtlpExporter({
      env: {},
      endpoint: "http://127.0.0.1:9/v1/traces",
      maxAttempts: 1,
      onDiagnostic: () => {},
    });
    closed.export(await someSpans(1));
    await closed.shutdown();
    expect(closed.stats).toMatchObject({ failed: 1, requests: 1 });
  });

  it("gives up on a request that takes longer than timeoutMs", async () => {
    const { exporter, diagnostics } = await setup([{ status: 0, hang: true }], { timeoutMs: 50, maxAttempts: 1 });
    exporter.export(await someSpans(2));
    await exporter.forceFlush();
    expect(exporter.stats).toMatchObject({ exported: 0, failed: 2, requests: 1 });
    expect(diagnostics[0]).toContain("1 try failed, the last with");
  });

  it("never makes the traced code wait for the receiver", async () => {
    // The request hangs until the receiver closes after the test (a timeout short enough to end
    // it within the test would race the traced code on a loaded machine).
    const { exporter } = await setup([{ status: 0, hang: true }], {
      timeoutMs: 60_000,
      maxAttempts: 1,
      scheduledDelayMs: 0,
    });
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      await traceInvocation({ tail: exporter }, () => tracing.enterSpan("work", () => order.push(`invocation ${i}`)));
      await drainTailSessions();
    }
    order.push(`requests done: ${exporter.stats.failed + exporter.stats.exported}`);
    expect(order).toEqual(["invocation 0", "invocation 1", "invocation 2", "requests done: 0"]);
  });

  it("flushes at shutdown, then drops later spans; shutdown() twice is one shutdown", async () => {
    const { receiver, exporter, diagnostics } = await setup([], { scheduledDelayMs: 60_000 });
    exporter.export(await someSpans(2));
    const first = exporter.shutdown();
    expect(exporter.shutdown()).toBe(first);
    await first;
    expect(receiver.spans()).toHaveLength(2);
    exporter.export(await someSpans(1));
    expect(exporter.stats).toMatchObject({ exported: 2, dropped: 1, queued: 0 });
    expect(diagnostics).toEqual([
      "opentelemetry: a span ended after the exporter was shut down and is dropped (see exporter.stats.dropped).",
    ]);
  });

  it("rejects unusable options with a clear error", () => {
    expect(() => new OtlpExporter({ env: {}, maxQueueSize: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: opentelemetry: new OtlpExporter() expects maxQueueSize to be a positive whole number, received 0.]`,
    );
    expect(() => new OtlpExporter({ env: {}, initialBackoffMs: -1 })).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: opentelemetry: new OtlpExporter() expects initialBackoffMs to be a non-negative whole number, received -1.]`,
    );
  });
});
