// The OpenTelemetry SDK comparison: BasicTracerProvider + AsyncLocalStorageContextManager +
// SimpleSpanProcessor into an exporter that only counts. Every batch runs inside one sampled
// root span "request"; enterSpan's "ends on return or throw" is reproduced with try/finally.
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

/** Counts exported spans and drops them, so nothing accumulates in memory. */
class CountingExporter {
  count = 0;
  export(spans, done) {
    this.count += spans.length;
    done({ code: 0 });
  }
  shutdown() {
    return Promise.resolve();
  }
  forceFlush() {
    return Promise.resolve();
  }
}

const isThenable = (v) => v !== null && typeof v === "object" && typeof v.then === "function";

/** Sets up the SDK globally and returns its ops, the batch wrapper and the export counter. */
export function createOtel(TEN_ATTRIBUTES) {
  const exporter = new CountingExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  const tracer = trace.getTracer("bench");

  const wrap = (run) =>
    tracer.startActiveSpan("request", (root) => {
      let r;
      try {
        r = run();
      } catch (error) {
        root.end();
        throw error;
      }
      if (isThenable(r)) return r.finally(() => root.end());
      root.end();
      return r;
    });

  const leafSync = (span) => {
    try {
      span.setAttribute("k", 1);
      return 1;
    } finally {
      span.end();
    }
  };
  const leafAsync = async (span) => {
    try {
      span.setAttribute("k", 1);
      await null;
      return 1;
    } finally {
      span.end();
    }
  };
  const nestC = (c) => leafSync(c);
  const nestB = (b) => {
    try {
      return tracer.startActiveSpan("c", nestC);
    } finally {
      b.end();
    }
  };
  const nestA = (a) => {
    try {
      return tracer.startActiveSpan("b", nestB);
    } finally {
      a.end();
    }
  };

  const ops = {
    otelEnterSpanSync: () => tracer.startActiveSpan("s", leafSync),
    otelEnterSpanAsync: () => tracer.startActiveSpan("s", leafAsync),
    otelNested3: () => tracer.startActiveSpan("a", nestA),
    otelStartSpanManual: () => {
      const s = tracer.startSpan("s");
      s.setAttribute("k", 1);
      s.end();
      return 1;
    },
    otelSetAttributes10: () => {
      const s = tracer.startSpan("s");
      s.setAttributes(TEN_ATTRIBUTES);
      s.end();
      return 1;
    },
  };
  return {
    ops,
    wrap,
    exported: () => exporter.count,
    /** Takes the SDK's AsyncLocalStorage out of Node's hook list, so it taxes no other op. */
    park: () => contextManager.disable(),
  };
}
