import { fileURLToPath } from "node:url";
import type { TailEvent } from "@workers-tracing/core-context";
import { createRuntime, validateConfig, type Runtime, type ShimConfig } from "../src/index";

/** The fixture workers' folder. */
export const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));

/** A fixed "today" for the compatibility-date checks. */
export const TODAY = "2026-11-23";

const EVENTS = Symbol.for("workers-shim.test.events");
const RESULTS = Symbol.for("workers-shim.test.results");

type Registry = { [EVENTS]?: TailEvent[]; [RESULTS]?: unknown[] };

/** Builds a config from plain service objects; module paths are relative to `test/fixtures`. */
export function fixtureConfig(services: readonly object[], experimental = false): ShimConfig {
  return validateConfig({ services }, { baseDir: FIXTURES, today: TODAY, experimental });
}

/** A service running `esModule` (relative to the fixtures) with the given worker fields. */
export function service(name: string, esModule: string, worker: Record<string, unknown> = {}): object {
  return {
    name,
    worker: { modules: [{ name: "worker", esModule }], compatibilityDate: "2026-11-01", ...worker },
  };
}

/** The collecting tail worker (`fixtures/shared/collect-tail.js`) as a service named `tail`. */
export const COLLECTOR = service("tail", "shared/collect-tail.js");

/** Forgets the events and results of earlier tests. */
export function resetRecords(): void {
  (globalThis as Registry)[EVENTS] = [];
  (globalThis as Registry)[RESULTS] = [];
}

/** What fixture workers recorded in `globalThis[Symbol.for("workers-shim.test.results")]`. */
export function results(): unknown[] {
  return (globalThis as Registry)[RESULTS] ?? [];
}

/** Every event the collecting tail received so far. */
export function events(): TailEvent[] {
  return (globalThis as Registry)[EVENTS] ?? [];
}

/**
 * Lets queued tail deliveries and pending invocations finish: waits turns of the event loop
 * (timers included) until every invocation seen so far has its outcome, for at most 1000 turns.
 */
export async function drainTails(): Promise<void> {
  for (let turn = 0; turn < 1000; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const open = new Set<string>();
    for (const event of events()) {
      if (event.event.type === "onset") open.add(event.invocationId);
      if (event.event.type === "outcome") open.delete(event.invocationId);
    }
    if (open.size === 0 && turn >= 2) return;
  }
}

/** One invocation's events, in sequence order. */
export interface InvocationEvents {
  readonly onset: TailEvent;
  readonly events: readonly TailEvent[];
}

/** The collected events grouped by invocation, in the order the onsets arrived. */
export function invocations(): InvocationEvents[] {
  const groups = new Map<string, TailEvent[]>();
  for (const event of events()) {
    let group = groups.get(event.invocationId);
    if (group === undefined) groups.set(event.invocationId, (group = []));
    group.push(event);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => a.sequence - b.sequence);
    return { onset: sorted[0]!, events: sorted };
  });
}

/** A compact view of events: `type`, plus the name of opened spans, log messages and outcomes. */
export function summarize(list: readonly TailEvent[]): string[] {
  return list.map((event) => {
    const payload = event.event as unknown as Record<string, unknown>;
    switch (payload["type"]) {
      case "onset":
        return `onset ${(payload["info"] as { type: string }).type}`;
      case "spanOpen":
        return `spanOpen ${String(payload["name"])}`;
      case "log":
        return `log ${JSON.stringify(payload["message"])}`;
      case "exception":
        return `exception ${String(payload["name"])}: ${String(payload["message"])}`;
      case "outcome":
        return `outcome ${String(payload["outcome"])}`;
      case "attributes":
        return `attributes ${(payload["info"] as { name: string }[]).map((a) => a.name).join(",")}`;
      default:
        return String(payload["type"]);
    }
  });
}

/**
 * One invocation's events as lines, `<type> <span> <details>`, with span ids replaced by span
 * names (`(onset)` for the invocation span): the form the README's flag examples show.
 */
export function eventLines(events: readonly TailEvent[]): string[] {
  const names = new Map<string, string>();
  for (const e of events) {
    if (e.event.type === "onset") names.set(e.event.spanId, "(onset)");
    if (e.event.type === "spanOpen") names.set(e.event.spanId, e.event.name);
  }
  return events.map((e) => {
    const on = names.get(e.spanContext.spanId ?? "") ?? "-";
    const event = e.event;
    switch (event.type) {
      case "onset":
        return "onset";
      case "spanOpen":
        return `spanOpen ${event.name} under ${on}`;
      case "spanClose":
        return `spanClose ${on} ${event.outcome}`;
      case "attributes":
        return `attributes ${on} ${event.info.map((a) => `${a.name}=${attributeText(a.value)}`).join(" ")}`;
      case "exception":
        return `exception ${on} ${event.name}: ${event.message}`;
      case "spanUpdate":
        return event.info.type === "status"
          ? `spanUpdate ${on} status ${event.info.status.code}${event.info.status.message === undefined ? "" : ` ${JSON.stringify(event.info.status.message)}`}`
          : `spanUpdate ${on} name ${JSON.stringify(event.info.name)}`;
      case "log":
        return `log ${on} ${JSON.stringify(event.message)}`;
      case "return":
        return "return";
      case "outcome":
        return `outcome ${event.outcome}${event.unendedSpans === undefined ? "" : ` unendedSpans=${event.unendedSpans}`}`;
      default:
        return `${event.type} ${on}`;
    }
  });
}

/** An attribute value as {@link eventLines} shows it: span ids (16 hex digits) as `<span id>`. */
function attributeText(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string" && /^[0-9a-f]{16}$/.test(value)) return "<span id>";
  return JSON.stringify(value);
}

/** Starts a runtime for `config`, collecting its warnings instead of printing them. */
export async function start(config: ShimConfig): Promise<{ runtime: Runtime; warnings: string[] }> {
  const warnings: string[] = [];
  const runtime = await createRuntime(config, { onWarning: (message) => warnings.push(message) });
  return { runtime, warnings };
}
