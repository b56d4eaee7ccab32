// The style and script of the trace report page (see html-report.ts): plain CSS and browser
// JavaScript, inlined into the page so that it works from a file and offline. The script reads
// the traces from the page's JSON data element and builds everything with DOM calls (text is
// never parsed as HTML).

export const REPORT_STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #646d76; --line: #d8dee4;
  --sel: #ddf4ff; --err: #cf222e; --bar-h: 12px; font: 13px/1.4 system-ui, sans-serif; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0;
  --line: #30363d; --sel: #1f3a5a; --err: #ff7b72; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 8px 12px;
  border-bottom: 1px solid var(--line); }
h1 { font-size: 15px; margin: 0 12px 0 0; }
input, select, button { font: inherit; color: inherit; background: transparent;
  border: 1px solid var(--line); border-radius: 4px; padding: 3px 6px; }
#count { color: var(--muted); }
main { display: grid; grid-template-columns: minmax(200px, 22%) 1fr minmax(220px, 26%);
  height: calc(100vh - 48px); }
@media (max-width: 900px) { main { grid-template-columns: 1fr; height: auto; } }
nav, #trace, #detail { overflow: auto; border-right: 1px solid var(--line); }
ol { list-style: none; margin: 0; padding: 0; }
#traces button { display: block; width: 100%; text-align: left; border: 0; border-bottom: 1px solid var(--line);
  border-radius: 0; padding: 6px 10px; cursor: pointer; }
#traces button[aria-current="true"] { background: var(--sel); }
#traces .meta { color: var(--muted); font-size: 12px; }
.bad { color: var(--err); }
.row { display: grid; grid-template-columns: minmax(160px, 40%) 1fr; align-items: center; min-height: 22px;
  border-bottom: 1px solid var(--line); cursor: pointer; }
