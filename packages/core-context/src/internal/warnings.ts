// The package's diagnostics hook. Where this package drops or disables something to protect the
// traced code (a throwing tail callback, a failing tail session, a second installed copy it
// cannot share its context or count with), it says so once, as a Node.js process warning of type
// `WorkersTracingWarning` with a stable code: one line on stderr by default, and
// `process.on("warning")` (filter on `warning.code`) or `--no-warnings` for those who want
// otherwise. The codes are listed in the package README.

/** Codes of this package's process warnings. */
export type WarningCode =
  | "WORKERS_TRACING_TAIL_CALLBACK_THREW"
  | "WORKERS_TRACING_TAIL_SESSION_FAILED"
  | "WORKERS_TRACING_INCOMPATIBLE_COPY"
  | "WORKERS_TRACING_SEPARATE_COPY";

/** The `name` of the warnings (`process.emitWarning`'s type). */
export const WARNING_TYPE = "WorkersTracingWarning";

/** Emits one process warning; never throws. */
export function emitWarning(code: WarningCode, message: string): void {
  try {
    process.emitWarning(message, { type: WARNING_TYPE, code });
  } catch {
    // A warning must never break what it reports on.
  }
}

/** One line describing a thrown value; total (a hostile value gives a placeholder). */
export function describeThrown(value: unknown): string {
  let text: string;
  try {
    if (value instanceof Error) text = `${String(value.name)}: ${String(value.message)}`;
    else text = String(value);
  } catch {
    text = "a value that cannot be described";
  }
  const line = text.replace(/\r\n|\r|\n/g, "\\n");
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
