import { describeReceived } from "./describe";

/**
 * The caller's position in a trace, as a W3C `traceparent` header carries it (Trace Context
 * level 1). It is a {@link SpanContext}: pass it as the `parent` of an invocation to continue
 * the caller's trace.
 * @public
 */
export interface TraceParent {
  /** 32 lowercase hex digits, not all zeros. */
  readonly traceId: string;
  /** The caller's span (the header's `parent-id`): 16 lowercase hex digits, not all zeros. */
  readonly spanId: string;
  /** The trace flags: bit 0 is `sampled` (the caller may have recorded its part). */
  readonly traceFlags: number;
}

/** `traceparent` of version 00 is exactly this long; later versions are at least this long. */
const VERSION_00_LENGTH = 55;
const ZERO_TRACE_ID = "00000000000000000000000000000000";
const ZERO_SPAN_ID = "0000000000000000";
const TRACE_ID = /^[\da-f]{32}$/;
const SPAN_ID = /^[\da-f]{16}$/;
// version "-" trace-id "-" parent-id "-" trace-flags, then (later versions only) "-" and more.
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/s;
/** What HTTP calls optional whitespace around a header value: spaces and tabs. */
const OWS = /^[ \t]+|[ \t]+$/g;

/**
 * Reads a W3C `traceparent` header value (Trace Context level 1); `undefined` when it is
 * absent or invalid, so that a bad header never fails the request that carries it.
 * @remarks Valid: lowercase hex only; version `00` has exactly four fields; a later version
 * (not `ff`) is read for its first four fields, which must be followed by the end or a `-`, and
 * then only its `sampled` flag is kept. The trace id and span id must not be all zeros. Spaces
 * and tabs around the value are ignored.
 * @example
 * ```ts
 * const parent = parseTraceParent(request.headers.get("traceparent"));
 * await traceInvocation({ tail, parent }, () => handle(request));
 * ```
 * @public
 */
export function parseTraceParent(value: string | null | undefined): TraceParent | undefined {
  if (typeof value !== "string") return undefined;
  const text = value.replace(OWS, "");
  if (text.length < VERSION_00_LENGTH) return undefined;
  const match = TRACEPARENT.exec(text);
  if (match === null) return undefined;
  const version = match[1]!;
  const traceId = match[2]!;
  const spanId = match[3]!;
  if (version === "ff" || (version === "00" && match[5] !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  const flags = Number.parseInt(match[4]!, 16);
  // A later version's other flags may mean something this version does not know.
  return { traceId, spanId, traceFlags: version === "00" ? flags : flags & 1 };
}

/**
 * Writes a W3C `traceparent` header value of version `00` for a span.
 * @throws TypeError if `traceId` is not 32 lowercase hex digits, `spanId` not 16, either is all
 * zeros, or `traceFlags` is not an integer from 0 to 255.
 * @example
 * ```ts
 * formatTraceParent({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 });
 * // "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
 * ```
 * @public
 */
export function formatTraceParent(parent: TraceParent): string {
  const { traceId, spanId, traceFlags } = parent;
  if (typeof traceId !== "string" || !TRACE_ID.test(traceId) || traceId === ZERO_TRACE_ID) {
    throw new TypeError(
      `core-context: formatTraceParent() expects traceId to be 32 lowercase hex digits, not all zeros, received ${describeReceived(traceId)}.`,
    );
  }
  if (typeof spanId !== "string" || !SPAN_ID.test(spanId) || spanId === ZERO_SPAN_ID) {
    throw new TypeError(
      `core-context: formatTraceParent() expects spanId to be 16 lowercase hex digits, not all zeros, received ${describeReceived(spanId)}.`,
    );
  }
  if (!Number.isInteger(traceFlags) || traceFlags < 0 || traceFlags > 255) {
    throw new TypeError(
      `core-context: formatTraceParent() expects traceFlags to be an integer from 0 to 255, received ${describeReceived(traceFlags)}.`,
    );
  }
  return `00-${traceId}-${spanId}-${traceFlags < 16 ? "0" : ""}${traceFlags.toString(16)}`;
}

/** Most list members a `tracestate` may have (Trace Context level 1). */
const TRACESTATE_MAX_MEMBERS = 32;
/** The length of `tracestate` passed on; longer values lose whole members (the spec's minimum). */
const TRACESTATE_MAX_LENGTH = 512;
/** Members longer than this are the first to go when the value is too long. */
const TRACESTATE_LONG_MEMBER = 128;
// key = simple-key / multi-tenant-key (tenant-id "@" system-id); value = 1 to 256 printable
// ASCII characters but "," and "=", not ending in a space.
const TRACESTATE_KEY = /^(?:[a-z][a-z\d_*/-]{0,255}|[a-z\d][a-z\d_*/-]{0,240}@[a-z][a-z\d_*/-]{0,13})$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * Reads a W3C `tracestate` header value (several header fields joined with commas, as `Headers`
 * joins them) and returns it as it should be passed on; `undefined` when it is absent, empty or
 * invalid.
 * @remarks Invalid — and then dropped as a whole, as the Trace Context test suite expects: more
 * than 32 members, a key twice, a key or value not of the spec's form. Empty members and the
 * spaces and tabs around members are left out. A value longer than 512 characters loses whole
 * members, those over 128 characters first, then from the end (the spec's truncation order).
 * Read it only when the request's `traceparent` was valid.
 * @example
 * ```ts
 * parseTraceState(" rojo=00f067aa0ba902b7 ,, congo=t61rcWkgMzE"); // "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
 * ```
 * @public
 */
export function parseTraceState(value: string | null | undefined): string | undefined {
  if (typeof value !== "string") return undefined;
  const members: string[] = [];
  const keys = new Set<string>();
  for (const part of value.split(",")) {
    const member = part.replace(OWS, "");
    if (member === "") continue;
    const equals = member.indexOf("=");
    if (equals === -1) return undefined;
    const key = member.slice(0, equals);
    if (!TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(member.slice(equals + 1)) || keys.has(key)) {
      return undefined;
    }
    keys.add(key);
    members.push(member);
    if (members.length > TRACESTATE_MAX_MEMBERS) return undefined;
  }
  if (members.length === 0) return undefined;
  let length = members.length - 1;
  for (const member of members) length += member.length;
  if (length <= TRACESTATE_MAX_LENGTH) return members.join(",");
  const kept = members.filter((member) => member.length <= TRACESTATE_LONG_MEMBER);
  length = kept.length - 1;
  for (const member of kept) length += member.length;
  while (length > TRACESTATE_MAX_LENGTH) length -= kept.pop()!.length + 1;
  return kept.length === 0 ? undefined : kept.join(",");
}
