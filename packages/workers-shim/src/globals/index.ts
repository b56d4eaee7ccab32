import { reportLog, type LogLevel } from "@workers-tracing/core-context";

/** What {@link installWorkerGlobals} needs to know about the worker. */
export interface WorkerGlobalsOptions {
  /** The worker's resolved compatibility flags (field → enabled). */
  readonly flags: Readonly<Record<string, boolean>>;
  /** The service's name. */
  readonly serviceName: string;
  /** Where the worker's console output is printed. */
  readonly hostConsole: Console;
}

/** The web platform globals a worker uses, taken from the host (Node's implementations). */
const HOST_GLOBALS = [
  "fetch",
  "Request",
  "Response",
  "Headers",
  "FormData",
  "Blob",
  "File",
  "URL",
  "URLSearchParams",
  "AbortController",
  "AbortSignal",
  "Event",
  "EventTarget",
  "TextEncoder",
  "TextDecoder",
  "TextEncoderStream",
  "TextDecoderStream",
  "ReadableStream",
  "ReadableStreamDefaultReader",
  "ReadableStreamBYOBReader",
  "ReadableByteStreamController",
  "ReadableStreamDefaultController",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "WritableStreamDefaultController",
  "TransformStream",
  "TransformStreamDefaultController",
  "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
  "CompressionStream",
  "DecompressionStream",
  "crypto",
  "Crypto",
  "CryptoKey",
  "SubtleCrypto",
  "structuredClone",
  "queueMicrotask",
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "atob",
  "btoa",
  "performance",
  "DOMException",
  "MessageChannel",
  "MessagePort",
  "MessageEvent",
  "BroadcastChannel",
] as const;

const LEVELS: readonly LogLevel[] = ["debug", "info", "log", "warn", "error"];

function define(global: Record<PropertyKey, unknown>, name: PropertyKey, value: unknown): void {
  Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
}

/**
 * A worker's `console`: each of `debug/info/log/warn/error` reports a `log` event to the current
 * invocation (never throwing), then prints through the host console.
 */
function workerConsole(hostConsole: Console): Console {
  const target = Object.create(hostConsole) as Record<string, unknown>;
  const host = hostConsole as unknown as Record<LogLevel, (...args: unknown[]) => void>;
  for (const level of LEVELS) {
    target[level] = function (...args: unknown[]): void {
      try {
        reportLog(level, args);
      } catch {
        // Reporting must never break the worker's console call.
      }
      // Looked up at each call: the host may redirect its console (serve --tail).
      host[level]!.apply(hostConsole, args);
    };
  }
  return target as unknown as Console;
}

/**
 * Makes a fresh vm context's global object a worker's global scope: the web platform globals,
 * `navigator`, `self`, a `console` that reports log events and, under `nodejs_compat_v2`,
 * Node's `process`, `Buffer`, `global`, `setImmediate` and `clearImmediate`.
 * @remarks A small provisional set of the globals the shim's workers need; not workerd's full
 * global scope.
 */
export function installWorkerGlobals(global: Record<PropertyKey, unknown>, options: WorkerGlobalsOptions): void {
  const host = globalThis as unknown as Record<string, unknown>;
  for (const name of HOST_GLOBALS) {
    if (host[name] !== undefined) define(global, name, host[name]);
  }
  define(global, "navigator", Object.freeze({ userAgent: "Cloudflare-Workers" }));
  define(global, "self", global);
  define(global, "console", workerConsole(options.hostConsole));
  const flags = options.flags;
  if (flags["nodeJsCompatV2"] === true || flags["nodejsCompatV2"] === true) {
    define(global, "process", process);
    define(global, "Buffer", Buffer);
    define(global, "setImmediate", setImmediate);
    define(global, "clearImmediate", clearImmediate);
    define(global, "global", global);
  }
}
