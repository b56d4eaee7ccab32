import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ROOT_CONTEXT,
  SpanStatusCode,
  context,
  createContextKey,
  propagation,
  trace,
  type Span as OtelSpan,
  type Tracer,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import {
  WorkersTracingSpan,
  registerWorkersTracing,
  toOtlpSpans,
  type OtlpSpan,
  type WorkersTracingRegistration,
} from "../src/index";

let registration: WorkersTracingRegistration;
let tracer: Tracer;

beforeAll(() => {
  registration = registerWorkersTracing();
  // After registering: a tracer taken before would be the API's no-op proxy.
  tracer = trace.getTracer("bridge-test");
});

afterAll(() => {
  registration.unregister();
});

async function spansOf(fn: () => unknown): Promise<OtlpSpan[]> {
  const events: TailEvent[] = [];
  await traceInvocation({ tail: events }, fn);
  return toOtlpSpans(events);
}

function byName(spans: readonly OtlpSpan[], name: string): OtlpSpan {
  const span = spans.find((s) => s.name === name);
  if (span === undefined) throw new Error(`no span "${name}" in ${spans.map((s) => s.name).join(", ")}`);
  return span;
}

function attributesOf(span: OtlpSpan): Record<string, unknown> {
  return Object.fromEntries(span.attributes.map((a) => [a.name, a.value]));
}

