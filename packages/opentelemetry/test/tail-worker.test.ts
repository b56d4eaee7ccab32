import { describe, expect, it } from "vitest";
import { createSequentialIds, traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import { createOtlpTailWorker } from "../src/index";
import { startReceiver } from "./receiver";

describe(createOtlpTailWorker.name, () => {
  it("exports each session's spans, configured from env, flushing at the outcome", async () => {
    const receiver = await startReceiver();
    try {
      const worker = createOtlpTailWorker({ onDiagnostic: () => {} });
      expect(worker.exporter).toBeUndefined();
      const events: TailEvent[] = [];
      await traceInvocation({ tail: events, ids: createSequentialIds() }, () => tracing.enterSpan("work", () => {}));
      const env = {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: "api",
      };
      const waited: Promise<unknown>[] = [];
      const ctx = { waitUntil: (promise: Promise<unknown>) => void waited.push(promise) };
      const [onset, ...rest] = events;
      const handler = worker.tailStream(onset as TailEvent<never>, env, ctx);
      const results = rest.map((event) => handler(event));
      expect(results.slice(0, -1)).toEqual(rest.slice(0, -1).map(() => undefined));
      await results.at(-1);
      expect(waited).toEqual([results.at(-1)]);
      expect(worker.exporter!.connection).toMatchObject({ protocol: "http/json", serviceName: "api" });
      expect(receiver.spans().map((s) => [s.service, s.name])).toEqual([
        ["api", "work"],
        ["api", "custom"],
      ]);
    } finally {
      await receiver.close();
    }
  });
});
