import { describeReceived, type TailEvent } from "@workers-tracing/core-context";
import { traceTree, type TraceSpan } from "../testing/trace-tree";
import { REPORT_SCRIPT, REPORT_STYLE } from "./page";

/**
 * Options of {@link renderTraceReport}.
 * @public
 */
export interface TraceReportOptions {
  /** The page title; `workers-shim traces` by default. */
  readonly title?: string;
}

/** One trace as the page gets it: its root invocations and a summary line. */
export interface ReportTrace {
  readonly traceId: string;
  readonly name: string;
  readonly outcome: string;
  readonly startTime: number;
  readonly durationMs: number;
  readonly spanCount: number;
  readonly error: boolean;
  readonly roots: readonly TraceSpan[];
}

function isError(span: TraceSpan): boolean {
  return (
    span.status?.code === "error" ||
    (span.outcome !== undefined && span.outcome !== "ok") ||
    span.events.some((event) => event.type === "exception")
  );
}

function countSpans(spans: readonly TraceSpan[]): { count: number; error: boolean; end: number } {
  let count = 0;
  let error = false;
  let end = -Infinity;
  const visit = (span: TraceSpan): void => {
    count++;
    if (isError(span)) error = true;
    end = Math.max(end, span.startTime + span.durationMs);
    for (const event of span.events) end = Math.max(end, event.time);
    span.children.forEach(visit);
  };
  spans.forEach(visit);
  return { count, error, end };
}

/** The traces of `events`, newest first: one per trace id, its invocations nested by caller. */
export function toReportTraces(events: readonly TailEvent[]): ReportTrace[] {
  const byTrace = new Map<string, TailEvent[]>();
  for (const event of events) {
    const traceId = event.spanContext.traceId;
    let list = byTrace.get(traceId);
    if (list === undefined) byTrace.set(traceId, (list = []));
    list.push(event);
  }
  const traces: ReportTrace[] = [];
  for (const [traceId, list] of byTrace) {
    const roots = traceTree(list).roots;
    if (roots.length === 0) continue;
    const first = roots[0]!;
    const { count, error, end } = countSpans(roots);
    const startTime = Math.min(...roots.map((root) => root.startTime));
    traces.push({
      traceId,
      name: first.name,
      outcome: first.outcome ?? "(no outcome)",
      startTime,
      durationMs: Math.max(0, end - startTime),
      spanCount: count,
      error,
      roots,
    });
  }
  return traces.sort((a, b) => b.startTime - a.startTime);
}

/** JSON that can sit inside a `<script>` element: no `<`, no line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Renders tail events as one self-contained HTML page (inline style, script and data; nothing is
 * fetched): a list of the traces, newest first, filterable by text and outcome, and each trace
 * as a waterfall of its spans across services, with the attributes, events and ids of the span
 * you select. `workers-shim test --html <file>` writes it.
 * @throws TypeError if `events` is not an array.
 * @example
 * ```ts
 * writeFileSync("traces.html", renderTraceReport(events));
 * ```
 * @public
 */
export function renderTraceReport(events: readonly TailEvent[], options: TraceReportOptions = {}): string {
  const received: unknown = events;
  if (!Array.isArray(received)) {
    throw new TypeError(
      `workers-shim: renderTraceReport() expects an array of tail events, received ${describeReceived(events)}.`,
    );
  }
  return renderPage(toReportTraces(events), { title: options.title ?? "workers-shim traces", live: false, dropped: 0 });
}

/** The page around `traces`; a live page also listens for trace updates on `./events`. */
export function renderPage(
  traces: readonly ReportTrace[],
  options: { readonly title: string; readonly live: boolean; readonly dropped: number },
): string {
  const title = options.title;
  const data = { live: options.live, dropped: options.dropped, traces };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<input id="filter" type="search" placeholder="Filter traces and spans" aria-label="Filter traces">
<select id="outcome" aria-label="Outcome"><option value="">all outcomes</option><option value="ok">ok</option><option value="error">errors</option></select>
<span id="count"></span></header>
<main>
<nav><ol id="traces" aria-label="Traces"></ol></nav>
<section id="trace" aria-live="polite"><p class="empty">Select a trace.</p></section>
<aside id="detail" aria-label="Span details"></aside>
</main>
<script type="application/json" id="data">${scriptJson(data)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