describe(registerWorkersTracing.name, () => {
  it("registers once and reports an existing registration as registered", () => {
    expect(registration.registered).toBe(true);
    expect(registerWorkersTracing()).toMatchObject({ registered: true, taken: [] });
  });

  it("registers nothing when an OpenTelemetry SDK took a global first", () => {
    registration.unregister();
    const manager = new AsyncLocalStorageContextManager().enable();
    expect(trace.setGlobalTracerProvider(new BasicTracerProvider())).toBe(true);
    expect(context.setGlobalContextManager(manager)).toBe(true);
    try {
      const second = registerWorkersTracing();
      expect(second).toMatchObject({ registered: false, taken: ["trace", "context"] });
      second.unregister();
      const sdkSpan = trace.getTracer("sdk").startSpan("s");
      expect(sdkSpan.isRecording()).toBe(true);
      expect(sdkSpan).not.toBeInstanceOf(WorkersTracingSpan);
      expect(context.with(trace.setSpan(context.active(), sdkSpan), () => trace.getActiveSpan())).toBe(sdkSpan);
    } finally {
      trace.disable();
      context.disable();
      registration = registerWorkersTracing();
    }
    expect(registration.registered).toBe(true);
  });

  it("lets an SDK register after the API's disable() calls removed the bridge", () => {
    trace.disable();
    context.disable();
    propagation.disable();
    try {
      expect(trace.setGlobalTracerProvider(new BasicTracerProvider())).toBe(true);
      expect(trace.getTracer("sdk").startSpan("s")).not.toBeInstanceOf(WorkersTracingSpan);
      expect(registerWorkersTracing()).toMatchObject({ registered: false, taken: ["trace"] });
    } finally {
      trace.disable();
      registration = registerWorkersTracing();
    }
    expect(registration.registered).toBe(true);
  });

  it("registers on another realm's global object", () => {
    const realm = vm.runInNewContext("globalThis") as object;
    const first = registerWorkersTracing({ global: realm });
    expect(first).toMatchObject({ registered: true, taken: [] });
    const api = (realm as Record<symbol, Record<string, unknown>>)[Symbol.for("opentelemetry.js.api.1")];
    expect(api?.trace).toBe(trace.getTracerProvider());
    expect(registerWorkersTracing({ global: realm }).registered).toBe(true);
    first.unregister();
    expect(Symbol.for("opentelemetry.js.api.1") in realm).toBe(false);
  });

  it("throws a TypeError for a global that is not an object", () => {
    expect(() => registerWorkersTracing({ global: 1 as never })).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: @workers-tracing/opentelemetry: registerWorkersTracing() expects options.global to be an object, received number.]`,
    );
  });

  it("makes a later SDK registration fail without replacing the bridge", () => {
    const before = trace.getTracerProvider();
    expect(trace.setGlobalTracerProvider(new BasicTracerProvider())).toBe(false);
    expect(trace.getTracerProvider()).toBe(before);
  });
});

describe("OpenTelemetry API bridge", () => {
  it("nests startActiveSpan under the current user span and makes it current for its callback", async () => {
    let inner: OtelSpan | undefined;
    let userId = "";
    const spans = await spansOf(() =>
      tracing.enterSpan("outer", (outer) => {
        userId = outer.spanContext().spanId;
        expect(trace.getActiveSpan()?.spanContext().spanId).toBe(userId);
        tracer.startActiveSpan("otel", (span) => {
          inner = span;
          expect(trace.getActiveSpan()).toBe(span);
          tracing.enterSpan("user-child", () => {});
          span.end();
        });
        expect(trace.getActiveSpan()?.spanContext().spanId).toBe(userId);
      }),
    );
    const otel = byName(spans, "otel");
    expect(otel.parentSpanId).toBe(userId);
    expect(inner?.spanContext()).toEqual({ traceId: otel.traceId, spanId: otel.spanId, traceFlags: 1 });
    expect(byName(spans, "user-child").parentSpanId).toBe(otel.spanId);
  });

  it("keeps the span current across await in startActiveSpan", async () => {
    const spans = await spansOf(() =>
      tracer.startActiveSpan("async", async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        tracer.startSpan("after-await").end();
        span.end();
      }),
    );
    expect(byName(spans, "after-await").parentSpanId).toBe(byName(spans, "async").spanId);
  });

  it("does not make a startSpan span current", async () => {
    const spans = await spansOf(() =>
      tracing.enterSpan("outer", () => {
        const span = tracer.startSpan("not-current");
        tracer.startSpan("sibling").end();
        span.end();
      }),
    );
    const outer = byName(spans, "outer");
    expect(byName(spans, "not-current").parentSpanId).toBe(outer.spanId);
    expect(byName(spans, "sibling").parentSpanId).toBe(outer.spanId);
  });

  it("parents a span under the span of an explicit context", async () => {
    const spans = await spansOf(() => {
      const parent = tracer.startSpan("parent");
      const child = tracer.startSpan("child", {}, trace.setSpan(context.active(), parent));
      context.with(trace.setSpan(context.active(), parent), () => {
        tracing.enterSpan("user-in-with", () => {});
        expect(trace.getActiveSpan()).toBe(parent);
      });
      child.end();
      parent.end();
    });
    const parent = byName(spans, "parent");
    expect(byName(spans, "child").parentSpanId).toBe(parent.spanId);
    expect(byName(spans, "user-in-with").parentSpanId).toBe(parent.spanId);
  });

  it("maps attributes, status, name, exceptions, events and links to the user span", async () => {
    const link = { context: { traceId: "a".repeat(32), spanId: "b".repeat(16), traceFlags: 1 } };
    const spans = await spansOf(() =>
      tracer.startActiveSpan("old", { attributes: { "from.options": 1 }, links: [link] }, (span) => {
        span.setAttribute("s", "x").setAttributes({ n: 2.5, b: true, list: ["a", "b"], skipped: undefined });
        span.setStatus({ code: SpanStatusCode.ERROR, message: "broken" });
        span.updateName("new");
        span.recordException(new RangeError("out"));
        span.addEvent("checkpoint", { step: 3 });
        expect(span.isRecording()).toBe(true);
        span.end();
        expect(span.isRecording()).toBe(false);
      }),
    );
    const span = byName(spans, "new");
    expect(attributesOf(span)).toEqual({ "from.options": 1, s: "x", n: 2.5, b: true, list: '["a","b"]' });
    expect(span.status).toEqual({ code: 2, message: "broken" });
    expect(span.links).toMatchObject([{ context: link.context }]);
    expect(span.events.map((e) => e.name)).toEqual(["exception", "log"]);
    expect(Object.fromEntries(span.events[0]!.attributes.map((a) => [a.name, a.value]))).toMatchObject({
      "exception.type": "RangeError",
      "exception.message": "out",
    });
    expect(Object.fromEntries(span.events[1]!.attributes.map((a) => [a.name, a.value]))).toMatchObject({
      "log.level": "info",
      "log.message": 'checkpoint {"step":3}',
    });
  });

  it("returns the same wrapper for a user span", async () => {
    await spansOf(() =>
      tracing.enterSpan("s", (span) => {
        expect(trace.getActiveSpan()).toBe(WorkersTracingSpan.of(span));
        expect((trace.getActiveSpan() as WorkersTracingSpan).userSpan).toBe(span);
      }),
    );
  });

  it("keeps other context values across a user span", async () => {
    const key = createContextKey("bridge-test-key");
    await spansOf(() =>
      context.with(context.active().setValue(key, 42), () =>
        tracing.enterSpan("s", (span) => {
          expect(context.active().getValue(key)).toBe(42);
          expect((trace.getActiveSpan() as WorkersTracingSpan).userSpan).toBe(span);
        }),
      ),
    );
  });

  it("gives non-recording spans outside any invocation", () => {
    expect(trace.getActiveSpan()).toBeUndefined();
    const span = tracer.startSpan("outside");
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceId).toBe("0".repeat(32));
    const result = tracer.startActiveSpan("outside", (s) => {
      expect(s.isRecording()).toBe(false);
      s.setAttribute("a", 1).end();
      return 7;
    });
    expect(result).toBe(7);
  });

  it("keeps a remote parent's span context on a non-recording span outside an invocation", () => {
    const traceparent = `00-${"1".repeat(32)}-${"2".repeat(16)}-01`;
    const remote = propagation.extract(ROOT_CONTEXT, { traceparent });
    const span = tracer.startSpan("outside", {}, remote);
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext()).toMatchObject({ traceId: "1".repeat(32), spanId: "2".repeat(16), isRemote: true });
  });

  it("injects the current user span's traceparent", async () => {
    const headers: Record<string, string> = {};
    let ids = { traceId: "", spanId: "" };
    await spansOf(() =>
      tracing.enterSpan("s", (span) => {
        ids = span.spanContext();
        propagation.inject(context.active(), headers);
      }),
    );
    expect(headers).toEqual({ traceparent: `00-${ids.traceId}-${ids.spanId}-01` });
  });

  it.for([
    "",
    "00-abc-def-01",
    `ff-${"1".repeat(32)}-${"2".repeat(16)}-01`,
    `00-${"0".repeat(32)}-${"2".repeat(16)}-01`,
    `00-${"A".repeat(32)}-${"2".repeat(16)}-01`,
  ])("ignores the invalid traceparent %j", (traceparent) => {
    expect(propagation.extract(ROOT_CONTEXT, { traceparent })).toBe(ROOT_CONTEXT);
  });

  it("ignores a traceparent sent twice", () => {
    const traceparent = [`00-${"1".repeat(32)}-${"2".repeat(16)}-01`, `00-${"3".repeat(32)}-${"2".repeat(16)}-01`];
    expect(propagation.extract(ROOT_CONTEXT, { traceparent })).toBe(ROOT_CONTEXT);
  });

  it("reads a later version's traceparent for its ids and sampled flag", () => {
    const traceparent = `cc-${"1".repeat(32)}-${"2".repeat(16)}-03-more`;
    const span = tracer.startSpan("outside", {}, propagation.extract(ROOT_CONTEXT, { traceparent }));
    expect(span.spanContext()).toStrictEqual({
      traceId: "1".repeat(32),
      spanId: "2".repeat(16),
      traceFlags: 1,
      isRemote: true,
    });
  });

  it("throws a TypeError when startActiveSpan gets no function", () => {
    expect(() => (tracer.startActiveSpan as (name: string) => unknown)("x")).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: @workers-tracing/opentelemetry: startActiveSpan() expects a function as its last argument, received none.]`,
    );
  });
});
