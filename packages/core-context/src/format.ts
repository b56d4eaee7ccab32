import { describeReceived } from "./describe";
import type {
  AttributeValue,
  EventInfo,
  EventOutcome,
  Log,
  Onset,
  SpanLinkInfo,
  SpanUpdate,
  TailEvent,
  TailEventPayload,
} from "./events";

/**
 * How {@link formatEventTree} marks up the parts of its text, by role: each function wraps one
 * piece of text (a terminal printer wraps it in colour escapes; the default leaves it as is).
 * @example
 * ```ts
 * const brackets: Partial<EventTreeStyle> = { failure: (text) => `[!${text}]` };
 * formatEventTree(events, { style: brackets });
 * ```
 * @public
 */
export interface EventTreeStyle {
  /** Secondary text: durations, tree lines, `return`, labels such as `log:`. */
  readonly detail: (text: string) => string;
  /** A span's name. */
  readonly name: (text: string) => string;
  /** An invocation's header (its cause). */
  readonly invocation: (text: string) => string;
  /** Exceptions, failed outcomes, error statuses and `error` logs. */
  readonly failure: (text: string) => string;
  /** The `ok` outcome. */
  readonly success: (text: string) => string;
  /** Open spans, missing outcomes, dropped events and `warn` logs. */
  readonly warning: (text: string) => string;
  /** The level of `log` and `info` logs. */
  readonly info: (text: string) => string;
  /** Attribute keys. */
  readonly key: (text: string) => string;
}

/**
 * Options of {@link formatEventTree}.
 * @public
 */
export interface FormatEventTreeOptions {
  /** The markup of each role; roles not given are left as plain text. */
  readonly style?: Partial<EventTreeStyle>;
  /**
   * Show each invocation's and span's duration; `true` by default. Without them the text of a
   * trace does not depend on timing (for snapshots).
   */
  readonly durations?: boolean;
}

type Palette = EventTreeStyle & { readonly durations: boolean };

const plain = (text: string): string => text;
const PLAIN: Palette = {
  durations: true,
  detail: plain,
  name: plain,
  invocation: plain,
  failure: plain,
  success: plain,
  warning: plain,
  info: plain,
  key: plain,
};

type Item =
  | { readonly kind: "span"; readonly time: number; readonly span: SpanModel; readonly parent?: string }
  | { readonly kind: "line"; readonly time: number; readonly render: (c: Palette) => string }
  | { readonly kind: "invocation"; readonly time: number; readonly invocation: InvocationModel };

interface SpanModel {
  name: string;
  readonly openTime: number;
  closeTime: number | undefined;
  outcome: EventOutcome | undefined;
  status: { readonly code: string; readonly message?: string } | undefined;
  readonly attributes: Map<string, AttributeValue>;
  readonly children: Item[];
}

interface InvocationModel {
  readonly invocationId: string;
  readonly traceId: string;
  onset: Onset | undefined;
  parentSpanId: string | undefined;
  readonly attributes: Map<string, AttributeValue>;
  readonly children: Item[];
  readonly spans: Map<string, SpanModel>;
  outcome: EventOutcome | undefined;
  nested: boolean;
  firstTime: number;
  lastTime: number;
}

interface TreeNode {
  readonly label: string;
  readonly children: TreeNode[];
}

/**
 * Renders the tail events of one or more invocations as an indented tree: one header per
 * invocation (its cause, outcome, duration, entrypoint and attributes), spans nested by parent
 * with their durations and attributes, and logs, exceptions and `return` under the span they
 * are attributed to.
 *
 * @remarks Events are grouped by `invocationId` and ordered by `sequence`. An invocation whose
 * onset names a span of another invocation in `events` (a traced call, spec §3.9) is nested
 * under that span. Spans never closed show `(open)`; BigInt attribute values show with an `n`.
 * The result has no trailing newline.
 * @throws TypeError if `events` is not an array of tail events.
 * @example
 * ```ts
 * const events: TailEvent[] = [];
 * await traceInvocation({ tail: events }, () => tracing.enterSpan("work", () => compute()));
 * console.log(formatEventTree(events));
 * // custom  ok  1ms
 * // ├─ work  1ms
 * // └─ return
 * ```
 * @public
 */
export function formatEventTree(events: readonly TailEvent[], options: FormatEventTreeOptions = {}): string {
  if (!Array.isArray(events)) {
    throw new TypeError(
      `core-context: formatEventTree() expects an array of tail events, received ${describeReceived(events)}.`,
    );
  }
  const c: Palette =
    options.style === undefined && options.durations !== false
      ? PLAIN
      : { ...PLAIN, ...options.style, durations: options.durations !== false };
  const invocations = buildInvocations(events);
  const roots = nestInvocations(invocations);
  const lines: string[] = [];
  for (const invocation of roots) printNode(invocationNode(invocation, c), lines, "", "", c);
  return lines.join("\n");
}

