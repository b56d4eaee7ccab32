import { describe, expect, it } from "vitest";
import {
  createSequentialIds,
  currentUserSpan,
  reportLog,
  traceInvocation,
  type TailEvent,
  type TailEventPayload,
} from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import {
  ORIGINAL_SPAN_ATTRIBUTE,
  SpanKind,
  StatusCode,
  UNCLOSED_ATTRIBUTE,
  createSpanAssembler,
  toOtlpSpans,
  type OtlpSpan,
} from "../src/index";

const T = "4f1d2c3b4a5968778695a4b3c2d1e0f1";

/** Builds one invocation's events from payloads: [span id in the context, ms offset, payload]. */
function invocation(
  id: string,
  parent: string | undefined,
  rows: readonly (readonly [string | undefined, number, TailEventPayload])[],
): TailEvent[] {
  return rows.map(([spanId, offset, event], sequence) => ({
    spanContext:
      sequence === 0
        ? parent === undefined
          ? { traceId: T }
          : { traceId: T, spanId: parent }
        : { traceId: T, spanId: spanId! },
    invocationId: id,
    timestamp: new Date(1_700_000_000_000 + offset),
    sequence,
    event,
  }));
}

const byName = (spans: readonly OtlpSpan[], name: string): OtlpSpan => {
  const span = spans.find((s) => s.name === name);
  if (span === undefined) throw new Error(`no span "${name}" in [${spans.map((s) => s.name).join(", ")}]`);
  return span;
};

const attributes = (span: OtlpSpan): Record<string, unknown> =>
  Object.fromEntries(span.attributes.map((a) => [a.name, a.value]));

