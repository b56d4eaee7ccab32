import { afterEach, describe, expect, it, vi } from "vitest";
import { drainTailSessions, parseTraceParent, traceInvocation } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import { OtlpExporter } from "../src/index";
import { startReceiver } from "./receiver";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("README", () => {
  it("runs the example against a receiver on loopback", async () => {
    const receiver = await startReceiver();
    vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      // --- example from README.md, verbatim ---
      // Sends to $OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces (http://localhost:4318 by default).
      const exporter = new OtlpExporter({ serviceName: "orders" });
      await traceInvocation({ tail: exporter }, () =>
        tracing.enterSpan("checkout", (span) => span.setAttribute("cart.items", 3)),
      );
      await drainTailSessions(); // the tail has taken the events
      await exporter.shutdown(); // the spans are sent
      console.log(exporter.stats.exported); // 2: "checkout" and the invocation's root span
      // --- end of example ---
      expect(log.mock.calls).toEqual([[2]]);
      const spans = receiver.spans();
      expect(spans.map((s) => [s.service, s.name, s.parentSpanId === undefined])).toEqual([
        ["orders", "checkout", false],
        ["orders", "custom", true],
      ]);
      expect(spans[0]!.parentSpanId).toBe(spans[1]!.spanId);
    } finally {
      await receiver.close();
    }
  });

  it("runs the upstream-trace example: the root span joins the caller's trace", async () => {
    const receiver = await startReceiver();
    vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url);
    try {
      // --- example from README.md, "Joining an upstream trace", verbatim ---
      const exporter = new OtlpExporter({ serviceName: "orders" });
      const parent = parseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"); // a request's header
      await traceInvocation({ tail: exporter, parent }, () => "handled");
      await drainTailSessions();
      await exporter.shutdown(); // its root span: trace 4bf92f35…, parent span 00f067aa…
      // --- end of example ---
      expect(receiver.spans()).toMatchObject([
        { name: "custom", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", parentSpanId: "00f067aa0ba902b7" },
      ]);
    } finally {
      await receiver.close();
    }
  });
});
