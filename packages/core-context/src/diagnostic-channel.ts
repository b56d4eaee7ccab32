import { deserialize, serialize } from "node:v8";
import type { DiagnosticChannelEvent } from "./events";
import { eventSpanId, eventTarget } from "./current";
import { currentFrame } from "./frame";

/**
 * A `diagnosticChannel` event whose serialised message, channel name (UTF-8 bytes) and
 * {@link DIAGNOSTIC_CHANNEL_EVENT_OVERHEAD_BYTES} together exceed this many bytes is dropped
 * (workerd 2026-11-17).
 * @beta
 */
export const MAX_DIAGNOSTIC_CHANNEL_EVENT_BYTES = 262144;

/**
 * The fixed cost workerd adds to a `diagnosticChannel` event when it checks the size limit.
 * @beta
 */
export const DIAGNOSTIC_CHANNEL_EVENT_OVERHEAD_BYTES = 56;

/**
 * The `message` of a `diagnosticChannel` event whose published value cannot be
 * structured-cloned (a function, a symbol, a WeakMap, …), as workerd reports it.
 * @beta
 */
export const UNSERIALIZABLE_DIAGNOSTIC_MESSAGE = "[[ Diagnostic event was not serializable ]]";

const UNSERIALIZABLE = serialize(UNSERIALIZABLE_DIAGNOSTIC_MESSAGE);

/**
 * Builds the `diagnosticChannel` event for one publish as workerd does: the message is a
 * structured clone of the value (V8 serialisation), a value that cannot be cloned becomes
 * {@link UNSERIALIZABLE_DIAGNOSTIC_MESSAGE}, and an event over the size limit gives `undefined`
 * (it is dropped, not truncated).
 * @example
 * ```ts
 * diagnosticChannelEvent("db", { query: "SELECT 1" });
 * // { type: "diagnosticChannel", channel: "db", message: { query: "SELECT 1" } }
 * ```
 * @beta
 */
export function diagnosticChannelEvent(channel: string, message: unknown): DiagnosticChannelEvent | undefined {
  let bytes: Buffer;
  try {
    bytes = serialize(message);
  } catch {
    bytes = UNSERIALIZABLE;
  }
  const size = bytes.length + Buffer.byteLength(channel, "utf8") + DIAGNOSTIC_CHANNEL_EVENT_OVERHEAD_BYTES;
  if (size > MAX_DIAGNOSTIC_CHANNEL_EVENT_BYTES) return undefined;
  return { type: "diagnosticChannel", channel, message: deserialize(bytes) as unknown };
}

/**
 * Reports a `diagnostics_channel` publish as a `diagnosticChannel` tail event, routed like a
 * log (spec §3.7): to the most recently delivered live invocation of the current context,
 * attributed to the current user span (or that invocation's onset span). Returns `false` if
 * nothing was reported (outside a traced invocation, or the event is over the size limit).
 * @example
 * ```ts
 * reportDiagnosticChannel("cache:miss", { key: "user:1" });
 * ```
 * @beta
 */
export function reportDiagnosticChannel(channel: string, message: unknown): boolean {
  const frame = currentFrame();
  if (frame === undefined) return false;
  const target = eventTarget(frame);
  if (target === undefined || !target.traced) return false;
  const event = diagnosticChannelEvent(channel, message);
  if (event === undefined) return false;
  target.report(eventSpanId(frame, target), event);
  return true;
}
