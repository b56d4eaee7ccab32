import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import {
  createSequentialIds,
  IoContext,
  runInInvocation,
  type TailEvent,
  toTailSink,
} from "@workers-tracing/core-context";
import { installWorkerGlobals } from "../src/globals/index";

const SCRIPTS = path.join(import.meta.dirname, "../scripts");
const FIXTURE = path.join(import.meta.dirname, "fixtures/globals/warnings.json");

interface LogRecord {
  level: string;
  message: unknown[];
  errorInfo?: ({ name: string; message: string; stack?: string } | null)[];
}

const recorded = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as { workerd: string; events: LogRecord[] };

/** Frames of the worker module only: workerd's stacks end at the handler, Node's go on. */
function workerFrames(record: LogRecord): LogRecord {
  if (record.errorInfo === undefined) return record;
  return {
    ...record,
    errorInfo: record.errorInfo.map((info) =>
      info?.stack === undefined
        ? info
        : {
            ...info,
            stack: info.stack
              .split("\n")
              .filter((line) => !/^\s+at /.test(line) || line.includes("worker:"))
              .join("\n"),
          },
    ),
  };
}

/**
 * Cases whose error `stack` text comes from the JavaScript engine itself: V8 in workerd and in
 * Node 20 build the first line of a stack at different times, so an error whose name or
 * message changed after construction has a different raw stack. The shim's stripping rule for
 * those stacks is tested on workerd's raw stacks in core-context's serialize tests; here their
 * errorInfo stacks are left out, as are the raw `STACK` lines the recording printed.
 */
const ENGINE_STACK_CASES = new Set(["console-error-message-object", "console-error-empty-name"]);

function comparable(records: readonly LogRecord[]): LogRecord[] {
  let currentCase = "";
  const out: LogRecord[] = [];
  for (const record of records) {
    const first = String(record.message[0]);
    if (first.startsWith("CASE ")) currentCase = first.slice(5);
    if (first === "STACK") continue;
    const framed = workerFrames(record);
    if (ENGINE_STACK_CASES.has(currentCase) && framed.errorInfo !== undefined) {
      out.push({
        ...framed,
        errorInfo: framed.errorInfo.map((info) => (info === null ? null : { name: info.name, message: info.message })),
      });
    } else {
      out.push(framed);
    }
  }
  return out;
}

/** A printing console that records what it was asked to print. */
function recordingConsole(): { console: Console; printed: unknown[][] } {
  const printed: unknown[][] = [];
  const sink = (...args: unknown[]): void => {
    printed.push(args);
  };
  const fake = { debug: sink, info: sink, log: sink, warn: sink, error: sink } as unknown as Console;
  return { console: fake, printed };
}

/**
 * Runs the worker that recorded warnings.json (scripts/record-globals-warnings.js) in a fresh
 * context with workerd's globals, inside a traced invocation, and returns its log events.
 */
async function runWarningsWorker(): Promise<{ logs: LogRecord[]; printed: unknown[][] }> {
  const source = fs
    .readFileSync(path.join(SCRIPTS, "record-globals-warnings.js"), "utf8")
    .replace("export default {", "globalThis.__worker = {");
  const context = vm.createContext();
  const global = vm.runInContext("globalThis", context) as Record<PropertyKey, unknown>;
  const host = recordingConsole();
  installWorkerGlobals(global, {
    flags: { nodeJsCompat: true, nodeJsCompatV2: true, globalNavigator: true, setToStringTag: true },
    serviceName: "main",
    hostConsole: host.console,
  });
  new vm.Script(source, { filename: "worker" }).runInContext(context);
  const events: TailEvent[] = [];
  const invocation = new IoContext({ ids: createSequentialIds() }).startInvocation({
    kind: "test",
    sink: toTailSink(events),
  });
  const worker = global["__worker"] as { test(): Promise<void> };
  await runInInvocation(invocation, () => worker.test());
  const logs = events
    .map((e) => e.event)
    .filter((e) => e.type === "log")
    .map((e) => {
      const { level, message, errorInfo } = e as unknown as LogRecord;
      return errorInfo === undefined ? { level, message } : { level, message, errorInfo };
    });
  return { logs, printed: host.printed };
}

describe("worker globals against workerd's log events", () => {
  it("reports the same log events as workerd for Response/Request warnings and hostile console arguments", async () => {
    const { logs } = await runWarningsWorker();
    expect(comparable(logs)).toEqual(comparable(recorded.events));
  });

  it("prints every reported call through the host console, warnings included", async () => {
    const { logs, printed } = await runWarningsWorker();
    expect(printed).toHaveLength(logs.length);
    expect(
      printed.filter(
        (args) => typeof args[0] === "string" && args[0].startsWith("Constructing a Response with a null body status"),
      ),
    ).toHaveLength(4);
  });

  it("never throws into the caller, even when printing throws", () => {
    const context = vm.createContext();
    const global = vm.runInContext("globalThis", context) as Record<PropertyKey, unknown>;
    const throwing = (): never => {
      throw new Error("printing failed");
    };
    const hostConsole = {
      log: throwing,
      warn: throwing,
      error: throwing,
      info: throwing,
      debug: throwing,
    } as unknown as Console;
    installWorkerGlobals(global, { flags: {}, serviceName: "main", hostConsole });
    const code = `
      const hostile = new Proxy({}, { get() { throw new Error("proxy"); }, ownKeys() { throw new Error("keys"); } });
      const error = new Error("e");
      Object.defineProperty(error, "stack", { get() { throw new Error("stack"); } });
      for (const m of ["debug", "info", "log", "warn", "error", "table", "dir", "trace", "assert", "count", "time", "group"]) {
        console[m](hostile, error);
      }
      new Response("", { status: 204 }).status;
    `;
    expect(vm.runInContext(code, context)).toBe(204);
  });
});
