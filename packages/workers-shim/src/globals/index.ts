import { URLPattern } from "urlpattern-polyfill/urlpattern";
import { addEngineBuiltins } from "./engine";
import { createEventClasses } from "./events";
import {
  hasDatagram,
  hasImportScripts,
  hasMessageChannel,
  hasNavigator,
  hasNodeGlobals,
  hasNodeTimers,
  hasPerformanceClasses,
  hasStreamControllers,
  hasToStringTag,
  hasWeakRefs,
} from "./gates";
import { createWorkerConsole } from "./console";
import { createHtmlRewriter } from "./html-rewriter";
import { createHttpClasses } from "./http";
import { createWorkerTimers } from "./timers";
import { illegalClass, unsupportedClass, unsupportedFunction } from "./unsupported";
import {
  createByteStreams,
  createCaches,
  createCloudflare,
  createNavigator,
  createScheduler,
  createWebSockets,
} from "./web-apis";

/** What {@link installWorkerGlobals} needs to know about the worker whose scope it builds. */
export interface WorkerGlobalsOptions {
  /** The worker's resolved compatibility fields (capnp field names); a missing field is false. */
  readonly flags: Readonly<Record<string, boolean>>;
  /** The service's name, for messages. */
  readonly serviceName: string;
  /** Where the worker's console output is printed. */
  readonly hostConsole: Console;
  /** What the global `fetch` calls; Node's `fetch` by default (looked up at each call). */
  readonly fetch?: typeof globalThis.fetch;
}

/** Symbols workerd keeps on each prototype of the global scope (names as workerd shows them). */
const INTERNAL_CLASS = Symbol("cloudflare:internal-class");
const RESOURCE_TYPE_INSPECT = Symbol("kResourceTypeInspect");
const INTERNAL_CLASS_VALUE = Symbol("cloudflare:internal-class");

/** The global names workerd has that the shim cannot implement; each throws when used. */
export const UNSUPPORTED_GLOBALS: readonly string[] = ["EventSource", "Datagram", "Float16Array"];

type Target = Record<PropertyKey, unknown>;

/** Node's globals that @types/node does not declare. */
const HOST = globalThis as unknown as Target;

function define(target: object, key: PropertyKey, value: unknown, enumerable = true): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable, configurable: true });
}

function markPrototype(prototype: object, name: string, toStringTag: boolean): void {
  if (toStringTag) Object.defineProperty(prototype, Symbol.toStringTag, { value: name, configurable: true });
  else delete (prototype as Target)[Symbol.toStringTag];
  Object.defineProperty(prototype, INTERNAL_CLASS, { value: INTERNAL_CLASS_VALUE, configurable: true });
  Object.defineProperty(prototype, RESOURCE_TYPE_INSPECT, { value: {}, configurable: true });
}

function nodeProcess(): object {
  const process = Object.create(globalThis.process) as Target;
  define(process, "env", {});
  define(process, "platform", "linux");
  for (const name of ["exit", "abort", "kill", "reallyExit", "chdir", "dlopen"]) {
    define(process, name, unsupportedFunction(`process.${name}`));
  }
  return process;
}

/**
 * Makes `global` (the global object of a fresh `vm` context) look like workerd's global scope
 * for the worker's compatibility flags: JavaScript builtins that workerd hides are removed, and
 * every workerd global is defined, on the same prototype levels as in workerd
 * (`ServiceWorkerGlobalScope.prototype` → `WorkerGlobalScope.prototype` → an `EventTarget`
 * prototype → `Object.prototype`).
 * @remarks Names the shim cannot implement exist and throw `<Name> is not supported by
 * workers-shim` (see {@link UNSUPPORTED_GLOBALS}). Host (Node) classes are shared, so their
 * instances come from the main realm.
 */
