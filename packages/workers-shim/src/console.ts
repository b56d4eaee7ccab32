import { reportLog, type LogLevel } from "@workers-tracing/core-context";

/**
 * Logs as a worker's `console[level]` would: reports a `log` event to the current invocation
 * (routed as spec §3.7 says; never throws), then prints through the host console.
 * @remarks For messages the runtime writes on a worker's behalf (workerd prints them through the
 * worker's console); a worker's own `console` is installed with its global scope.
 */
export function logAsWorker(level: LogLevel, args: readonly unknown[]): void {
  try {
    reportLog(level, args);
  } catch {
    // Reporting must never break the console call.
  }
  (console as unknown as Record<LogLevel, (...args: unknown[]) => void>)[level](...args);
}
