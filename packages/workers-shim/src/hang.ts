import { createHook, type AsyncHook } from "node:async_hooks";
import { types } from "node:util";
import { type Invocation, runningInvocation, runOutsideInvocations } from "@workers-tracing/core-context";

/** workerd's message for a request it cancelled because nothing could ever complete it. */
export const HANG_MESSAGE =
  "The Workers runtime canceled this request because it detected that your Worker's code had hung and would never generate a response. Refer to: https://developers.cloudflare.com/workers/observability/errors/";

/** The error a hung invocation's handler (and its caller) rejects with, as workerd's. */
export function hangError(): Error {
  return new Error(HANG_MESSAGE);
}

/** Whether `error` is the runtime's hung-request error (never throws for foreign values). */
export function isHangError(error: unknown): boolean {
  try {
    return types.isNativeError(error) && error.message === HANG_MESSAGE;
  } catch {
    return false;
  }
}

/**
 * What a watched invocation is waiting for and how to cancel it. The invocation is hung when
 * it still waits (its handler or a `waitUntil` promise is pending) and nothing attributable to
 * it is pending: no live timer, immediate or Node I/O created while it was current, no
 * subrequest of its own in flight.
 */
export interface HangWatch {
  /** Whether the invocation still waits for its handler or its `waitUntil` work. */
  waiting(): boolean;
  /** Cancels the invocation with workerd's hang error. */
  cancel(error: Error): void;
}

/** Resources whose liveness can be read off the resource object. */
type Liveness = (resource: object) => boolean;

interface Entry {
  readonly invocation: Invocation;
  readonly watch: HangWatch;
  /** Live-or-not checks of the resources created while the invocation was current. */
  resources: { readonly resource: object; readonly alive: Liveness }[];
  /** Subrequests (service bindings, RPC, Durable Objects, body reads) in flight. */
  subrequests: number;
}

const entries = new Map<Invocation, Entry>();
/** Sockets opened by worker code: while one is open, nothing is declared hung (see check()). */
const workerSockets = new Set<object>();

// Transient: they run within the current turn, which the confirmation turn covers.
const IGNORED = new Set(["PROMISE", "TickObject", "Microtask"]);

const timerAlive: Liveness = (resource) => (resource as { _destroyed?: boolean })._destroyed !== true;
const always: Liveness = () => true;

function ownerOf(resource: object): { destroyed?: unknown } | undefined {
  for (const symbol of Object.getOwnPropertySymbols(resource)) {
    if (symbol.description === "owner_symbol") {
      const owner = (resource as Record<symbol, unknown>)[symbol];
      return owner !== null && typeof owner === "object" ? owner : undefined;
    }
  }
  return undefined;
}

/**
 * A request is pending until its completion callback ran: `oncomplete` for FSREQCALLBACK,
 * GETADDRINFOREQWRAP, …; `ondone` for crypto jobs (HASHREQUEST, …). Node assigns the callback
 * after the resource was created, through the accessor defined here.
 */
function completionTracked(resource: object, property: "oncomplete" | "ondone"): Liveness {
  let done = false;
  let callback: unknown;
  try {
    Object.defineProperty(resource, property, {
      configurable: true,
      enumerable: true,
      get: () => callback,
      set: (fn: unknown) => {
        callback =
          typeof fn === "function"
            ? function (this: unknown, ...args: unknown[]) {
                done = true;
                return Reflect.apply(fn, this, args) as unknown;
              }
            : fn;
      },
    });
  } catch {
    return always;
  }
  return () => !done;
}

function livenessOf(type: string, resource: object): Liveness {
  if (type === "Timeout" || type === "Immediate") return timerAlive;
  const owner = ownerOf(resource);
  if (owner !== undefined && typeof owner.destroyed === "boolean") {
    const alive: Liveness = () => owner.destroyed !== true;
    workerSockets.add(owner);
    return alive;
  }
  if (type.endsWith("REQWRAP") || type.startsWith("FSREQCALLBACK")) return completionTracked(resource, "oncomplete");
  if (type.endsWith("REQUEST")) return completionTracked(resource, "ondone");
  // Anything else (FSREQPROMISE, HTTP parsers, …): its end is not observable without a destroy
  // hook, which would track every promise; it keeps the invocation pending.
  return always;
}

let hook: AsyncHook | undefined;
let users = 0;

function onInit(_asyncId: number, type: string, _trigger: number, resource: object): void {
  if (type === "PROMISE" || entries.size === 0 || IGNORED.has(type)) return;
  const invocation = runningInvocation();
  if (invocation === undefined) return;
  const entry = entries.get(invocation);
  if (entry === undefined) return;
  entry.resources.push({ resource, alive: livenessOf(type, resource) });
}

/**
 * Starts hang detection for one runtime (the async hook is shared by every open runtime).
 * Returns the function that stops it.
 */
