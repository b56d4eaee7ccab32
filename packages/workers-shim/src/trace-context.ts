import {
  currentUserSpan,
  formatTraceParent,
  parseTraceParent,
  parseTraceState,
  type TraceParent,
} from "@workers-tracing/core-context";
import type { TraceContextPolicy } from "./config/index";
import { scopeOf, type IncomingTraceContext } from "./delivery";

// W3C Trace Context for workers, off unless a worker's `traceContext` turns it on: requests from
// outside continue the trace of their `traceparent` (`readIncomingTraceContext`), and the
// worker's global `fetch()` writes the current span's `traceparent` for the destinations its
// policy allows (`createTraceContextFetch`). workerd does neither.

const TRACEPARENT = "traceparent";
const TRACESTATE = "tracestate";

/**
 * Reads a request's `traceparent` and (only when that is valid) its `tracestate`; `undefined`
 * without a valid `traceparent`. Never throws: a bad header must not fail the request.
 */
export function readIncomingTraceContext(headers: Headers): IncomingTraceContext | undefined {
  const parent = parseTraceParent(headers.get(TRACEPARENT));
  if (parent === undefined) return undefined;
  return { parent, traceState: parseTraceState(headers.get(TRACESTATE)) };
}

/** Whether `policy` lets a request to `url` carry trace context, for an invocation handling `requestUrl`. */
export function allows(policy: TraceContextPolicy, url: URL, requestUrl: string | undefined): boolean {
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  if (policy === "all") return true;
  if (policy === "none") return false;
  if (policy === "same-origin") {
    if (requestUrl === undefined) return false;
    try {
      return new URL(requestUrl).origin === url.origin;
    } catch {
      return false;
    }
  }
  const hostname = url.hostname;
  const port = url.port === "" ? (url.protocol === "https:" ? "443" : "80") : url.port;
  for (const entry of policy) {
    const colon = entry.lastIndexOf(":");
    // A port follows the last ":" unless that is inside an IPv6 address's brackets.
    const hasPort = colon !== -1 && colon > entry.lastIndexOf("]");
    const host = hasPort ? entry.slice(0, colon) : entry;
    if (hasPort && entry.slice(colon + 1) !== port) continue;
    if (host.startsWith("*.") ? hostname.endsWith(host.slice(1)) : hostname === host) return true;
  }
  return false;
}

/**
 * Adds `traceparent` (and the invocation's incoming `tracestate`) to an outgoing request, if the
 * running code belongs to an invocation, the policy allows the destination and the worker did
 * not set `traceparent` itself.
 * @remarks A traced invocation names the current user span (its onset span at the top level),
 * flagged sampled: its spans are reported. An untraced one records nothing, so it passes the
 * incoming `traceparent` on unchanged, as a W3C participant that does not record; without one,
 * it sends its own ids, not sampled.
 */
function addTraceContext(request: Request, policy: TraceContextPolicy): void {
  const span = currentUserSpan();
  if (span === undefined) return;
  const headers = request.headers;
  if (headers.has(TRACEPARENT)) return;
  const invocation = span.invocation;
  const scope = scopeOf(invocation);
  if (!allows(policy, new URL(request.url), scope?.requestUrl)) return;
  const incoming = scope?.incomingTraceContext;
  const parent: TraceParent = invocation.traced
    ? { traceId: invocation.traceId, spanId: span.spanId, traceFlags: 1 }
    : (incoming?.parent ?? { traceId: invocation.traceId, spanId: span.spanId, traceFlags: 0 });
  headers.set(TRACEPARENT, formatTraceParent(parent));
  const traceState = incoming?.traceState;
  if (traceState !== undefined && !headers.has(TRACESTATE)) headers.set(TRACESTATE, traceState);
}

/**
 * The global `fetch` of a worker whose outgoing policy is not `"none"`: Node's `fetch`, with the
 * trace context headers added per `policy`; `undefined` for `"none"` (Node's `fetch` as it is).
 * @remarks Anything that goes wrong while adding the headers sends the request as the worker made it.
 */
export function createTraceContextFetch(policy: TraceContextPolicy): typeof globalThis.fetch | undefined {
  if (policy === "none" || (Array.isArray(policy) && policy.length === 0)) return undefined;
  return function fetch(input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit): Promise<Response> {
    let request: Request;
    try {
      request = new Request(input, init);
    } catch {
      // A bad argument: let fetch() reject as it would.
      return globalThis.fetch(input, init);
    }
    try {
      addTraceContext(request, policy);
    } catch {
      // The worker's request goes out as it made it.
    }
    return globalThis.fetch(request);
  };
}
