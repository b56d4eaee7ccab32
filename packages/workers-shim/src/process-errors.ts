import { currentEventTarget } from "@workers-tracing/core-context";
import { describeErrorWithStack, describeMicrotaskError } from "./errors";

type Printer = (message: string) => void;

const printers = new Set<Printer>();

function report(source: string, error: unknown, toTail: boolean): void {
  // The async context of the failing code is still current here, so the error can be reported
  // to the invocation it belongs to (routed like logs, spec §4.3). Nothing here may throw: an
  // exception thrown by an `uncaughtException` handler ends the process (exit status 7).
  try {
    if (toTail) currentEventTarget()?.reportException(error);
  } catch {
    // Never let reporting turn into a second failure.
  }
  print(source, error);
}

function print(source: string, error: unknown): void {
  try {
    const printer = printers.values().next().value;
    printer?.(`Uncaught ${source}: ${describeErrorWithStack(error)}`);
  } catch {
    // The printer writes to a closed stream, say: nothing left to tell.
  }
}

// workerd reports an error thrown from a timer or an event callback as an `exception` event,
// but gives no event for a rejection nobody handled (conformance scenario unhandled-rejections).
const onRejection = (reason: unknown): void => report("(in promise)", reason, false);
const onException = (error: unknown): void => report("exception", error, true);

/**
 * Handles a value a worker's `queueMicrotask()` callback threw, called in the callback's async
 * context: reported as workerd reports it (an `exception` of the invocation the callback belongs
 * to, described by {@link describeMicrotaskError}) and printed as an uncaught exception.
 * @remarks Node.js has left that context by the time it emits `uncaughtException` for a
 * microtask, so the worker's `queueMicrotask()` catches the error itself. Never throws.
 */
export function reportMicrotaskError(error: unknown): void {
  try {
    const invocation = currentEventTarget();
    invocation?.report(invocation.onsetSpanId, describeMicrotaskError(error));
  } catch {
    // Never let reporting turn into a second failure.
  }
  print("exception", error);
}

/**
 * Keeps worker code from crashing the process: uncaught exceptions are reported as `exception`
 * events of the invocation they belong to (if any); they and unhandled rejections are printed.
 * @returns A function that undoes this installation; the handlers go with the last one.
 */
export function installProcessErrorHandlers(print: Printer): () => void {
  const printer: Printer = (message) => print(message);
  if (printers.size === 0) {
    process.on("unhandledRejection", onRejection);
    process.on("uncaughtException", onException);
  }
  printers.add(printer);
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    printers.delete(printer);
    if (printers.size === 0) {
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onException);
    }
  };
}
