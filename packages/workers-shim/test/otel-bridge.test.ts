import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, type TestRuntime } from "../src/index";
import { fixtureConfig, service } from "./helpers";

// A worker that imports @opentelemetry/api gets the bridge without registering anything: its
// OpenTelemetry spans are user spans in the trace.
describe("the OpenTelemetry API in a worker", () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime(fixtureConfig([service("main", "otel-bridge/worker.js")]));
  });
  afterAll(async () => {
    await rt.close();
  });

  it("records the worker's OpenTelemetry spans as user spans nested where they run", async () => {
    const { response, trace } = await rt.fetch("http://x/");
    const handler = trace.find("handler")!;
    expect(handler.children.map((span) => span.name)).toEqual(["otel-child"]);
    const child = trace.find("otel-child")!;
    expect(child.attributes).toEqual({ answer: 42 });
    expect(child.children.map((span) => span.name)).toEqual(["otel-grandchild"]);
    const traceparent = await response.text();
    expect(traceparent).toMatch(new RegExp(`^00-[\\da-f]{32}-${child.spanId}-01$`));
    expect(traceparent).not.toContain(`00-${"0".repeat(32)}`);
  });
});

// The bridge's spans are user spans, so the own compatibility flags apply to them as to any other.
describe("the OpenTelemetry API under an own compatibility flag", () => {
  it.for([
    { flags: [], unended: undefined },
    { flags: ["workers_tracing_leak_diagnostics"], unended: "closed_by_teardown" },
  ])("marks an OpenTelemetry span left open as leak diagnostics say, with flags $flags", async ({ flags, unended }) => {
    const rt = await createTestRuntime(
      fixtureConfig([service("main", "otel-bridge/worker.js", { compatibilityFlags: flags })]),
    );
    try {
      const { trace } = await rt.fetch("http://x/leak");
      const leak = trace.find("otel-leak")!;
      expect(leak.open).toBe(false);
      expect(leak.attributes["workers_tracing.unended"]).toBe(unended);
    } finally {
      await rt.close();
    }
  });
});