function buildInvocations(events: readonly TailEvent[]): InvocationModel[] {
  const groups = new Map<string, TailEvent[]>();
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (!isTailEvent(event)) {
      throw new TypeError(
        `core-context: formatEventTree() expects tail events, received ${describeReceived(event)} at index ${i}.`,
      );
    }
    let group = groups.get(event.invocationId);
    if (group === undefined) groups.set(event.invocationId, (group = []));
    group.push(event);
  }
  const result: InvocationModel[] = [];
  for (const [invocationId, group] of groups) {
    // A stable sort: events of equal sequence keep their delivery order.
    group.sort((a, b) => a.sequence - b.sequence);
    result.push(buildInvocation(invocationId, group));
  }
  return result;
}

function buildInvocation(invocationId: string, events: readonly TailEvent[]): InvocationModel {
  const first = events[0]!;
  const model: InvocationModel = {
    invocationId,
    traceId: first.spanContext.traceId,
    onset: undefined,
    parentSpanId: undefined,
    attributes: new Map(),
    children: [],
    spans: new Map(),
    outcome: undefined,
    nested: false,
    firstTime: Infinity,
    lastTime: -Infinity,
  };
  for (const envelope of events) {
    const time = timeOf(envelope);
    if (time < model.firstTime) model.firstTime = time;
    if (time > model.lastTime) model.lastTime = time;
    const spanId = envelope.spanContext.spanId;
    const event = envelope.event;
    const owner = spanId === undefined ? undefined : model.spans.get(spanId);
    // Events on an id this invocation never opened (the onset span, or a span of another
    // invocation on the same actor, spec §3.7) go to the invocation root.
    const onsetSpanId = model.onset?.spanId;
    const foreign =
      onsetSpanId !== undefined && spanId !== undefined && owner === undefined && spanId !== onsetSpanId
        ? spanId
        : undefined;
    const children = owner?.children ?? model.children;
    switch (event.type) {
      case "onset":
        model.onset = event;
        model.parentSpanId = spanId;
        for (const attribute of event.attributes ?? []) model.attributes.set(attribute.name, attribute.value);
        break;
      case "spanOpen": {
        const span: SpanModel = {
          name: event.name,
          openTime: time,
          closeTime: undefined,
          outcome: undefined,
          status: undefined,
          attributes: new Map(),
          children: [],
        };
        model.spans.set(event.spanId, span);
        children.push({ kind: "span", time, span, ...(foreign === undefined ? {} : { parent: foreign }) });
        break;
      }
      case "attributes":
        if (foreign !== undefined) {
          const text = event.info.map((a) => `${clean(a.name)}=${formatValue(a.value)}`).join("  ");
          children.push({ kind: "line", time, render: (c) => `${c.detail(`attributes @${foreign}`)}  ${text}` });
        } else {
          const target = owner?.attributes ?? model.attributes;
          for (const attribute of event.info) target.set(attribute.name, attribute.value);
        }
        break;
      case "spanClose":
        if (owner === undefined) {
          children.push({ kind: "line", time, render: (c) => c.detail(`spanClose of unknown span ${spanId ?? "?"}`) });
        } else {
          owner.closeTime = time;
          owner.outcome = event.outcome;
        }
        break;
      case "spanUpdate":
        applyUpdate(owner, event, children, time);
        break;
      case "outcome":
        model.outcome = event.outcome;
        break;
      default:
        children.push({
          kind: "line",
          time,
          render: (c) => eventLine(event, c) + (foreign === undefined ? "" : c.detail(`  @${foreign}`)),
        });
    }
  }
  return model;
}

function applyUpdate(owner: SpanModel | undefined, event: SpanUpdate, children: Item[], time: number): void {
  const info = event.info;
  if (owner === undefined) {
    const text = info.type === "name" ? `name=${quote(info.name)}` : `status=${statusText(info.status)}`;
    children.push({ kind: "line", time, render: (c) => c.detail(`spanUpdate ${text}`) });
  } else if (info.type === "name") {
    owner.name = info.name;
  } else {
    owner.status = info.status;
  }
}

