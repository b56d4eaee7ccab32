import {
  describeReceived,
  formatEventTree,
  type AttributeValue,
  type EventInfo,
  type EventOutcome,
  type TailEvent,
  type TailEventPayload,
} from "@workers-tracing/core-context";

/**
 * One span of a {@link TraceTree}: a user or runtime span, or an invocation (the span that
 * stands for one handler run: `kind: "invocation"`, named after its event, e.g. `fetch GET /`).
 * @public
 */
export interface TraceSpan {
  /** `"invocation"` for a handler run, `"span"` for a span opened in it. */
  readonly kind: "invocation" | "span";
  /** The span's name (after `updateName`); for an invocation, its event, e.g. `fetch GET /cart`. */
  readonly name: string;
  /** The span id as reported (the onset span id for an invocation). */
  readonly spanId: string;
  /** Its attributes, later values replacing earlier ones. */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** The status set with `setStatus`, if any. */
  readonly status?: { readonly code: string; readonly message?: string };
  /** For an invocation: its entrypoint (the named export or Durable Object class), if any. */
  readonly entrypoint?: string;
  /** For an invocation: its outcome (`"ok"`, `"exception"`, …); `undefined` if it never came. */
  readonly outcome?: EventOutcome;
  /**
   * `log`, `exception`, `return`, `diagnosticChannel` and `spanLinks` events attributed to it, in
   * order, each with the `time` it was reported (milliseconds since the epoch).
   */
  readonly events: readonly TraceSpanEvent[];
  /** Child spans and the invocations they called, in the order they started. */
  readonly children: readonly TraceSpan[];
  /** `true` if the span never closed (for an invocation: no `outcome`). */
  readonly open: boolean;
  /** When it started, in milliseconds since the epoch. */
  readonly startTime: number;
  /** Milliseconds from its start to its end (to the last event of its invocation when open). */
  readonly durationMs: number;
}

/**
 * An event attributed to a {@link TraceSpan}: the tail event's payload and when it was reported.
 * @public
 */
export type TraceSpanEvent = TailEventPayload & {
  /** When the event was reported, in milliseconds since the epoch. */
  readonly time: number;
};

/**
 * The spans of one or more invocations as trees: each invocation under the span that called it,
 * when that span is among the events (a service binding, RPC or Durable Object call).
 * @public
 */
export interface TraceTree {
  /** The invocations nobody in the events called, in the order they started. */
  readonly roots: readonly TraceSpan[];
  /** The tail events the tree was built from. */
  readonly events: readonly TailEvent[];
  /** Every span and invocation, depth first. */
  spans(): TraceSpan[];
  /** The first span named `name` (depth first), or `undefined`. */
  find(name: string): TraceSpan | undefined;
  /** Every span named `name` (depth first). */
  findAll(name: string): TraceSpan[];
  /** The spans and invocations that never closed. */
  openSpans(): TraceSpan[];
  /**
   * The tree as text, as `serve --tail pretty` prints it but without durations, so that it is
   * the same on every run when ids are stable (as they are with `createTestRuntime`).
   */
  toString(): string;
}

interface MutableSpan {
  kind: "invocation" | "span";
  name: string;
  spanId: string;
  attributes: Record<string, AttributeValue>;
  status?: { readonly code: string; readonly message?: string };
  entrypoint?: string;
  outcome?: EventOutcome;
  events: TraceSpanEvent[];
  children: MutableSpan[];
  open: boolean;
  durationMs: number;
  start: number;
  end: number | undefined;
}

function invocationName(info: EventInfo | undefined): string {
  if (info === undefined) return "invocation";
  switch (info.type) {
    case "fetch":
      return `fetch ${info.method} ${info.url}`;
    case "jsrpc":
      return "jsrpc";
    case "scheduled":
      return `scheduled ${info.cron}`;
    case "queue":
      return `queue ${info.queueName}`;
    default:
      return info.type;
  }
}

/**
 * Builds the span trees of tail events (of any number of invocations, in any order): what
 * `createTestRuntime` hands back as a request's `trace`, usable as well on the events of
 * `traceInvocation` in plain Node.
 * @throws TypeError if `events` is not an array.
 * @example
 * ```ts
 * const events: TailEvent[] = [];
 * await traceInvocation({ tail: events }, () => tracing.enterSpan("work", () => {}));
 * traceTree(events).find("work")?.open; // false
 * ```
 * @public
 */
