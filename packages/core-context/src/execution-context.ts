import type { ExecutionModel } from "./events";
import { RANDOM_IDS, type IdGenerator } from "./ids";
import { Invocation, type InvocationOptions } from "./invocation";

/**
 * The kind of handler an invocation runs.
 * @public
 */
export type HandlerKind =
  | "fetch"
  | "connect"
  | "scheduled"
  | "alarm"
  | "test"
  | "queue"
  | "trace"
  | "jsrpc"
  | "hibernatableWebSocket"
  | "tailStream"
  | "email"
  | "custom";

/**
 * The handler kinds whose invocations start with their root span current (spec §3.3, workerd
 * at HEAD): fetch, connect, scheduled, alarm, test, queue and buffered tail handlers.
 * @public
 */
export const DEFAULT_ROOT_FRAME_KINDS: ReadonlySet<HandlerKind> = new Set<HandlerKind>([
  "fetch",
  "connect",
  "scheduled",
  "alarm",
  "test",
  "queue",
  "trace",
  "custom",
]);

/**
 * Options of an {@link ExecutionContext}.
 * @public
 */
export interface ExecutionContextOptions {
  /** `"stateless"` (default) for a worker instance, `"durableObject"` for one actor. */
  readonly executionModel?: ExecutionModel;
  /** Id source; {@link RANDOM_IDS} by default. */
  readonly ids?: IdGenerator;
  /**
   * Handler kinds that get a root frame; {@link DEFAULT_ROOT_FRAME_KINDS} by default. Add
   * `"jsrpc"`, `"hibernatableWebSocket"` or `"tailStream"` to fix the cross-request
   * attribution of spec §3.7.
   */
  readonly rootFrameKinds?: Iterable<HandlerKind>;
  /** Hex id of the Durable Object, reported on every onset of an actor context. */
  readonly durableObjectId?: string;
}

/**
 * One execution context: a stateless worker's per-request context, or one actor (Durable
 * Object) that serves many invocations, possibly concurrently. It keeps its live invocations
 * in delivery order; the newest one is the fallback for "current span" lookups (spec §3.2).
 *
 * @example
 * ```ts
 * const actor = new ExecutionContext({ executionModel: "durableObject" });
 * const inv = actor.startInvocation({ kind: "fetch", sink: toTailSink(events) });
 * inv.run(() => handler());
 * inv.finish("ok");
 * ```
 * @public
 */
export class ExecutionContext {
  /** Stateless worker or actor. */
  readonly executionModel: ExecutionModel;
  /** Where ids come from. */
  readonly ids: IdGenerator;
  /** Handler kinds whose invocations get a root frame. */
  readonly rootFrameKinds: ReadonlySet<HandlerKind>;
  /** Reported on every onset of this context, for actors. */
  readonly durableObjectId: string | undefined;
  readonly #live: Invocation[] = [];
  #newest: Invocation | undefined = undefined;

  /** Creates an execution context with no live invocation. */
  constructor(options: ExecutionContextOptions = {}) {
    this.executionModel = options.executionModel ?? "stateless";
    this.ids = options.ids ?? RANDOM_IDS;
    this.rootFrameKinds =
      options.rootFrameKinds === undefined ? DEFAULT_ROOT_FRAME_KINDS : new Set<HandlerKind>(options.rootFrameKinds);
    this.durableObjectId = options.durableObjectId;
  }

  /** The most recently delivered invocation that has not finished, if any. */
  get newestLive(): Invocation | undefined {
    return this.#newest;
  }

  /** The live invocations in delivery order. */
  get liveInvocations(): readonly Invocation[] {
    return this.#live;
  }

  /**
   * Delivers a new invocation to this context: it becomes the newest live one and, if it has a
   * tail sink, reports its `onset`.
   */
  startInvocation(options: InvocationOptions): Invocation {
    const invocation = new Invocation(this, options);
    this.#live.push(invocation);
    this.#newest = invocation;
    return invocation;
  }

  /**
   * Drops a finished invocation from the live list; called by {@link Invocation.finish}.
   * @internal
   */
  _remove(invocation: Invocation): void {
    const live = this.#live;
    const index = live.lastIndexOf(invocation);
    if (index === -1) return;
    live.splice(index, 1);
    this.#newest = live.length === 0 ? undefined : live[live.length - 1];
  }
}