function eventLine(event: TailEventPayload, c: Palette): string {
  switch (event.type) {
    case "log":
      return `${c.detail("log:")} ${levelColor(event.level, c)(`[${event.level}]`)} ${logText(event)}`;
    case "exception":
      return c.failure(`exception: ${clean(event.name)}: ${clean(event.message)}`);
    case "return":
      return event.info === undefined ? c.detail("return") : `${c.detail("return")} ${event.info.statusCode}`;
    case "diagnosticChannel":
      return `${c.detail("diagnosticChannel:")} ${clean(event.channel)} ${json(event.message)}`;
    case "streamDiagnostic":
      return c.warning(`dropped ${event.diagnostic.count} events`);
    case "spanLinks":
      return `${c.detail(event.links.length === 1 ? "link" : "links")} ${event.links.map(linkText).join("; ")}`;
    default:
      return c.detail(clean(String((event as { type: unknown }).type)));
  }
}

function linkText(link: SpanLinkInfo): string {
  const { traceId, spanId, traceFlags } = link.context;
  const parts = [`${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`];
  for (const attribute of link.attributes) parts.push(`${clean(attribute.name)}=${formatValue(attribute.value)}`);
  if (link.droppedAttributesCount > 0) parts.push(`(${link.droppedAttributesCount} dropped)`);
  return parts.join("  ");
}

function levelColor(level: Log["level"], c: Palette): (text: string) => string {
  if (level === "error") return c.failure;
  if (level === "warn") return c.warning;
  if (level === "debug") return c.detail;
  return c.info;
}

function logText(event: Log): string {
  const message = event.message;
  if (event.truncated === true) return `${clean(String(message))}… (truncated)`;
  if (!Array.isArray(message)) return json(message);
  return message.map((part: unknown) => (typeof part === "string" ? clean(part) : json(part))).join(" ");
}

/** Attaches every invocation whose caller span is known to that span; returns the rest. */
function nestInvocations(invocations: readonly InvocationModel[]): InvocationModel[] {
  const hostOf = new Map<InvocationModel, InvocationModel>();
  const roots: InvocationModel[] = [];
  for (const invocation of invocations) {
    const parent = invocation.parentSpanId;
    const host = parent === undefined ? undefined : findHost(invocations, invocation, parent, hostOf);
    if (host === undefined) {
      roots.push(invocation);
      continue;
    }
    hostOf.set(invocation, host.invocation);
    invocation.nested = true;
    const children = host.children;
    const time = invocation.firstTime;
    // Place the callee among the caller's items by time; the caller's own order is kept.
    let index = children.findIndex((item) => item.time > time);
    if (index === -1) index = children.length;
    children.splice(index, 0, { kind: "invocation", time, invocation });
  }
  return roots;
}

function findHost(
  invocations: readonly InvocationModel[],
  callee: InvocationModel,
  spanId: string,
  hostOf: ReadonlyMap<InvocationModel, InvocationModel>,
): { invocation: InvocationModel; children: Item[] } | undefined {
  for (const candidate of invocations) {
    if (candidate === callee || candidate.traceId !== callee.traceId) continue;
    let children: Item[] | undefined;
    if (candidate.onset?.spanId === spanId) children = candidate.children;
    else children = candidate.spans.get(spanId)?.children;
    if (children === undefined) continue;
    // Never nest a caller under its own callee.
    let up: InvocationModel | undefined = candidate;
    while (up !== undefined && up !== callee) up = hostOf.get(up);
    if (up === callee) continue;
    return { invocation: candidate, children };
  }
  return undefined;
}

function invocationNode(invocation: InvocationModel, c: Palette): TreeNode {
  const onset = invocation.onset;
  const parts: string[] = [];
  const attributes = new Map(invocation.attributes);
  if (onset === undefined) {
    parts.push(c.invocation(`invocation ${invocation.invocationId}`) + c.detail(" (no onset)"));
  } else {
    let description = describeInfo(onset.info);
    const method = attributes.get("jsrpc.method");
    if (onset.info.type === "jsrpc" && typeof method === "string") {
      description += ` ${clean(method)}`;
      attributes.delete("jsrpc.method");
    }
    parts.push(c.invocation(description));
  }
  const outcome = invocation.outcome;
  parts.push(
    outcome === undefined ? c.warning("(no outcome)") : outcome === "ok" ? c.success(outcome) : c.failure(outcome),
  );
  if (c.durations) parts.push(c.detail(duration(invocation.lastTime - invocation.firstTime)));
  if (onset?.entrypoint !== undefined) parts.push(`${c.key("entrypoint")}=${quote(onset.entrypoint)}`);
  if (onset?.durableObjectId !== undefined) parts.push(`${c.key("durableObjectId")}=${quote(onset.durableObjectId)}`);
  if (invocation.parentSpanId !== undefined && onset !== undefined && !invocation.nested) {
    parts.push(`${c.key("parent")}=${invocation.parentSpanId}`);
  }
  for (const [name, value] of attributes) parts.push(`${c.key(clean(name))}=${formatValue(value)}`);
  return { label: parts.join("  "), children: invocation.children.map((item) => itemNode(item, c)) };
}

