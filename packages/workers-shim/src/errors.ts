import { types } from "node:util";
import { describeException, type Exception } from "@workers-tracing/core-context";
import { userLocation } from "./loader/source-maps";

/*
 * These describe values that worker code threw, rejected with or logged. Such a value may be a
 * revoked Proxy, have throwing getters or a throwing `toString`: every function here is total
 * (it never throws), and what it returns holds no terminal control characters, so a hostile
 * message cannot rewrite the user's terminal.
 */

/** Reads `object[key]`, or `undefined` when the read throws (a getter, a Proxy trap). */
function safeGet(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function isErrorLike(value: unknown): value is object {
  if (types.isNativeError(value)) return true;
  try {
    return value instanceof Error;
  } catch {
    // A revoked Proxy, or a Proxy whose getPrototypeOf trap throws.
    return false;
  }
}

function stringify(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return "[object Unknown]";
    }
  }
}

/** C0 and C1 control characters other than tab and newline, escaped as `\u001b` and the like. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Escapes control characters (ESC and the like) so that text is printed, never interpreted. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A one-line description of a thrown value: `Name: message` for errors, else `String(value)`. */
export function describeError(error: unknown): string {
  let text: string;
  if (isErrorLike(error)) {
    const name = safeGet(error, "name");
    const message = safeGet(error, "message");
    const shownName = typeof name === "string" ? name : "Error";
    const shownMessage = typeof message === "string" ? message : message === undefined ? "" : stringify(message);
    text = shownMessage === "" ? shownName : `${shownName}: ${shownMessage}`;
  } else {
    text = stringify(error);
  }
  return escapeControl(text.replace(/\r\n|\r|\n/g, "\\n"));
}

/**
 * {@link describeError}, followed by ` (at src/index.ts:12:5)` when the error was thrown by
 * bundled code: the first place in the user's sources its stack points at.
 */
export function describeErrorAt(error: unknown): string {
  const location = userLocation(error);
  return location === undefined ? describeError(error) : `${describeError(error)} (at ${escapeControl(location)})`;
}

/** The stack of an error when it has one, else {@link describeError}; never throws. */
export function describeErrorWithStack(error: unknown): string {
  if (isErrorLike(error)) {
    const stack = safeGet(error, "stack");
    if (typeof stack === "string" && stack !== "") return escapeControl(stack);
  }
  return describeError(error);
}

/** The limit of a microtask exception's name and message together, in UTF-8 bytes (spec §4.7). */
const MAX_MICROTASK_EXCEPTION_BYTES = 262144;

/**
 * The `exception` event workerd reports for a value a `queueMicrotask()` callback threw: name
 * `Error`, and as message the error's stack (its message when it has no stack), or the string
 * form of a non-Error; cut to the raw first bytes that fit, a character cut in two becoming
 * U+FFFD. Never throws.
 */
export function describeMicrotaskError(error: unknown): Exception {
  let text: string | undefined;
  if (types.isNativeError(error)) {
    try {
      const stack = (error as { stack?: unknown }).stack;
      const message = (error as { message?: unknown }).message;
      text = typeof stack === "string" ? stack : typeof message === "string" ? message : undefined;
    } catch {
      // Unreadable: described below as workerd describes an unreadable thrown value.
    }
  } else if (error === null || (typeof error !== "object" && typeof error !== "function")) {
    text = String(error);
  }
  const name = "Error";
  const message = text ?? describeException(error).message;
  const budget = MAX_MICROTASK_EXCEPTION_BYTES - name.length;
  if (message.length * 3 <= budget) return { type: "exception", name, message };
  const bytes = Buffer.from(message, "utf8");
  return {
    type: "exception",
    name,
    message: bytes.length <= budget ? message : bytes.subarray(0, budget).toString("utf8"),
  };
}