describe(createSpanAssembler.name, () => {
  it("maps nested spans, attributes and a log (spec 4.9 a)", () => {
    const events = invocation("I1", undefined, [
      [
        undefined,
        0,
        { type: "onset", executionModel: "stateless", spanId: "R1", scriptTags: [], info: { type: "custom" } },
      ],
      ["R1", 1, { type: "spanOpen", name: "outer", spanId: "U1" }],
      ["U1", 2, { type: "log", level: "log", message: ["hello", { n: 1 }] }],
      ["U1", 3, { type: "spanOpen", name: "inner", spanId: "U2" }],
      [
        "U2",
        4,
        {
          type: "attributes",
          info: [
            { name: "n", value: 1 },
            { name: "ok", value: true },
          ],
        },
      ],
      ["U2", 4, { type: "spanClose", outcome: "ok" }],
      ["U1", 5, { type: "attributes", info: [{ name: "role", value: "outer" }] }],
      ["U1", 5, { type: "spanClose", outcome: "ok" }],
      ["R1", 6, { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 }],
    ]);
    const spans = toOtlpSpans(events);
    expect(spans.map((s) => [s.name, s.spanId, s.parentSpanId])).toEqual([
      ["inner", "U2", "U1"],
      ["outer", "U1", "R1"],
      ["custom", "R1", undefined],
    ]);
    const [inner, outer, root] = spans as [OtlpSpan, OtlpSpan, OtlpSpan];
    expect(inner).toMatchObject({
      traceId: T,
      kind: SpanKind.INTERNAL,
      startTimeMs: 1_700_000_000_003,
      endTimeMs: 1_700_000_000_004,
      attributes: [
        { name: "n", value: 1 },
        { name: "ok", value: true },
      ],
      status: { code: StatusCode.UNSET },
      flags: 0x101,
    });
    expect(outer.events).toEqual([
      {
        name: "log",
        timeMs: 1_700_000_000_002,
        attributes: [
          { name: "log.level", value: "log" },
          { name: "log.message", value: 'hello {"n":1}' },
        ],
      },
    ]);
    expect(root).toMatchObject({ startTimeMs: 1_700_000_000_000, endTimeMs: 1_700_000_000_006, flags: 0x101 });
    expect(attributes(root)).toEqual({
      "cloudflare.invocation_id": "I1",
      "faas.trigger": "other",
      "cloudflare.handler": "custom",
      "cloudflare.execution_model": "stateless",
      "cloudflare.outcome": "ok",
      "cloudflare.cpu_time_ms": 0,
      "cloudflare.wall_time_ms": 0,
    });
  });

  it("parents a callee's root span by the onset's span context, as a remote parent (spec 4.9 b)", () => {
    const events = invocation("I2", "F1", [
      [
        undefined,
        0,
        {
          type: "onset",
          executionModel: "stateless",
          spanId: "R2",
          entrypoint: "Api",
          scriptTags: [],
          info: { type: "fetch", method: "GET", url: "http://svc/inside-F", headers: [] },
        },
      ],
      ["R2", 1, { type: "return", info: { type: "fetch", statusCode: 200 } }],
      ["R2", 2, { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 }],
    ]);
    const [root] = toOtlpSpans(events) as [OtlpSpan];
    expect(root).toMatchObject({ name: "fetch", parentSpanId: "F1", kind: SpanKind.SERVER, flags: 0x301 });
    expect(attributes(root)).toMatchObject({
      "faas.trigger": "http",
      "cloudflare.entrypoint": "Api",
      "http.request.method": "GET",
      "url.full": "http://svc/inside-F",
      "http.response.status_code": 200,
    });
    expect(root.status).toEqual({ code: StatusCode.UNSET });
  });

  it("keeps BigInt attribute values and marks runtime client spans", () => {
    const events = invocation("I1", undefined, [
      [undefined, 0, { type: "onset", executionModel: "stateless", spanId: "R1", info: { type: "custom" } }],
      ["R1", 1, { type: "spanOpen", name: "fetch", spanId: "F1" }],
      ["F1", 2, { type: "attributes", info: [{ name: "http.response.status_code", value: 200n }] }],
      ["F1", 2, { type: "spanClose", outcome: "ok" }],
      ["R1", 3, { type: "spanOpen", name: "queue_send", spanId: "Q1" }],
      ["Q1", 4, { type: "spanClose", outcome: "ok" }],
      ["R1", 5, { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 }],
    ]);
    const spans = toOtlpSpans(events);
    expect(byName(spans, "fetch")).toMatchObject({
      kind: SpanKind.CLIENT,
      attributes: [{ name: "http.response.status_code", value: 200n }],
    });
    expect(byName(spans, "queue_send").kind).toBe(SpanKind.PRODUCER);
  });

  it("ends spans left open at the outcome and says so (spec 4.9 e)", () => {
    const events = invocation("I1", undefined, [
      [undefined, 0, { type: "onset", executionModel: "durableObject", spanId: "R1", info: { type: "custom" } }],
      ["R1", 1, { type: "spanOpen", name: "G.startSpan", spanId: "U1" }],
      ["U1", 2, { type: "spanOpen", name: "G.child", spanId: "U2" }],
      ["R1", 9, { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 }],
    ]);
    const spans = toOtlpSpans(events);
    expect(spans.map((s) => [s.name, s.endTimeMs - 1_700_000_000_000, attributes(s)[UNCLOSED_ATTRIBUTE]])).toEqual([
      ["G.child", 9, true],
      ["G.startSpan", 9, true],
      ["custom", 9, undefined],
    ]);
  });

  it("maps setStatus, updateName, recordException and uncaught exceptions", () => {
    const events = invocation("I1", undefined, [
      [undefined, 0, { type: "onset", executionModel: "stateless", spanId: "R1", info: { type: "custom" } }],
      ["R1", 1, { type: "spanOpen", name: "a", spanId: "U1" }],
      ["U1", 2, { type: "spanUpdate", info: { type: "name", name: "a.renamed" } }],
      ["U1", 2, { type: "spanUpdate", info: { type: "status", status: { code: "error", message: "bad input" } } }],
      ["U1", 3, { type: "exception", name: "TypeError", message: "x is not a function", stack: "    at f (w.js:1:1)" }],
      ["U1", 4, { type: "spanClose", outcome: "ok" }],
      ["R1", 5, { type: "spanOpen", name: "b", spanId: "U2" }],
      ["U2", 6, { type: "spanUpdate", info: { type: "status", status: { code: "ok" } } }],
      ["U2", 6, { type: "spanUpdate", info: { type: "status", status: { code: "error", message: "ignored" } } }],
      ["U2", 7, { type: "exception", name: "Error", message: "recovered" }],
      ["U2", 8, { type: "spanClose", outcome: "ok" }],
      ["R1", 9, { type: "spanOpen", name: "c", spanId: "U3" }],
      ["U3", 10, { type: "exception", name: "RangeError", message: "too big" }],
      ["U3", 11, { type: "spanClose", outcome: "ok" }],
      ["R1", 12, { type: "exception", name: "Error", message: "boom" }],
      ["R1", 13, { type: "outcome", outcome: "exception", cpuTime: 0, wallTime: 0 }],
    ]);
    const spans = toOtlpSpans(events);
    const a = byName(spans, "a.renamed");
    expect(a.status).toEqual({ code: StatusCode.ERROR, message: "bad input" });
    expect(a.events).toEqual([
      {
        name: "exception",
        timeMs: 1_700_000_000_003,
        attributes: [
          { name: "exception.type", value: "TypeError" },
          { name: "exception.message", value: "x is not a function" },
          { name: "exception.stacktrace", value: "TypeError: x is not a function\n    at f (w.js:1:1)" },
        ],
      },
    ]);
    expect(byName(spans, "b").status).toEqual({ code: StatusCode.OK });
    expect(byName(spans, "c").status).toEqual({ code: StatusCode.ERROR, message: "RangeError: too big" });
    const root = byName(spans, "custom");
    expect(root.status).toEqual({ code: StatusCode.ERROR, message: "Error: boom" });
    expect(root.events.map((e) => e.name)).toEqual(["exception"]);
    expect(attributes(root)["cloudflare.outcome"]).toBe("exception");
  });

  it("gives a failed outcome or a 5xx response an error status on the root span", () => {
    const failed = toOtlpSpans(
      invocation("I1", undefined, [
        [undefined, 0, { type: "onset", executionModel: "stateless", spanId: "R1", info: { type: "custom" } }],
        ["R1", 1, { type: "outcome", outcome: "exceededCpu", cpuTime: 0, wallTime: 0 }],
      ]),
    );
    expect(failed[0]!.status).toEqual({ code: StatusCode.ERROR, message: "exceededCpu" });
    const serverError = toOtlpSpans(
      invocation("I1", undefined, [
        [
          undefined,
          0,
          {
            type: "onset",
            executionModel: "stateless",
            spanId: "R1",
            info: { type: "fetch", method: "GET", url: "http://x/", headers: [] },
          },
        ],
        ["R1", 1, { type: "return", info: { type: "fetch", statusCode: 503 } }],
        ["R1", 1, { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 }],
      ]),
    );
    expect(serverError[0]!.status).toEqual({ code: StatusCode.ERROR });
  });

  it("puts a log of an ended span on the root span, naming the span (spec 4.9 d)", () => {
    const spans = toOtlpSpans(
      invocation("I1", undefined, [
        [undefined, 0, { type: "onset", executionModel: "stateless", spanId: "R1", info: { type: "custom" } }],
        ["R1", 1, { type: "spanOpen", name: "B", spanId: "U1" }],
        ["U1", 2, { type: "spanClose", outcome: "ok" }],
        ["U1", 3, { type: "spanOpen", name: "B.lateChild", spanId: "U2" }],
        ["U2", 4, { type: "spanClose", outcome: "ok" }],
        ["U1", 5, { type: "log", level: "warn", message: "cut", truncated: true }],
        ["R1", 6, { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 }],
      ]),
    );
    expect(byName(spans, "B.lateChild").parentSpanId).toBe("U1");
    expect(byName(spans, "custom").events[0]!.attributes).toEqual([
      { name: "log.level", value: "warn" },
      { name: "log.message", value: "cut" },
      { name: "log.truncated", value: true },
      { name: ORIGINAL_SPAN_ATTRIBUTE, value: "U1" },
    ]);
  });

  it("maps links, dropped-event diagnostics, onset info and invocation attributes", () => {
    const link = {
      context: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 },
      attributes: [{ name: "k", value: "v" }],
      droppedAttributesCount: 2,
    };
    const spans = toOtlpSpans(
      invocation("I1", undefined, [
        [
          undefined,
          0,
          {
            type: "onset",
            executionModel: "stateless",
            spanId: "R1",
            info: { type: "queue", queueName: "jobs", batchSize: 3 },
            attributes: [{ name: "worker.tier", value: "gold" }],
          },
        ],
        ["R1", 0, { type: "attributes", info: [{ name: "jsrpc.method", value: "charge" }] }],
        ["R1", 1, { type: "spanOpen", name: "L", spanId: "U1" }],
        ["U1", 1, { type: "spanLinks", links: [link] }],
        ["U1", 2, { type: "spanClose", outcome: "ok" }],
        ["R1", 3, { type: "streamDiagnostic", diagnostic: { diagnosticsType: "droppedEvents", count: 7 } }],
        ["R1", 3, { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 }],
      ]),
    );
    expect(byName(spans, "L").links).toEqual([link]);
    const root = byName(spans, "queue");
    expect(root.kind).toBe(SpanKind.CONSUMER);
    expect(attributes(root)).toMatchObject({
      "faas.trigger": "pubsub",
      "messaging.destination.name": "jobs",
      "messaging.batch.message_count": 3,
      "worker.tier": "gold",
      "jsrpc.method": "charge",
      "workers_tracing.dropped_events": 7,
    });
  });

  it("maps an onHibernate onset (production only, in workers-types' TailStream) to an internal root span", () => {
    const spans = toOtlpSpans(
      invocation("H", undefined, [
        [
          undefined,
          0,
          {
            type: "onset",
            executionModel: "durableObject",
            spanId: "RH",
            info: { type: "onHibernate", reason: "inactive" },
          },
        ],
        ["RH", 1, { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 }],
      ]),
    );
    const root = byName(spans, "onHibernate");
    expect(root.kind).toBe(SpanKind.INTERNAL);
    expect(attributes(root)).toMatchObject({
      "faas.trigger": "other",
      "cloudflare.handler": "onHibernate",
      "cloudflare.execution_model": "durableObject",
      "cloudflare.hibernate.reason": "inactive",
    });
  });

  it("keeps interleaved invocations apart and ignores events of an unknown invocation", () => {
    const a = invocation("A", undefined, [
      [undefined, 0, { type: "onset", executionModel: "stateless", spanId: "RA", info: { type: "custom" } }],
      ["RA", 1, { type: "spanOpen", name: "a", spanId: "UA" }],
      ["UA", 2, { type: "spanClose", outcome: "ok" }],
      ["RA", 3, { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 }],
    ]);
    const b = invocation("B", "UA", [
      [undefined, 0, { type: "onset", executionModel: "stateless", spanId: "RB", info: { type: "jsrpc" } }],
      ["RB", 1, { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 }],
    ]);
    const stray = invocation("C", undefined, [[undefined, 0, { type: "spanOpen", name: "x", spanId: "UC" }]]);
    const spans: OtlpSpan[] = [];
    const assembler = createSpanAssembler((span) => spans.push(span));
    for (const event of [a[0]!, b[0]!, a[1]!, stray[0]!, b[1]!, a[2]!, a[3]!]) assembler.add(event);
    expect(spans.map((s) => `${s.name}<${s.parentSpanId ?? "-"}`)).toEqual(["jsrpc<UA", "a<RA", "custom<-"]);
    expect(assembler.openInvocations).toBe(0);
  });

  it("maps what traceInvocation and tracing report", async () => {
    const events: TailEvent[] = [];
    await traceInvocation({ tail: events, ids: createSequentialIds() }, async () => {
      await tracing.enterSpan("work", async (span) => {
        span.setAttributes({ n: 1.5, label: "x" });
        reportLog("info", ["inside"]);
        const runtime = currentUserSpan()!.startChild("fetch");
        runtime.setAttribute("http.response.status_code", 204n);
        runtime.end();
      });
    });
    const spans = toOtlpSpans(events);
    expect(spans.map((s) => s.name)).toEqual(["fetch", "work", "custom"]);
    const [fetch, work, root] = spans as [OtlpSpan, OtlpSpan, OtlpSpan];
    expect(fetch.parentSpanId).toBe(work.spanId);
    expect(work.parentSpanId).toBe(root.spanId);
    expect(attributes(fetch)).toEqual({ "http.response.status_code": 204n });
    expect(attributes(work)).toEqual({ n: 1.5, label: "x" });
    expect(work.events.map((e) => e.attributes[1]!.value)).toEqual(["inside"]);
  });

  it("throws a TypeError for a callback that is not a function", () => {
    expect(() => createSpanAssembler(42 as never)).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: opentelemetry: createSpanAssembler() expects a function, received number.]`,
    );
  });
});
