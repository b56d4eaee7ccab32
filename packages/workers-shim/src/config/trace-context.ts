import type { TraceContextConfig, TraceContextPolicy } from "./schema";
import { TRACE_CONTEXT_KEYS } from "./schema";

/** The setting of a worker that does not configure trace context: workerd's behaviour. */
export const TRACE_CONTEXT_OFF: TraceContextConfig = Object.freeze({ incoming: false, outgoing: "none" });

/** The named destination policies; any other policy is a list of hosts. */
export const TRACE_CONTEXT_POLICIES = ["none", "all", "same-origin"] as const;

/** What `outgoing` expects, for messages. */
const OUTGOING_EXPECTED = `"none", "all", "same-origin" or an array of hosts`;

/** What a host entry expects, for messages. */
const HOST_EXPECTED = `a host such as "api.example.com", "api.example.com:8443", "[::1]:8080" or "*.example.com"`;

/** A host entry: optional `*.`, a host name, IPv4 or bracketed IPv6 address, optional port. */
const HOST_ENTRY = /^(\*\.)?(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/;

/** A host name (after the URL parser: lowercase, punycode) or a bracketed IPv6 address. */
const HOST_NAME = /^(?:[a-z\d_-]+(?:\.[a-z\d_-]+)*\.?|\[[\da-f:.]+\])$/;

/**
 * The normalised form of one host entry of a destination list (lowercase, punycode), or
 * `undefined` when it names no host.
 */
export function normaliseHostEntry(entry: string): string | undefined {
  const match = HOST_ENTRY.exec(entry);
  if (match === null) return undefined;
  const [, wildcard, host, port] = match;
  if (port !== undefined && Number(port) > 65535) return undefined;
  let url: URL;
  try {
    url = new URL(`http://${host!}`);
  } catch {
    return undefined;
  }
  // Whatever is not a host name or address (a path, user info, a query, a "*") is refused.
  const extra =
    url.username !== "" || url.password !== "" || url.pathname !== "/" || url.search !== "" || url.hash !== "";
  if (extra || url.host !== url.hostname || !HOST_NAME.test(url.hostname)) {
    return undefined;
  }
  return `${wildcard ?? ""}${url.hostname}${port === undefined ? "" : `:${Number(port)}`}`;
}

/**
 * Validates a `traceContext` value: an object `{incoming?, outgoing?}`; `fail(path, problem)`
 * reports the first problem, `path` is where the value is.
 */
export function validateTraceContext(
  value: unknown,
  path: string,
  fail: (path: string, problem: string) => never,
  describe: (value: unknown) => string,
): TraceContextConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(path, `expected an object {incoming?, outgoing?}, received ${describe(value)}`);
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (!(TRACE_CONTEXT_KEYS as readonly string[]).includes(key)) {
      fail(path, `unknown key ${JSON.stringify(key)}. Allowed keys: ${TRACE_CONTEXT_KEYS.join(", ")}.`);
    }
  }
  const incoming = Object.hasOwn(object, "incoming") ? object["incoming"] : false;
  if (typeof incoming !== "boolean") fail(`${path}.incoming`, `expected true or false, received ${describe(incoming)}`);
  const outgoing = Object.hasOwn(object, "outgoing")
    ? validatePolicy(object["outgoing"], `${path}.outgoing`, fail, describe)
    : "none";
  return incoming === false && outgoing === "none" ? TRACE_CONTEXT_OFF : Object.freeze({ incoming, outgoing });
}

function validatePolicy(
  value: unknown,
  path: string,
  fail: (path: string, problem: string) => never,
  describe: (value: unknown) => string,
): TraceContextPolicy {
  if (typeof value === "string") {
    if ((TRACE_CONTEXT_POLICIES as readonly string[]).includes(value)) return value as TraceContextPolicy;
    return fail(path, `expected ${OUTGOING_EXPECTED}, received ${describe(value)}`);
  }
  if (!Array.isArray(value)) return fail(path, `expected ${OUTGOING_EXPECTED}, received ${describe(value)}`);
  const hosts: string[] = [];
  value.forEach((entry: unknown, i) => {
    const host = typeof entry === "string" ? normaliseHostEntry(entry) : undefined;
    if (host === undefined) fail(`${path}[${i}]`, `expected ${HOST_EXPECTED}, received ${describe(entry)}`);
    if (!hosts.includes(host)) hosts.push(host);
  });
  return Object.freeze(hosts);
}

/**
 * The setting of `--trace-context[=POLICY]`: incoming traceparents are read, and outgoing ones
 * sent per POLICY (`all` without one; `none`, `same-origin`, or hosts separated by commas).
 * @returns the setting, or the problem with POLICY
 */
export function parseTraceContextSwitch(policy: string | undefined): TraceContextConfig | string {
  if (policy === undefined) return Object.freeze({ incoming: true, outgoing: "all" });
  if ((TRACE_CONTEXT_POLICIES as readonly string[]).includes(policy)) {
    return Object.freeze({ incoming: true, outgoing: policy as TraceContextPolicy });
  }
  const hosts: string[] = [];
  for (const entry of policy.split(",")) {
    const host = normaliseHostEntry(entry.trim());
    if (host === undefined) {
      return `--trace-context expects "none", "all", "same-origin" or hosts separated by commas (each ${HOST_EXPECTED}), received ${JSON.stringify(policy)}`;
    }
    if (!hosts.includes(host)) hosts.push(host);
  }
  return Object.freeze({ incoming: true, outgoing: Object.freeze(hosts) });
}
