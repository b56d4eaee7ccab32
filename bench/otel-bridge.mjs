// The OpenTelemetry API bridge's cost, ratios in one run: `tracer.startActiveSpan` through the
// bridge against our own `tracing.enterSpan`, and against the OpenTelemetry SDK doing the same op
// (BasicTracerProvider + AsyncLocalStorageContextManager + SimpleSpanProcessor, lib/otel.mjs).
// Ours and the bridge alternate in rounds; the SDK runs last (see README.md, "Method": its
// AsyncLocalStorage would tax the other ops). Prints a Markdown table and PASS/MISS rows.
import { trace } from "@opentelemetry/api";
import { registerWorkersTracing } from "@workers-tracing/opentelemetry";
import { check, ops as ours, withTrace } from "./impls/workers-tracing.mjs";
import { measureOp, median } from "./lib/measure.mjs";
import { createOtel } from "./lib/otel.mjs";

const USAGE = "usage: node bench/otel-bridge.mjs [--quick]";
// A lone "--" (what `pnpm … -- --quick` passes through) is ignored.
for (const arg of process.argv.slice(2)) {
  if (arg === "--" || arg === "--quick") continue;
  process.stderr.write(`bench:otel-bridge: unexpected argument ${JSON.stringify(arg)}; expected --quick\n${USAGE}\n`);
  process.exit(2);
}
const quick = process.argv.includes("--quick");
const rounds = quick ? 1 : 3;
const timing = quick ? { warmupMs: 100, budgetMs: 300 } : {};

const registration = registerWorkersTracing();
if (!registration.registered) {
  console.error(`otel-bridge: the bridge could not register (taken: ${registration.taken.join(", ")})`);
  process.exit(1);
}
const tracer = trace.getTracer("bench");
// The same shape as the SDK op: set an attribute, end in `finally` (enterSpan ends on its own).
const bridgeLeaf = (span) => {
  try {
    span.setAttribute("k", 1);
    return 1;
  } finally {
    span.end();
  }
};
const bridgeStartActiveSpan = () => tracer.startActiveSpan("s", bridgeLeaf);

const figures = { enterSpanSync: [], bridgeStartActiveSpan: [], otelEnterSpanSync: [] };
const bridgeRatios = [];
const eventsBefore = check().events;
for (let round = 0; round < rounds; round++) {
  console.error(`round ${round + 1}/${rounds}`);
  const a = await measureOp(ours.enterSpanSync, { name: "enterSpanSync", wrap: withTrace, ...timing });
  const b = await measureOp(bridgeStartActiveSpan, { name: "bridgeStartActiveSpan", wrap: withTrace, ...timing });
  figures.enterSpanSync.push(a.nsPerOp);
  figures.bridgeStartActiveSpan.push(b.nsPerOp);
  bridgeRatios.push(b.nsPerOp / a.nsPerOp);
}
// Every bridge span must have been a real user span: at least spanOpen, attributes and spanClose.
const bridgeEvents = check().events - eventsBefore;
const probeEvents = check().events;
withTrace(bridgeStartActiveSpan);
const perBridgeOp = check().events - probeEvents - 3; // minus the invocation's onset, return, outcome
registration.unregister();

const otel = createOtel({});
const before = otel.exported();
for (let round = 0; round < rounds; round++) {
  console.error(`OpenTelemetry SDK round ${round + 1}/${rounds}`);
  const c = await measureOp(otel.ops.otelEnterSpanSync, { name: "otelEnterSpanSync", wrap: otel.wrap, ...timing });
  figures.otelEnterSpanSync.push(c.nsPerOp);
}
const sdkExported = otel.exported() - before;
otel.park();

const ns = (values) => median(values).toFixed(1);
const bridgeRatio = median(bridgeRatios);
const sdkRatio = median(figures.otelEnterSpanSync) / median(figures.bridgeStartActiveSpan);
const checks = [
  ["each bridge span reports spanOpen, attributes and spanClose", perBridgeOp >= 3 && bridgeEvents > 0],
  ["the SDK exported its spans", sdkExported > 0],
];
const targets = [
  ["bridge tracer.startActiveSpan ≤ 2× our enterSpan", `${bridgeRatio.toFixed(2)}×`, bridgeRatio <= 2],
  ["bridge tracer.startActiveSpan ≥ 10× faster than the OTel SDK", `${sdkRatio.toFixed(1)}×`, sdkRatio >= 10],
];
const out = [
  `| op | ns/op (median of ${rounds}) |`,
  "| --- | --- |",
  `| enterSpanSync (ours) | ${ns(figures.enterSpanSync)} |`,
  `| bridgeStartActiveSpan | ${ns(figures.bridgeStartActiveSpan)} |`,
  `| otelEnterSpanSync (SDK) | ${ns(figures.otelEnterSpanSync)} |`,
  "",
  "| target | measured | result |",
  "| --- | --- | --- |",
  ...targets.map(([text, shown, pass]) => `| ${text} | ${shown} | ${pass ? "PASS" : "MISS"} |`),
  "",
  "| check | result |",
  "| --- | --- |",
  ...checks.map(([text, pass]) => `| ${text} | ${pass ? "ok" : "FAILED"} |`),
];
console.log(out.join("\n"));
if (checks.some(([, pass]) => !pass)) process.exitCode = 1;
