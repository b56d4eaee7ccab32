import { reportLog, type LogLevel } from "@workers-tracing/core-context";

const LEVELS: readonly LogLevel[] = ["debug", "info", "log", "warn", "error"];

type ConsoleMethod = (...args: unknown[]) => void;

let installed = 0;
let originals: Map<LogLevel, ConsoleMethod> | undefined;
let uncaptured = 0;

/**
 * Runs `print` with the capture switched off, for callers (a worker's own console) that
 * already reported the call and only want it printed.
 */
export function printWithoutCapture(print: () => void): void {
  uncaptured++;
  try {
    print();
  } finally {
    uncaptured--;
  }
}

/**
 * Patches `console.debug/info/log/warn/error` so that a call made inside a traced invocation is
 * also reported as a `log` event (routed as spec §3.7 says); the call is printed as before.
 * @returns A function that undoes this installation; the patch is removed with the last one.
 */
export function installConsoleCapture(): () => void {
  if (installed++ === 0) {
    originals = new Map();
    const target = console as unknown as Record<LogLevel, ConsoleMethod>;
    for (const level of LEVELS) {
      const original = target[level];
      originals.set(level, original);
      target[level] = function (this: unknown, ...args: unknown[]): void {
        if (uncaptured === 0) {
          try {
            reportLog(level, args);
          } catch {
            // Reporting must never break the caller's console call.
          }
        }
        original.apply(console, args);
      };
    }
  }
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    if (--installed === 0 && originals !== undefined) {
      const target = console as unknown as Record<LogLevel, ConsoleMethod>;
      for (const [level, original] of originals) target[level] = original;
      originals = undefined;
    }
  };
}
