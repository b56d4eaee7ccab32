import {
  USER_SPAN,
  createTailStreamSink,
  type Invocation,
  type Onset,
  type TailEvent,
  type TailSink,
  type TailStreamHandler,
} from "@workers-tracing/core-context";
import { describeError } from "./errors";

/** workerd's warning for a tail service whose default export has no `tailStream()` (spec §4.1). */
export const NO_TAIL_STREAM_HANDLER =
  "A worker configured to act as a streaming tail worker does not export a tailStream() handler.";

/** A service that can act as a streaming tail worker. */
export interface TailWorker {
  /** The service name. */
  readonly name: string;
  /**
   * Starts the tail worker's own invocation for one session and calls its
   * `tailStream(onset, env, ctx)`; `undefined` when the default export has no `tailStream()`.
   * `chain` names the services whose events led to this session: the tail worker's own
   * invocation is not reported to them again, so tails that tail each other cannot loop.
   */
  startTailStream(
    onset: TailEvent<Onset>,
    chain: readonly string[],
  ): { readonly invocation: Invocation; readonly returned: unknown } | undefined;
}

/**
 * Creates the sink of one tail session: the tail worker's `tailStream()` is called with the
 * onset, and later events go to the handler it returns (spec §4.1, via `createTailStreamSink`).
 * @remarks The tail worker runs in its own invocation; a tail that throws, rejects, hangs or is
 * slow only ends its own session.
 */
export function createTailSessionSink(
  tail: TailWorker,
  warn: (message: string) => void,
  chain: readonly string[] = [],
): TailSink {
  let session: Invocation | undefined;
  let failed = false;
  let failure: unknown;
  return createTailStreamSink(
    (onset) => {
      const started = tail.startTailStream(onset, chain);
      if (started === undefined) {
        warn(NO_TAIL_STREAM_HANDLER);
        return undefined;
      }
      session = started.invocation;
      return started.returned;
    },
    {
      onWarning: warn,
      onError: (error) => {
        failed = true;
        failure = error;
        warn(`streaming tail worker "${tail.name}" failed: ${describeError(error)}`);
      },
      onEnd: () => {
        const invocation = session;
        if (invocation === undefined) return;
        if (failed) {
          invocation.reportException(failure);
          invocation.finish("exception");
        } else {
          invocation.reportReturn();
          invocation.finish("ok");
        }
      },
      run: <R>(fn: () => R): R => (session === undefined ? USER_SPAN.exit(fn) : session.run(fn)),
    },
  );
}


/**
 * Creates the sink of one invocation for the runtime-wide tail (`RuntimeOptions.tail`): a
 * streaming tail session with the usual bounded queue, run outside every invocation.
 */
export function createRuntimeTailSink(tail: TailStreamHandler, warn: (message: string) => void): TailSink {
  return createTailStreamSink((onset) => tail.tailStream(onset), {
    onWarning: warn,
    onError: (error) => warn(`the runtime's tail failed: ${describeError(error)}`),
  });
}