function spanNode(span: SpanModel, c: Palette): TreeNode {
  const parts = [c.name(clean(span.name))];
  if (span.closeTime === undefined) parts.push(c.warning("(open)"));
  else if (c.durations) parts.push(c.detail(duration(span.closeTime - span.openTime)));
  if (span.outcome !== undefined && span.outcome !== "ok") parts.push(c.failure(`outcome=${span.outcome}`));
  if (span.status !== undefined) {
    const text = `status=${statusText(span.status)}`;
    parts.push(span.status.code === "error" ? c.failure(text) : text);
  }
  for (const [name, value] of span.attributes) parts.push(`${c.key(clean(name))}=${formatValue(value)}`);
  return { label: parts.join("  "), children: span.children.map((item) => itemNode(item, c)) };
}

function itemNode(item: Item, c: Palette): TreeNode {
  switch (item.kind) {
    case "span": {
      const node = spanNode(item.span, c);
      return item.parent === undefined
        ? node
        : { label: node.label + c.detail(`  @${item.parent}`), children: node.children };
    }
    case "invocation":
      return invocationNode(item.invocation, c);
    default:
      return { label: item.render(c), children: [] };
  }
}

function printNode(node: TreeNode, lines: string[], head: string, rest: string, c: Palette): void {
  lines.push(head + node.label);
  const last = node.children.length - 1;
  node.children.forEach((child, i) => {
    printNode(
      child,
      lines,
      rest + c.detail(i === last ? "└─ " : "├─ "),
      rest + c.detail(i === last ? "   " : "│  "),
      c,
    );
  });
}

function describeInfo(info: EventInfo): string {
  switch (info.type) {
    case "fetch":
      return `fetch ${clean(info.method)} ${clean(info.url)}`;
    case "scheduled":
      return info.cron === "" ? "scheduled" : `scheduled ${quote(info.cron)}`;
    case "queue":
      return `queue ${clean(info.queueName)} (${info.batchSize} ${info.batchSize === 1 ? "message" : "messages"})`;
    case "hibernatableWebSocket": {
      const ws = info.info;
      return ws.type === "close"
        ? `hibernatableWebSocket close ${ws.code}${ws.wasClean ? " clean" : ""}`
        : `hibernatableWebSocket ${ws.type}`;
    }
    case "trace":
      return `trace (${info.traces.length} ${info.traces.length === 1 ? "trace" : "traces"})`;
    case "email":
      return `email ${clean(info.mailFrom)} → ${clean(info.rcptTo)} (${info.rawSize} bytes)`;
    default:
      return clean(String((info as { type: unknown }).type));
  }
}

function statusText(status: { readonly code: string; readonly message?: string }): string {
  return status.message === undefined ? status.code : `${status.code}(${quote(status.message)})`;
}

function formatValue(value: AttributeValue): string {
  if (Array.isArray(value)) return `[${(value as readonly AttributeValue[]).map(formatValue).join(", ")}]`;
  switch (typeof value) {
    case "string":
      return quote(value);
    case "bigint":
      return `${value}n`;
    default:
      return String(value);
  }
}

function duration(ms: number): string {
  return Number.isFinite(ms) ? `${ms}ms` : "?ms";
}

function timeOf(event: TailEvent): number {
  return new Date(event.timestamp).getTime();
}

/** JSON text of a value, never throwing and never spanning lines. */
function json(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
    return text === undefined ? String(value) : text;
  } catch {
    return String(value);
  }
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/** Escapes line breaks and other control characters so every item stays on one line. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  return text.replace(/[\u0000-\u001f\u007f]/g, (ch) => JSON.stringify(ch).slice(1, -1));
}

function isTailEvent(value: unknown): value is TailEvent {
  if (value === null || typeof value !== "object") return false;
  const event = value as Partial<TailEvent>;
  return (
    typeof event.invocationId === "string" &&
    typeof event.sequence === "number" &&
    event.spanContext !== null &&
    typeof event.spanContext === "object" &&
    event.event !== null &&
    typeof event.event === "object" &&
    typeof (event.event as { type?: unknown }).type === "string"
  );
}