export function enableHangDetection(): () => void {
  if (users++ === 0) {
    hook = createHook({ init: onInit });
    hook.enable();
    process.on("beforeExit", onBeforeExit);
  }
  let enabled = true;
  return () => {
    if (!enabled) return;
    enabled = false;
    if (--users === 0) {
      hook?.disable();
      hook = undefined;
      process.off("beforeExit", onBeforeExit);
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    }
  };
}

/** Watches `invocation` until the returned function is called (when its `outcome` was reported). */
export function watchForHang(invocation: Invocation, watch: HangWatch): () => void {
  if (hook === undefined) return noop;
  entries.set(invocation, { invocation, watch, resources: [], subrequests: 0 });
  schedule(true);
  return () => {
    entries.delete(invocation);
  };
}

const noop = (): void => {};

/**
 * Counts `work` (a subrequest or a body read the current invocation waits for) as pending for
 * the current invocation until it settles; returns `work`.
 */
export function holdPending<T>(work: Promise<T>): Promise<T> {
  if (entries.size === 0) return work;
  const invocation = runningInvocation();
  const entry = invocation === undefined ? undefined : entries.get(invocation);
  if (entry === undefined) return work;
  entry.subrequests++;
  const release = (): void => {
    entry.subrequests--;
    schedule(true);
  };
  void work.then(release, release);
  return work;
}

/** Whether `entry`'s invocation waits and nothing attributable to it is pending. */
function idle(entry: Entry): boolean {
  if (!entry.watch.waiting() || entry.subrequests > 0) return false;
  const resources = entry.resources;
  let kept = 0;
  for (let i = 0; i < resources.length; i++) {
    const item = resources[i]!;
    if (item.alive(item.resource)) resources[kept++] = item;
  }
  resources.length = kept;
  return kept === 0;
}

function workerSocketOpen(): boolean {
  for (const socket of workerSockets) {
    if ((socket as { destroyed?: unknown }).destroyed === true) workerSockets.delete(socket);
  }
  // A socket worker code opened (e.g. a pooled connection of the global fetch) may deliver a
  // response to any invocation, also one that did not open it: nothing is hung while one is open.
  return workerSockets.size > 0;
}

const MIN_DELAY = 2;
const MAX_DELAY = 50;
let timer: NodeJS.Timeout | undefined;
let delay = MIN_DELAY;

/** Schedules the next check; `soon` restarts the back-off (something changed). */
function schedule(soon: boolean): void {
  if (soon) delay = MIN_DELAY;
  if (timer !== undefined || hook === undefined || entries.size === 0) return;
  // Outside any invocation (not attributed), unref'd: the checks never keep the process alive.
  timer = runOutsideInvocations(() => setTimeout(check, delay));
  timer.unref();
}

function check(): void {
  timer = undefined;
  const candidates = idleEntries();
  if (candidates.length === 0) {
    delay = Math.min(delay * 2, MAX_DELAY);
    schedule(false);
    return;
  }
  // Confirm across a full turn of the event loop (timers, I/O polling, immediates). Not unref'd:
  // on Node 20 an unref'd immediate here stalled the immediates scheduled after it.
  runOutsideInvocations(() => setImmediate(() => runOutsideInvocations(() => setImmediate(confirm, candidates))));
}

function confirm(candidates: Entry[]): void {
  const socketOpen = workerSocketOpen();
  for (const entry of candidates) {
    if (!socketOpen && entries.get(entry.invocation) === entry && idle(entry)) entry.watch.cancel(hangError());
  }
  schedule(true);
}

function idleEntries(): Entry[] {
  if (workerSocketOpen()) return [];
  const found: Entry[] = [];
  for (const entry of entries.values()) if (idle(entry)) found.push(entry);
  return found;
}

const stallListeners = new Set<() => void>();

/**
 * Registers `listener` for a stall: the event loop ran out of work while an invocation still
 * waits and none of them could be cancelled as hung (e.g. a caller waits on a Durable Object
 * request that hangs, which workerd never cancels). Returns the function that unregisters it.
 */
export function onStall(listener: () => void): () => void {
  stallListeners.add(listener);
  return () => {
    stallListeners.delete(listener);
  };
}

function onBeforeExit(): void {
  // Nothing is left in the event loop: whatever is idle now can never be settled.
  const candidates = idleEntries();
  if (candidates.length > 0) {
    for (const entry of candidates) entry.watch.cancel(hangError());
    return;
  }
  for (const listener of [...stallListeners]) listener();
}

/**
 * Wraps a body stream fed by I/O outside any invocation (an incoming HTTP request) so that each
 * read counts as work the reading invocation waits for.
 */
export function holdReads(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      pull: (controller) =>
        holdPending(reader.read()).then((chunk) => {
          if (chunk.done) controller.close();
          else controller.enqueue(chunk.value);
        }),
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
