import { types } from "node:util";

/** A one-line description of a thrown value: `Name: message` for errors, else `String(value)`. */
export function describeError(error: unknown): string {
  let text: string;
  if (types.isNativeError(error) || error instanceof Error) {
    const name = typeof error.name === "string" ? error.name : "Error";
    text = error.message === "" ? name : `${name}: ${error.message}`;
  } else {
    try {
      text = String(error);
    } catch {
      text = Object.prototype.toString.call(error);
    }
  }
  return text.replace(/\r\n|\r|\n/g, "\\n");
}

/** The stack of an error when it has one, else {@link describeError}. */
export function describeErrorWithStack(error: unknown): string {
  if ((types.isNativeError(error) || error instanceof Error) && typeof error.stack === "string" && error.stack !== "") return error.stack;
  return describeError(error);
}
