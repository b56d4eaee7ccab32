import { types } from "node:util";
import type { Exception, LogErrorInfo } from "./events";

/**
 * Serialised log messages larger than this are cut and flagged `truncated` (spec §4.4).
 * @beta
 */
export const MAX_LOG_MESSAGE_BYTES = 262144;

/** `String(name)` and `String(message)` of an error, or undefined when reading either throws. */
function readErrorParts(error: Error): { name: string; message: string } | undefined {
  try {
    return {
      name: String((error as { name?: unknown }).name),
      message: String((error as { message?: unknown }).message),
    };
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
 * @beta
 */
export function serializeLogArguments(
  args: readonly unknown[],
):
  | { message: unknown[]; truncated?: never; errorInfo?: (LogErrorInfo | null)[] }
  | { message: string; truncated: true; errorInfo?: (LogErrorInfo | null)[] } {
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
  let result: ReturnType<typeof serializeLogArguments> = { message };
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

/** An exception's name, message and stack are each cut to this many UTF-8 bytes, as workerd cuts them. */
const MAX_EXCEPTION_FIELD_BYTES = 4096;

/** `text` cut to at most `max` UTF-8 bytes, at a character boundary. */
function cutToBytes(text: string, max: number): string {
  if (max <= 0) return "";
  if (text.length * 3 <= max) return text;
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= max) return text;
  let end = max;
  // Step back over continuation bytes (10xxxxxx) so no character is cut in two.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

/**
 * The `stack` of an exception event as workerd reports it: the stack cut to its first 4096 UTF-8
 * bytes, then without its leading name, `": "`, message and newline (each removed only where it
 * is found, as for a log's errorInfo); absent when nothing is left.
 */
function exceptionStack(stack: string, name: string, message: string): string | undefined {
  const rest = logStack(stack, name, message);
  if (rest === undefined) return undefined;
  // Removing the leading text first and cutting the rest to what is left of the 4096 bytes gives
  // the same text, without encoding a huge stack.
  const removed = Buffer.byteLength(stack.slice(0, stack.length - rest.length), "utf8");
  const cut = cutToBytes(rest, MAX_EXCEPTION_FIELD_BYTES - removed);
  return cut === "" ? undefined : cut;
}

/** What workerd reports for a thrown value it cannot read (a throwing getter, a revoked Proxy). */
const UNREADABLE_EXCEPTION = "Promise will never complete.";

/** An own or inherited data property, found without running getters; `undefined` otherwise. */
function dataProperty(object: object, key: string): unknown {
  for (
    let current: object | null = object;
    current !== null;
    current = Object.getPrototypeOf(current) as object | null
  ) {
    const descriptor = Object.getOwnPropertyDescriptor(current, key);
    if (descriptor !== undefined) return "value" in descriptor ? descriptor.value : undefined;
  }
  return undefined;
}

/** Whether `fn` is some realm's `Object.prototype.toString` (a native function that tags `[]`). */
function isObjectToString(fn: unknown): boolean {
  if (fn === Object.prototype.toString) return true;
  if (
    typeof fn !== "function" ||
    !/^function toString\(\) \{ \[native code\] \}$/.test(Function.prototype.toString.call(fn))
  ) {
    return false;
  }
  return (fn as (this: unknown) => unknown).call([]) === "[object Array]";
}

function builtinTag(value: object): string {
  if (Array.isArray(value)) return "Array";
  if (typeof value === "function") return "Function";
  if (types.isDate(value)) return "Date";
  if (types.isRegExp(value)) return "RegExp";
  return "Object";
}

/**
 * The string V8 prints for a thrown value without running its code, as workerd reports a thrown
 * non-Error: primitives as `String()` does, `#<Ctor>` for objects that use the default
 * `toString`, else `[object Tag]`.
 */
function noSideEffectsString(value: unknown): string {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return String(value);
  if (typeof value === "function") return Function.prototype.toString.call(value);
  if (isObjectToString(dataProperty(value, "toString"))) {
    const ctor = dataProperty(value, "constructor");
    const name = typeof ctor === "function" ? dataProperty(ctor, "name") : undefined;
    if (typeof name === "string" && name !== "") return `#<${name}>`;
  }
  return `[object ${builtinTag(value)}]`;
}

/**
 * Builds the `exception` event for an uncaught error, as workerd reports it: name and message
 * cut to 4096 UTF-8 bytes each, the stack to its first 4096 bytes without its leading
 * `Name: message` line; a thrown non-Error becomes `Error` with V8's side-effect-free string of
 * the value.
 * @remarks Total: a value whose getters or Proxy traps throw (or a revoked Proxy) gives
 * `Error: Promise will never complete.`, workerd's report for a value it cannot read.
 * @beta
 */
export function describeException(error: unknown): Exception {
  let name: string;
  let message: string;
  let stack: string | undefined;
  try {
    if (types.isNativeError(error) || types.isProxy(error)) {
      // workerd reads these through their getters (a Proxy's traps included); one that throws
      // makes the value unreadable.
      const read = error as { name?: unknown; message?: unknown; stack?: unknown };
      const rawName = read.name;
      const rawMessage = read.message;
      const rawStack = read.stack;
      if (types.isNativeError(error)) {
        name = typeof rawName === "string" ? rawName : "Error";
        message = typeof rawMessage === "string" ? rawMessage : String(rawMessage);
        stack = typeof rawStack === "string" ? exceptionStack(rawStack, name, message) : undefined;
      } else {
        name = "Error";
        message = "#<Object>";
      }
    } else {
      name = "Error";
      message = noSideEffectsString(error);
    }
  } catch {
    return { type: "exception", name: "Error", message: UNREADABLE_EXCEPTION };
  }
  name = cutToBytes(name, MAX_EXCEPTION_FIELD_BYTES);
  message = cutToBytes(message, MAX_EXCEPTION_FIELD_BYTES);
  return stack === undefined ? { type: "exception", name, message } : { type: "exception", name, message, stack };
}