export function traceTree(events: readonly TailEvent[]): TraceTree {
  const received: unknown = events;
  if (!Array.isArray(received)) {
    throw new TypeError(
      `workers-shim: traceTree() expects an array of tail events, received ${describeReceived(events)}.`,
    );
  }
  const groups = new Map<string, TailEvent[]>();
  for (const event of events) {
    let group = groups.get(event.invocationId);
    if (group === undefined) groups.set(event.invocationId, (group = []));
    group.push(event);
  }
  const invocations: { span: MutableSpan; parent: string | undefined; spans: Map<string, MutableSpan> }[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => a.sequence - b.sequence);
    invocations.push(buildInvocation(group));
  }
  invocations.sort((a, b) => a.span.start - b.span.start);
  const roots: MutableSpan[] = [];
  for (const invocation of invocations) {
    const parent = invocation.parent;
    const host =
      parent === undefined
        ? undefined
        : invocations.find((other) => other !== invocation && other.spans.has(parent))?.spans.get(parent);
    if (host === undefined) roots.push(invocation.span);
    else host.children.push(invocation.span);
  }
  for (const root of roots) sortChildren(root);
  return new Tree(roots, events);
}

function sortChildren(span: MutableSpan): void {
  span.children.sort((a, b) => a.start - b.start);
  for (const child of span.children) sortChildren(child);
}

function buildInvocation(group: readonly TailEvent[]): {
  span: MutableSpan;
  parent: string | undefined;
  spans: Map<string, MutableSpan>;
} {
  const first = group[0]!;
  const last = group[group.length - 1]!;
  const root: MutableSpan = {
    kind: "invocation",
    name: "invocation",
    spanId: "",
    attributes: {},
    events: [],
    children: [],
    open: true,
    durationMs: 0,
    start: first.timestamp.getTime(),
    end: undefined,
  };
  const spans = new Map<string, MutableSpan>();
  let parent: string | undefined;
  for (const envelope of group) {
    const event = envelope.event;
    const time = envelope.timestamp.getTime();
    const target =
      (envelope.spanContext.spanId === undefined ? undefined : spans.get(envelope.spanContext.spanId)) ?? root;
    switch (event.type) {
      case "onset":
        root.name = invocationName(event.info);
        root.spanId = event.spanId;
        if (event.entrypoint !== undefined) root.entrypoint = event.entrypoint;
        for (const attribute of event.attributes ?? []) root.attributes[attribute.name] = attribute.value;
        spans.set(event.spanId, root);
        parent = envelope.spanContext.spanId;
        break;
      case "spanOpen": {
        const span: MutableSpan = {
          kind: "span",
          name: event.name,
          spanId: event.spanId,
          attributes: {},
          events: [],
          children: [],
          open: true,
          durationMs: 0,
          start: time,
          end: undefined,
        };
        spans.set(event.spanId, span);
        target.children.push(span);
        break;
      }
      case "attributes":
        for (const attribute of event.info) target.attributes[attribute.name] = attribute.value;
        break;
      case "spanClose":
        target.open = false;
        target.end = time;
        break;
      case "spanUpdate":
        if (event.info.type === "name") target.name = event.info.name;
        else target.status = event.info.status;
        break;
      case "outcome":
        root.outcome = event.outcome;
        root.open = false;
        root.end = time;
        break;
      default:
        target.events.push({ ...event, time });
    }
  }
  // An RPC invocation reports its method as an attribute once it knows it (as the pretty tail shows).
  const method = root.attributes["jsrpc.method"];
  if (root.name === "jsrpc" && typeof method === "string") root.name = `jsrpc ${method}`;
  const lastTime = last.timestamp.getTime();
  for (const span of spans.values()) span.durationMs = (span.end ?? lastTime) - span.start;
  return { span: root, parent, spans };
}

function strip(span: MutableSpan): TraceSpan {
  const result: {
    -readonly [K in keyof TraceSpan]: TraceSpan[K];
  } = {
    kind: span.kind,
    name: span.name,
    spanId: span.spanId,
    attributes: span.attributes,
    events: span.events,
    children: span.children.map(strip),
    open: span.open,
    startTime: span.start,
    durationMs: span.durationMs,
  };
  if (span.status !== undefined) result.status = span.status;
  if (span.entrypoint !== undefined) result.entrypoint = span.entrypoint;
  if (span.outcome !== undefined) result.outcome = span.outcome;
  return result;
}

class Tree implements TraceTree {
  readonly roots: readonly TraceSpan[];
  readonly events: readonly TailEvent[];

  constructor(roots: readonly MutableSpan[], events: readonly TailEvent[]) {
    this.roots = roots.map(strip);
    this.events = events;
  }

  spans(): TraceSpan[] {
    const all: TraceSpan[] = [];
    const visit = (span: TraceSpan): void => {
      all.push(span);
      for (const child of span.children) visit(child);
    };
    for (const root of this.roots) visit(root);
    return all;
  }

  find(name: string): TraceSpan | undefined {
    return this.spans().find((span) => span.name === name);
  }

  findAll(name: string): TraceSpan[] {
    return this.spans().filter((span) => span.name === name);
  }

  openSpans(): TraceSpan[] {
    return this.spans().filter((span) => span.open);
  }

  toString(): string {
    return formatEventTree(this.events, { durations: false });
  }
}
