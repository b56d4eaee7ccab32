import { reportLog, type LogLevel } from "@workers-tracing/core-context";

const LEVELS: readonly LogLevel[] = ["debug", "info", "log", "warn", "error"];

/** The members of workerd's `console`, in workerd's order (the five levels report logs). */
const MEMBERS = [
  "debug",
  "error",
  "info",
  "log",
  "warn",
  "dir",
  "dirxml",
  "table",
  "trace",
  "group",
  "groupCollapsed",
  "groupEnd",
  "clear",
  "count",
  "countReset",
  "assert",
  "profile",
  "profileEnd",
  "time",
  "timeLog",
  "timeEnd",
  "timeStamp",
  "context",
] as const;

type ConsoleMethod = (...args: unknown[]) => void;

/** A worker's console plus the hook the other globals use to log workerd's warnings. */
export interface WorkerConsole {
  readonly console: Record<string, unknown>;
  /** Reports and prints a `warn` log, as workerd's runtime warnings do. */
  readonly warn: (message: string) => void;
}

function print(host: Console, name: string, args: readonly unknown[]): void {
  try {
    const method = (host as unknown as Record<string, unknown>)[name];
    if (typeof method === "function") (method as ConsoleMethod).apply(host, args as unknown[]);
  } catch {
    // Printing an argument can run its getters or inspect hooks; none of that reaches the caller.
  }
}

function report(level: LogLevel, args: readonly unknown[]): void {
  try {
    reportLog(level, args);
  } catch {
    // Serialisation never throws for hostile arguments, but reporting must not break the caller.
  }
}

/**
 * Builds workerd's `console` for one worker: debug/info/log/warn/error report a `log` event
 * through core-context and print through `host`; the other members only print. No member ever
 * throws into the caller.
 */
export function createWorkerConsole(host: Console): WorkerConsole {
  const target: Record<string, unknown> = {};
  for (const name of MEMBERS) {
    const level = (LEVELS as readonly string[]).includes(name) ? (name as LogLevel) : undefined;
    const method = {
      [name](...args: unknown[]): void {
        if (level !== undefined) report(level, args);
        print(host, name, args);
      },
    }[name]!;
    Object.defineProperty(target, name, { value: method, writable: true, enumerable: true, configurable: true });
  }
  Object.defineProperty(target, Symbol.toStringTag, { value: "console", configurable: true });
  return {
    console: target,
    warn(message) {
      report("warn", [message]);
      print(host, "warn", [message]);
    },
  };
}
