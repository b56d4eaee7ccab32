import { formatEventTree, type Onset, type TailEvent, type TailStreamHandler } from "@workers-tracing/core-context";
import { TERMINAL_TREE_STYLE } from "./terminal-style";

/** The output formats of `serve --tail`. */
export const TAIL_FORMATS = ["pretty", "jsonl"] as const;

/** One output format of `serve --tail`. */
export type TailFormat = (typeof TAIL_FORMATS)[number];

/** Options of {@link createPrintingTail}. */
export interface PrintingTailOptions {
  /** Writes one block of output (without its trailing newline). */
  readonly print: (text: string) => void;
  /** Colour the pretty output with ANSI escapes. */
  readonly color?: boolean;
  /** Events kept per trace for the pretty output; later ones are counted, not shown. */
  readonly maxEventsPerTrace?: number;
}

/** The pretty output's default cap on the events it holds for one trace. */
export const MAX_EVENTS_PER_TRACE = 10000;

/**
 * A streaming tail that prints what it receives: `jsonl` writes each event as one JSON line as it
 * arrives (Dates as ISO strings, BigInts as strings); `pretty` collects the invocations of each
 * trace and prints them as one event tree (callees nested under the caller's span) once every
 * invocation of the trace reported its `outcome`, followed by an empty line.
 */
export function createPrintingTail(format: TailFormat, options: PrintingTailOptions): TailStreamHandler {
  return format === "jsonl" ? jsonlTail(options.print) : new PrettyTail(options);
}

function jsonlTail(print: (text: string) => void): TailStreamHandler {
  const write = (event: TailEvent): void => print(toJsonLine(event));
  return {
    tailStream(onset) {
      write(onset);
      return write;
    },
  };
}

/** One tail event as a JSON line: Dates as ISO strings (their `toJSON`), BigInts as strings. */
export function toJsonLine(event: TailEvent): string {
  return JSON.stringify(event, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
}

interface TraceBuffer {
  readonly traceId: string;
  readonly events: TailEvent[];
  /** Invocations that started and have not reported `outcome` yet. */
  readonly open: Set<string>;
  /** Invocations and spans whose opening event was kept: their closing events are kept too. */
  readonly kept: Set<string>;
  /** Events this printer left out (past `maxEventsPerTrace`). */
  dropped: number;
  /** Events the tail queue dropped before they reached this printer (its `streamDiagnostic`s). */
  queueDropped: number;
}

/** Events that only close or complete something already shown. */
const CLOSING_TYPES = new Set(["spanClose", "attributes", "spanUpdate", "return", "outcome"]);

class PrettyTail implements TailStreamHandler {
  readonly #print: (text: string) => void;
  readonly #color: boolean;
  readonly #limit: number;
  readonly #traces = new Map<string, TraceBuffer>();

  constructor(options: PrintingTailOptions) {
    this.#print = options.print;
    this.#color = options.color === true;
    this.#limit = options.maxEventsPerTrace ?? MAX_EVENTS_PER_TRACE;
  }

  tailStream(onset: TailEvent<Onset>): (event: TailEvent) => void {
    const traceId = onset.spanContext.traceId;
    let trace = this.#traces.get(traceId);
    if (trace === undefined) {
      trace = { traceId, events: [], open: new Set(), kept: new Set(), dropped: 0, queueDropped: 0 };
      this.#traces.set(traceId, trace);
    }
    trace.open.add(onset.invocationId);
    this.#add(trace, onset);
    const buffer = trace;
    return (event) => {
      this.#add(buffer, event);
      if (event.event.type === "outcome") this.#finish(buffer, event.invocationId);
    };
  }

  #add(trace: TraceBuffer, event: TailEvent): void {
    const payload = event.event;
    if (payload.type === "streamDiagnostic") trace.queueDropped += payload.diagnostic.count;
    // Past the limit only what completes the items already kept is added, so the tree stays
    // consistent (no span shown as open because its close was left out).
    const keep =
      trace.events.length < this.#limit ||
      payload.type === "streamDiagnostic" ||
      (CLOSING_TYPES.has(payload.type) &&
        trace.kept.has(event.invocationId) &&
        (event.spanContext.spanId === undefined || trace.kept.has(event.spanContext.spanId)));
    if (!keep) {
      trace.dropped++;
      return;
    }
    trace.events.push(event);
    if (payload.type === "onset") {
      trace.kept.add(event.invocationId);
      trace.kept.add(payload.spanId);
    } else if (payload.type === "spanOpen") {
      trace.kept.add(payload.spanId);
    }
  }

  #finish(trace: TraceBuffer, invocationId: string): void {
    trace.open.delete(invocationId);
    if (trace.open.size > 0) return;
    // A callee that starts after this (from work nobody waited for) begins a new group.
    if (this.#traces.get(trace.traceId) === trace) this.#traces.delete(trace.traceId);
    let text = formatEventTree(trace.events, this.#color ? { style: TERMINAL_TREE_STYLE } : {});
    const notes: string[] = [];
    if (trace.dropped > 0) notes.push(`${trace.dropped} more events of this trace not shown`);
    if (trace.queueDropped > 0) notes.push(`the tail queue dropped ${trace.queueDropped} events of this trace`);
    if (notes.length > 0) text += `\n(${notes.join("; ")})`;
    this.#print(`${text}\n`);
  }
}
