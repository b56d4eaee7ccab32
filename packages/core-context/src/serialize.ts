import { types } from "node:util";
import type { Exception, LogErrorInfo } from "./events";

/**
 * Serialised log messages larger than this are cut and flagged `truncated` (spec §4.4).
 * @public
 */
export const MAX_LOG_MESSAGE_BYTES = 262144;

/** Per-event limit for the three string fields of an `exception` event together (spec §4.7). */
const MAX_EXCEPTION_BYTES = 262144;

function errorName(error: Error): string {
  const name = (error as { name?: unknown }).name;
  return typeof name === "string" ? name : "Error";
}

function errorMessage(error: Error): string {
  const message = (error as { message?: unknown }).message;
  return typeof message === "string" ? message : String(message);
}

/** The frame lines of a stack, without its leading `Name: message` line(s). */
function stackFrames(error: unknown): string | undefined {
  let stack: unknown;
  try {
    stack = (error as { stack?: unknown } | null)?.stack;
  } catch {
    return undefined;
  }
  if (typeof stack !== "string") return undefined;
  const lines = stack.split("\n");
  const first = lines.findIndex((line) => /^\s+at /.test(line));
  if (first === -1) return undefined;
  return lines.slice(first).join("\n");
}

/** `String(name)` and `String(message)` of an error, or undefined when reading either throws. */
function readErrorParts(error: Error): { name: string; message: string } | undefined {
  try {
    return { name: String((error as { name?: unknown }).name), message: String((error as { message?: unknown }).message) };
  } catch {
    return undefined;
  }
}

/**
 * The `stack` of a log event's errorInfo, as workerd reports it: `String(error.stack)` without
 * the leading name, `": "`, message and newline (each removed only where it is found, in that
 * order); absent when the stack is undefined or nothing is left.
 */
function logStack(stack: unknown, name: string, message: string): string | undefined {
  if (stack === undefined) return undefined;
  let rest = String(stack);
  if (rest.startsWith(name)) rest = rest.slice(name.length);
  if (rest.startsWith(": ")) rest = rest.slice(2);
  if (rest.startsWith(message)) rest = rest.slice(message.length);
  if (rest.startsWith("\n")) rest = rest.slice(1);
  return rest === "" ? undefined : rest;
}

function logErrorInfo(error: Error): LogErrorInfo | undefined {
  const parts = readErrorParts(error);
  if (parts === undefined) return undefined;
  let stack: string | undefined;
  try {
    stack = logStack((error as { stack?: unknown }).stack, parts.name, parts.message);
  } catch {
    return undefined;
  }
  return stack === undefined ? { ...parts } : { ...parts, stack };
}

function serializeArgument(value: unknown): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) return null;
      return Object.is(value, -0) ? 0 : value;
    case "undefined":
      return null;
    case "bigint":
      return value.toString();
    case "symbol":
      return {};
    case "function":
      return Function.prototype.toString.call(value);
    default:
      break;
  }
  if (value === null) return null;
  if (types.isNativeError(value)) {
    // Formatted like Error.prototype.toString: an empty name or message drops the separator.
    // workerd writes `{}` for an error whose name or message cannot be read.
    const parts = readErrorParts(value);
    if (parts === undefined) return {};
    const { name, message } = parts;
    return name === "" ? message : message === "" ? name : `${name}: ${message}`;
  }
  if (types.isMap(value)) return "[object Map]";
  if (types.isSet(value)) return "[object Set]";
  try {
    const json = JSON.stringify(value);
    return json === undefined ? null : (JSON.parse(json) as unknown);
  } catch {
    // Circular structures and BigInt members cannot be represented.
    return {};
  }
}

/**
 * The `message`, `truncated` and `errorInfo` fields of a `log` event for the arguments of one
 * `console.*` call, serialised as workerd does (spec §4.4).
 * @example
 * ```ts
 * serializeLogArguments(["n", 1n, undefined]); // { message: ["n", "1", null] }
 * ```
 * @public
 */
export function serializeLogArguments(args: readonly unknown[]): {
  message: unknown;
  truncated?: true;
  errorInfo?: (LogErrorInfo | null)[];
} {
  const message = args.map(serializeArgument);
  let errorInfo: (LogErrorInfo | null)[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!types.isNativeError(arg)) continue;
    const info = logErrorInfo(arg);
    // An error whose name, message or stack cannot be read gets a null slot; workerd leaves
    // errorInfo out when no slot holds an error's info.
    if (info === undefined) continue;
    errorInfo ??= args.map(() => null);
    errorInfo[i] = info;
  }
  let result: { message: unknown; truncated?: true; errorInfo?: (LogErrorInfo | null)[] } = { message };
  if (maxJsonBytes(message) > MAX_LOG_MESSAGE_BYTES) {
    const text = JSON.stringify(message);
    if (Buffer.byteLength(text, "utf8") > MAX_LOG_MESSAGE_BYTES) {
      const cut = Buffer.from(text, "utf8").subarray(0, MAX_LOG_MESSAGE_BYTES).toString("utf8");
      result = { message: cut, truncated: true };
    }
  }
  if (errorInfo !== undefined) result.errorInfo = errorInfo;
  return result;
}

/**
 * A cheap upper bound of the serialised size in bytes, to skip the exact check for small
 * messages: a UTF-16 unit takes at most 6 bytes in JSON text (a `\uXXXX` escape), a number at
 * most 25; deep nesting is not walked and always gets the exact check.
 */
function maxJsonBytes(value: unknown, depth = 0): number {
  if (typeof value === "string") return value.length * 6 + 2;
  if (value === null || typeof value !== "object") return 25;
  if (depth > 8) return Number.POSITIVE_INFINITY;
  let total = 2;
  if (Array.isArray(value)) {
    for (const item of value) total += maxJsonBytes(item, depth + 1) + 1;
  } else {
    for (const key of Object.keys(value)) {
      total += key.length * 6 + 4 + maxJsonBytes((value as Record<string, unknown>)[key], depth + 1);
    }
  }
  return total;
}

/**
 * Builds the `exception` event for an uncaught error: name, message and frame-only stack, cut to
 * fit the per-event limit.
 * @public
 */
export function describeException(error: unknown): Exception {
  let name: string;
  let message: string;
  if (types.isNativeError(error) || error instanceof Error) {
    name = errorName(error);
    message = errorMessage(error);
  } else {
    name = "Error";
    try {
      message = String(error);
    } catch {
      message = "[unprintable value]";
    }
  }
  const stack = stackFrames(error);
  const budget = MAX_EXCEPTION_BYTES - name.length - message.length;
  if (stack === undefined) return { type: "exception", name, message };
  return { type: "exception", name, message, stack: budget < stack.length ? stack.slice(0, Math.max(0, budget)) : stack };
}