export function installWorkerGlobals(global: Target, options: WorkerGlobalsOptions): void {
  const { flags } = options;
  const realmObject = global["Object"] as ObjectConstructor;
  const toStringTag = hasToStringTag(flags);

  // JavaScript builtins.
  if (!hasWeakRefs(flags)) {
    delete global["WeakRef"];
    delete global["FinalizationRegistry"];
  }
  addEngineBuiltins(global);

  const workerConsole = createWorkerConsole(options.hostConsole);
  define(global, "console", workerConsole.console, false);

  // The EventTarget level: the global's listeners live on a hidden Node EventTarget.
  const listeners = new EventTarget();
  const forGlobal = (self: unknown): EventTarget =>
    self === global || self === undefined ? listeners : (self as EventTarget);
  const eventTargetLevel = realmObject.create(realmObject.prototype) as Target;
  define(eventTargetLevel, "addEventListener", function addEventListener(this: unknown, ...args: unknown[]) {
    return EventTarget.prototype.addEventListener.apply(
      forGlobal(this),
      args as Parameters<EventTarget["addEventListener"]>,
    );
  });
  define(eventTargetLevel, "removeEventListener", function removeEventListener(this: unknown, ...args: unknown[]) {
    return EventTarget.prototype.removeEventListener.apply(
      forGlobal(this),
      args as Parameters<EventTarget["removeEventListener"]>,
    );
  });
  define(eventTargetLevel, "dispatchEvent", function dispatchEvent(this: unknown, event: Event) {
    return EventTarget.prototype.dispatchEvent.call(forGlobal(this), event);
  });
  define(eventTargetLevel, "constructor", EventTarget, false);
  markPrototype(eventTargetLevel, "EventTarget", toStringTag);

  const WorkerGlobalScope = illegalClass("WorkerGlobalScope");
  realmObject.setPrototypeOf(WorkerGlobalScope.prototype, eventTargetLevel);
  define(WorkerGlobalScope.prototype, "EventTarget", EventTarget);
  if (hasImportScripts(flags))
    define(WorkerGlobalScope.prototype, "importScripts", unsupportedFunction("importScripts"));
  markPrototype(WorkerGlobalScope.prototype, "WorkerGlobalScope", toStringTag);

  const ServiceWorkerGlobalScope = illegalClass("ServiceWorkerGlobalScope");
  realmObject.setPrototypeOf(ServiceWorkerGlobalScope.prototype, WorkerGlobalScope.prototype);
  const scope = ServiceWorkerGlobalScope.prototype as Target;

  const events = createEventClasses();
  const http = createHttpClasses(workerConsole.warn);
  const streams = createByteStreams();
  const sockets = createWebSockets(events);
  const cache = createCaches();
  const timers = createWorkerTimers();
  const outgoing = options.fetch;
  const members: [string, unknown][] = [
    ["DOMException", DOMException],
    ["WorkerGlobalScope", WorkerGlobalScope],
    ["btoa", btoa],
    ["atob", atob],
    ["setTimeout", timers.setTimeout],
    ["clearTimeout", timers.clearTimeout],
    ["setInterval", timers.setInterval],
    ["clearInterval", timers.clearInterval],
    ["queueMicrotask", timers.queueMicrotask],
    ["structuredClone", structuredClone],
    [
      "reportError",
      function reportError(...args: unknown[]): void {
        const error = args[0];
        const event = new events.ErrorEvent("error", { error, message: String(error), cancelable: true });
        if (listeners.dispatchEvent(event)) {
          try {
            options.hostConsole.error("Uncaught", error);
          } catch {
            // Printing must not throw into the caller.
          }
        }
      },
    ],
    [
      "fetch",
      function fetch(input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) {
        return outgoing === undefined ? globalThis.fetch(input, init) : outgoing(input, init);
      },
    ],
    ["Event", Event],
    ["ExtendableEvent", events.ExtendableEvent],
    ["CustomEvent", CustomEvent],
    ["PromiseRejectionEvent", events.PromiseRejectionEvent],
    ["FetchEvent", events.FetchEvent],
    ["TailEvent", events.TailEvent],
    ["TraceEvent", events.TraceEvent],
    ["ScheduledEvent", events.ScheduledEvent],
    ["MessageEvent", MessageEvent],
    ["CloseEvent", events.CloseEvent],
    ["ReadableStreamDefaultReader", ReadableStreamDefaultReader],
    ["ReadableStreamBYOBReader", ReadableStreamBYOBReader],
    ["ReadableStream", ReadableStream],
    ["WritableStream", WritableStream],
    ["WritableStreamDefaultWriter", WritableStreamDefaultWriter],
    ["TransformStream", TransformStream],
    ["ByteLengthQueuingStrategy", ByteLengthQueuingStrategy],
    ["CountQueuingStrategy", CountQueuingStrategy],
    ["ErrorEvent", events.ErrorEvent],
  ];
  if (hasMessageChannel(flags)) members.push(["MessageChannel", MessageChannel], ["MessagePort", MessagePort]);
  members.push(["EventSource", unsupportedClass("EventSource")]);
  if (hasStreamControllers(flags)) {
    members.push(
      ["ReadableStreamBYOBRequest", ReadableStreamBYOBRequest],
      ["ReadableStreamDefaultController", ReadableStreamDefaultController],
      ["ReadableByteStreamController", ReadableByteStreamController],
      ["WritableStreamDefaultController", WritableStreamDefaultController],
      ["TransformStreamDefaultController", TransformStreamDefaultController],
    );
  }
  if (hasNodeGlobals(flags)) members.push(["setImmediate", setImmediate], ["clearImmediate", clearImmediate]);
  members.push(
    ["CompressionStream", CompressionStream],
    ["DecompressionStream", DecompressionStream],
    ["TextEncoderStream", TextEncoderStream],
    ["TextDecoderStream", TextDecoderStream],
    ["Headers", Headers],
    ["Body", http.Body],
    ["Request", http.Request],
    ["Response", http.Response],
    ["WebSocket", sockets.WebSocket],
    ["WebSocketPair", sockets.WebSocketPair],
    ["WebSocketRequestResponsePair", sockets.WebSocketRequestResponsePair],
    ["AbortController", AbortController],
    ["AbortSignal", AbortSignal],
    ["TextDecoder", TextDecoder],
    ["TextEncoder", TextEncoder],
  );
  const navigator = hasNavigator(flags) ? createNavigator(flags) : undefined;
  if (navigator !== undefined) members.push(["Navigator", navigator.Navigator]);
  members.push(
    ["URL", URL],
    ["URLSearchParams", URLSearchParams],
    ["URLPattern", URLPattern],
    ["Blob", Blob],
    ["File", File],
    ["FormData", FormData],
    ["Crypto", HOST["Crypto"]],
    ["SubtleCrypto", HOST["SubtleCrypto"]],
    ["CryptoKey", HOST["CryptoKey"]],
    ["CacheStorage", cache.CacheStorage],
    ["Cache", cache.Cache],
    ["FixedLengthStream", streams.FixedLengthStream],
    ["IdentityTransformStream", streams.IdentityTransformStream],
    ["HTMLRewriter", createHtmlRewriter(flags["esiIncludeIsVoidTag"] === true)],
  );
  if (hasDatagram(flags)) members.push(["Datagram", unsupportedClass("Datagram")]);
  if (hasPerformanceClasses(flags)) {
    members.push(
      ["Performance", HOST["Performance"]],
      ["PerformanceEntry", PerformanceEntry],
      ["PerformanceMark", PerformanceMark],
      ["PerformanceMeasure", PerformanceMeasure],
      ["PerformanceResourceTiming", PerformanceResourceTiming],
      ["PerformanceObserver", PerformanceObserver],
      ["PerformanceObserverEntryList", PerformanceObserverEntryList],
    );
  }
  for (const [name, value] of members) define(scope, name, value);
  markPrototype(scope, "ServiceWorkerGlobalScope", toStringTag);

  // Own members of the global object.
  if (navigator !== undefined) define(global, "navigator", navigator.navigator);
  if (hasNodeGlobals(flags)) {
    define(global, "global", global);
    define(global, "process", nodeProcess());
    define(global, "Buffer", Buffer);
  }
  Object.defineProperty(global, "origin", { value: "null", writable: false, enumerable: true, configurable: true });
  define(global, "Cloudflare", createCloudflare(flags));
  define(global, "performance", performance);
  define(global, "scheduler", createScheduler(toStringTag));
  define(global, "caches", cache.caches);
  define(global, "crypto", crypto);
  define(global, "self", global);
  define(global, "ServiceWorkerGlobalScope", ServiceWorkerGlobalScope);
  if (hasNodeTimers(flags)) {
    define(global, "setTimeout", setTimeout);
    define(global, "setInterval", setInterval);
    define(global, "clearTimeout", clearTimeout);
    define(global, "clearInterval", clearInterval);
  }

  realmObject.setPrototypeOf(global, scope);
}
