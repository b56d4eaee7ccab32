import type { EventInfo, EventOutcome, FetchResponseInfo, SpanContext, Attribute } from "./events";
import { runInInvocation } from "./frame";
import type { IdGenerator } from "./ids";
import { IoContext, type HandlerKind, type TracingImprovements } from "./io-context";
import { toTailSink, type TailTarget } from "./sinks";
import type { TailSink } from "./tail-sink";

/**
 * Options of {@link traceInvocation}.
 * @public
 */
export interface TraceInvocationOptions<R = unknown> {
  /** Where the events go; without a tail the invocation runs untraced (all spans are no-ops). */
  readonly tail?: TailTarget | readonly TailTarget[] | undefined;
  /** The handler kind; `"custom"` by default. */
  readonly kind?: HandlerKind;
  /** Onset info; `{ type: "custom" }` by default. */
  readonly info?: EventInfo;
  /** Id source for the fresh stateless context. */
  readonly ids?: IdGenerator;
  /**
   * Departures from workerd's behaviour for the fresh stateless context; none by default.
   * @beta
   */
  readonly improvements?: TracingImprovements;
  /**
   * The caller's span, to continue its trace (spec §3.9): another invocation's, or a remote
   * caller's read with {@link parseTraceParent} (its `traceFlags` then appear on the onset).
   */
  readonly parent?: SpanContext | undefined;
  /** Entrypoint name for the onset. */
  readonly entrypoint?: string;
  /** Worker-level attributes for the onset. */
  readonly attributes?: readonly Attribute[];
  /**
   * Decides the `return` event from the handler's result: `false` for none, `undefined` for
   * one without info, or fetch info. By default every kind but `"test"` reports a bare `return`.
   */
  readonly returnInfo?: (result: R) => FetchResponseInfo | undefined | false;
  /** The outcome when `fn` throws or rejects; `"exception"` by default (`"ok"` for `"test"`). */
  readonly failureOutcome?: EventOutcome;
}

/**
 * Runs `fn` as one traced invocation: reports its onset, makes its root span current for `fn`
 * and everything it starts, reports `return` (or `exception`) and finally `outcome`.
 *
 * @remarks The returned promise settles with `fn`'s result once the outcome was reported. Work
 * `fn` left pending (an abandoned promise, an unended span) never delays it: on a stateless
 * context the open spans are closed, newest first, before the outcome.
 *
 * @example
 * ```ts
 * const events: TailEvent[] = [];
 * await traceInvocation({ tail: events }, async () => {
 *   tracing.enterSpan("work", () => compute());
 * });
 * ```
 * @public
 */
export function traceInvocation<R>(options: TraceInvocationOptions<Awaited<R>>, fn: () => R): Promise<Awaited<R>> {
  const { ids, improvements } = options;
  const context = new IoContext({
    ...(ids === undefined ? {} : { ids }),
    ...(improvements === undefined ? {} : { improvements }),
  });
  return traceInvocationIn(context, options, fn);
}

/**
 * {@link traceInvocation} delivered to a given I/O context, such as an actor's, instead of a
 * fresh stateless one (`options.ids` and `options.improvements` are then unused: the context has
 * its own).
 * @example
 * ```ts
 * const actor = new IoContext({ executionModel: "durableObject" });
 * await traceInvocationIn(actor, { tail: events, kind: "fetch" }, () => handle());
 * ```
 * @beta
 */
export async function traceInvocationIn<R>(
  context: IoContext,
  options: TraceInvocationOptions<Awaited<R>>,
  fn: () => R,
): Promise<Awaited<R>> {
  const kind = options.kind ?? "custom";
  const sink: TailSink | undefined = options.tail === undefined ? undefined : toTailSink(options.tail);
  const invocation = context.startInvocation({
    kind,
    info: options.info ?? { type: "custom" },
    sink,
    parent: options.parent,
    entrypoint: options.entrypoint,
    attributes: options.attributes,
  });
  let result: Awaited<R>;
  try {
    result = await runInInvocation(invocation, fn);
  } catch (error) {
    invocation.reportException(error);
    invocation.finish(options.failureOutcome ?? (kind === "test" ? "ok" : "exception"));
    throw error;
  }
  const info = options.returnInfo === undefined ? (kind === "test" ? false : undefined) : options.returnInfo(result);
  if (info !== false) invocation.reportReturn(info);
  invocation.finish("ok");
  return result;
}