.row:focus { outline: 2px solid #0969da; outline-offset: -2px; }
.row[aria-selected="true"] { background: var(--sel); }
.label { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding-right: 6px; }
.toggle { width: 18px; border: 0; padding: 0; }
.track { position: relative; height: var(--bar-h); }
.bar { position: absolute; top: 0; height: var(--bar-h); min-width: 2px; border-radius: 2px; opacity: .85; }
.row.error .bar { outline: 2px solid var(--err); }
.row.open .bar { background-image: repeating-linear-gradient(45deg, transparent 0 4px, rgba(0,0,0,.25) 4px 8px); }
.marker { position: absolute; top: -2px; width: 3px; height: calc(var(--bar-h) + 4px); background: var(--fg); }
.marker.exception { background: var(--err); }
.tag { color: var(--muted); font-size: 12px; margin-left: 6px; }
#detail { padding: 8px 12px; }
#trace { padding: 0 10px 10px; }
#trace h2, #detail h2 { font-size: 15px; }
#detail td:first-child { white-space: nowrap; width: 1%; color: var(--muted); }
#detail table { border-collapse: collapse; width: 100%; }
#detail td { border-bottom: 1px solid var(--line); padding: 2px 4px; vertical-align: top; word-break: break-all; }
.empty { color: var(--muted); padding: 12px; }
`;

export const REPORT_SCRIPT = `
(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("data").textContent);
  const traces = data.traces;
  let dropped = data.dropped;
  const list = document.getElementById("traces");
  const filter = document.getElementById("filter");
  const outcome = document.getElementById("outcome");
  const count = document.getElementById("count");
  const view = document.getElementById("trace");
  const detail = document.getElementById("detail");
  const COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#e15759"];
  const colourOf = new Map();
  const collapsed = new Set();
  let current = null;
  let selectedSpan = null;

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }
  const ms = (value) => (value < 1000 ? Math.round(value) + "ms" : (value / 1000).toFixed(2) + "s");
  const isError = (span) =>
    (span.status && span.status.code === "error") ||
    (span.outcome !== undefined && span.outcome !== "ok") ||
    span.events.some((event) => event.type === "exception");
  const show = (value) => (typeof value === "string" ? JSON.stringify(value) : String(value));
  const contains = (span, text) => span.name.toLowerCase().includes(text) || span.children.some((c) => contains(c, text));

  function renderList() {
    const text = filter.value.trim().toLowerCase();
    const wanted = outcome.value;
    const shown = traces.filter(
      (trace) =>
        (text === "" || trace.name.toLowerCase().includes(text) || trace.roots.some((root) => contains(root, text))) &&
        (wanted === "" || (wanted === "error" ? trace.error : !trace.error)),
    );
    list.replaceChildren(
      ...shown.map((trace) =>
        el(
          "li",
          {},
          el(
            "button",
            { type: "button", "aria-current": String(trace === current), "data-trace": trace.traceId, onclick: () => select(trace) },
            el("div", { text: trace.name }),
            el(
              "div",
              { class: "meta" },
              el("span", { class: trace.error ? "bad" : "", text: trace.outcome + (trace.error ? " · error" : "") }),
              " · " + ms(trace.durationMs) + " · " + trace.spanCount + " spans",
            ),
          ),
        ),
      ),
    );
    count.textContent =
      shown.length + " of " + traces.length + " traces" + (dropped > 0 ? " (" + dropped + " older ones dropped)" : "");
  }

  function rowsOf(spans, depth, colour, out) {
    for (const span of spans) {
      const own = span.kind === "invocation" ? colourFor(span) : colour;
      out.push({ span, depth, colour: own });
      if (!collapsed.has(span) && span.children.length > 0) rowsOf(span.children, depth + 1, own, out);
    }
    return out;
  }
  function colourFor(span) {
    const key = span.entrypoint || span.name.split(" ")[0];
    if (!colourOf.has(key)) colourOf.set(key, COLOURS[colourOf.size % COLOURS.length]);
    return colourOf.get(key);
  }

  function select(trace) {
    current = trace;
    selectedSpan = null;
    renderList();
    renderTrace();
    detail.replaceChildren();
  }

  function renderTrace() {
    if (current === null) return;
    const start = current.startTime;
    const total = Math.max(current.durationMs, 1);
    const at = (time) => Math.min(100, Math.max(0, ((time - start) / total) * 100));
    const rows = rowsOf(current.roots, 0, COLOURS[0], []);
    const tree = el("div", { role: "tree", "aria-label": current.name });
    for (const { span, depth, colour } of rows) {
      const toggle =
        span.children.length > 0
          ? el("button", {
              class: "toggle",
              type: "button",
              tabindex: "-1",
              "aria-label": collapsed.has(span) ? "expand" : "collapse",
              text: collapsed.has(span) ? "▸" : "▾",
              onclick: (event) => {
                event.stopPropagation();
                flip(span);
              },
            })
          : el("span", { class: "toggle" });
      const bar = el("div", { class: "bar" });
      bar.style.left = at(span.startTime) + "%";
      bar.style.width = Math.max(at(span.startTime + span.durationMs) - at(span.startTime), 0.2) + "%";
      bar.style.background = colour;
      const track = el("div", { class: "track" }, bar);
      for (const event of span.events) {
        if (event.type !== "log" && event.type !== "exception") continue;
        const marker = el("span", { class: "marker " + event.type, title: event.type + (event.level ? " " + event.level : "") });
        marker.style.left = at(event.time) + "%";
        track.append(marker);
      }
      const label = el(
        "div",
        { class: "label" },
        toggle,
        el("span", { class: "name", text: span.name }),
        el("span", { class: "tag", text: span.open ? "(open)" : ms(span.durationMs) }),
      );
      label.style.paddingLeft = depth * 14 + "px";
      const row = el(
        "div",
        {
          class: "row" + (isError(span) ? " error" : "") + (span.open ? " open" : ""),
          role: "treeitem",
          tabindex: "0",
          "aria-level": String(depth + 1),
          "aria-selected": String(span === selectedSpan),
          "data-span": span.spanId,
          onclick: () => pick(span),
          onkeydown: (event) => key(event, span),
        },
        label,
        track,
      );
      if (span.children.length > 0) row.setAttribute("aria-expanded", String(!collapsed.has(span)));
      tree.append(row);
    }
    view.replaceChildren(
      el("h2", { text: current.name }),
      el("p", { class: "meta", text: "trace " + current.traceId + " · " + current.outcome + " · " + ms(current.durationMs) }),
      tree,
    );
  }

  function flip(span) {
    if (collapsed.has(span)) collapsed.delete(span);
    else collapsed.add(span);
    renderTrace();
    focusRow(span);
  }
  function focusRow(span) {
    const row = view.querySelector('[data-span="' + span.spanId + '"]');
    if (row) row.focus();
  }
  function key(event, span) {
    const rows = [...view.querySelectorAll(".row")];
    const index = rows.indexOf(event.currentTarget);
    if (event.key === "ArrowDown" && index + 1 < rows.length) rows[index + 1].focus();
    else if (event.key === "ArrowUp" && index > 0) rows[index - 1].focus();
    else if (event.key === "ArrowLeft" && span.children.length > 0 && !collapsed.has(span)) flip(span);
    else if (event.key === "ArrowRight" && collapsed.has(span)) flip(span);
    else if (event.key === "Enter" || event.key === " ") pick(span);
    else return;
    event.preventDefault();
  }

  function pick(span) {
    selectedSpan = span;
    for (const row of view.querySelectorAll(".row")) row.setAttribute("aria-selected", String(row.dataset.span === span.spanId));
    const attributes = Object.entries(span.attributes);
    const facts = [
      ["kind", span.kind],
      ["span id", span.spanId],
      ["trace id", current.traceId],
      ["start", new Date(span.startTime).toISOString()],
      ["duration", span.open ? "(open)" : ms(span.durationMs)],
    ];
    if (span.entrypoint) facts.push(["entrypoint", span.entrypoint]);
    if (span.outcome) facts.push(["outcome", span.outcome]);
    if (span.status) facts.push(["status", span.status.code + (span.status.message ? ": " + span.status.message : "")]);
    const table = (rows) =>
      el("table", {}, ...rows.map(([name, value]) => el("tr", {}, el("td", { text: name }), el("td", { text: value }))));
    detail.replaceChildren(
      el("h2", { text: span.name }),
      table(facts),
      el("h3", { text: "Attributes" }),
      attributes.length === 0 ? el("p", { class: "empty", text: "none" }) : table(attributes.map(([k, v]) => [k, show(v)])),
      el("h3", { text: "Events" }),
      span.events.length === 0
        ? el("p", { class: "empty", text: "none" })
        : el("ol", { class: "events" }, ...span.events.map((event) => el("li", { text: describeEvent(event) }))),
    );
  }
  function describeEvent(event) {
    const offset = "+" + ms(event.time - current.startTime) + " ";
    if (event.type === "log") return offset + "log [" + event.level + "] " + (Array.isArray(event.message) ? event.message.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(" ") : JSON.stringify(event.message));
    if (event.type === "exception") return offset + "exception " + event.name + ": " + event.message;
    if (event.type === "return") return offset + "return" + (event.info ? " " + event.info.statusCode : "");
    return offset + event.type;
  }

  // A live page: each message is a trace, new or grown since it was last sent.
  if (data.live && typeof EventSource === "function") {
    const source = new EventSource("events");
    source.addEventListener("trace", (message) => {
      const update = JSON.parse(message.data);
      dropped = update.dropped;
      const index = traces.findIndex((trace) => trace.traceId === update.trace.traceId);
      if (index >= 0) traces.splice(index, 1);
      traces.unshift(update.trace);
      traces.sort((a, b) => b.startTime - a.startTime);
      if (update.limit > 0 && traces.length > update.limit) traces.length = update.limit;
      const wasCurrent = current !== null && current.traceId === update.trace.traceId;
      if (wasCurrent) current = update.trace;
      renderList();
      if (current === null) select(update.trace);
      else if (wasCurrent) renderTrace();
    });
  }

  filter.addEventListener("input", renderList);
  outcome.addEventListener("change", renderList);
  renderList();
  if (traces.length > 0) select(traces[0]);
  else view.replaceChildren(el("p", { class: "empty", text: "No traces." }));
})();
`;
