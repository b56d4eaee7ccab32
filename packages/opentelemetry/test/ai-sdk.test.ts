// Third-party instrumentation through the bridge: the Vercel AI SDK's own OpenTelemetry spans,
// with its mock model, inside a user span.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateText } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { drainTailSessions, traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import {
  OtlpExporter,
  registerWorkersTracing,
  toOtlpSpans,
  type OtlpSpan,
  type WorkersTracingRegistration,
} from "../src/index";
import { startReceiver } from "./receiver";

let registration: WorkersTracingRegistration;

beforeAll(() => {
  registration = registerWorkersTracing();
});

afterAll(() => {
  registration.unregister();
});

function mockModel(): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    doGenerate: () =>
      Promise.resolve({
        content: [{ type: "text", text: "Hello from the mock" }],
        finishReason: { unified: "stop", raw: undefined },
        usage: {
          inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 20, text: 20, reasoning: undefined },
        },
        warnings: [],
      }),
  });
}

function ask(): Promise<string> {
  return tracing.enterSpan("handler", async () => {
    const result = await generateText({
      model: mockModel(),
      prompt: "Say hello",
      experimental_telemetry: { isEnabled: true, functionId: "greet" },
    });
    return result.text;
  });
}

function named(spans: readonly { name: string }[], name: string): number {
  const index = spans.findIndex((s) => s.name === name);
  if (index < 0) throw new Error(`no span "${name}" in ${spans.map((s) => s.name).join(", ")}`);
  return index;
}

describe("Vercel AI SDK telemetry", () => {
  it("nests the SDK's spans under the user span in the tail stream", async () => {
    const events: TailEvent[] = [];
    let text = "";
    await traceInvocation({ tail: events }, async () => {
      text = await ask();
    });
    expect(text).toBe("Hello from the mock");
    const spans: OtlpSpan[] = toOtlpSpans(events);
    const handler = spans[named(spans, "handler")]!;
    const generate = spans[named(spans, "ai.generateText")]!;
    const call = spans[named(spans, "ai.generateText.doGenerate")]!;
    expect(generate.parentSpanId).toBe(handler.spanId);
    expect(call.parentSpanId).toBe(generate.spanId);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const attributes = Object.fromEntries(generate.attributes.map((a) => [a.name, a.value]));
    expect(attributes).toMatchObject({
      "ai.operationId": "ai.generateText",
      "resource.name": "greet",
      "ai.response.text": "Hello from the mock",
      "ai.usage.inputTokens": 10,
      "ai.usage.outputTokens": 20,
    });
  });

  it("exports the SDK's spans nested under the user span over OTLP", async () => {
    const receiver = await startReceiver();
    const exporter = new OtlpExporter({ env: {}, endpoint: `${receiver.url}/v1/traces`, serviceName: "ai-app" });
    try {
      await traceInvocation({ tail: exporter }, ask);
      await drainTailSessions();
      await exporter.shutdown();
      const spans = receiver.spans();
      const handler = spans[named(spans, "handler")]!;
      const generate = spans[named(spans, "ai.generateText")]!;
      const call = spans[named(spans, "ai.generateText.doGenerate")]!;
      expect(generate.parentSpanId).toBe(handler.spanId);
      expect(call.parentSpanId).toBe(generate.spanId);
      expect(spans.every((s) => s.service === "ai-app" && s.traceId === handler.traceId)).toBe(true);
    } finally {
      await exporter.shutdown();
      await receiver.close();
    }
  });
});
