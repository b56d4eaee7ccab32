import {
  createTailStreamSink,
  type Invocation,
  type Onset,
  runInInvocation,
  runOutsideInvocations,
  type TailBacklog,
  type TailEvent,
  type TailSink,
  type TailStreamHandler,
  TailTimeLimitError,
} from "@workers-tracing/core-context";
import { describeError } from "./errors";

/** workerd's warning for a tail service whose default export has no `tailStream()` (spec §4.1). */
export const NO_TAIL_STREAM_HANDLER =
  "A worker configured to act as a streaming tail worker does not export a tailStream() handler.";

/** A service that can act as a streaming tail worker. */
export interface TailWorker {
  /** The service name. */
  readonly name: string;
  /** What all of this tail's sessions share: a heap budget, their delivery order. */
  readonly tailBacklog: TailBacklog;
  /**
   * Whether this tail's last session was refused for want of room in its backlog; set by the
   * sessions, so that a stretch of refusals is reported once.
   */
  tailBehind: boolean;
  /**
   * Whether a call into this tail was stopped for running too long: the workers it tails open
   * no further sessions of it (it cannot be reset, as workerd would reset its isolate).
   */
  tailStopped: boolean;
  /**
   * Starts the tail worker's own invocation for one session (its onset is reported at once);
   * `undefined` when the default export has no `tailStream()`. `chain` names the services whose
   * events led to this session: the tail worker's own invocation is not reported to them again,
   * so tails that tail each other cannot loop.
   */
  openTailStream(chain: readonly string[]): TailStreamOpening | undefined;
}

/** A tail worker's invocation for one session, opened; `call(onset)` runs its `tailStream()`. */
export interface TailStreamOpening {
  readonly invocation: Invocation;
  /** Calls `tailStream(onset, env, ctx)` inside the invocation; a throw becomes a rejection. */
  call(onset: TailEvent<Onset>): unknown;
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
  // The tail's invocation opens when the onset is reported, as workerd starts the session then:
  // its own onset reaches its tails ahead of later events; tailStream() itself runs later.
  let opening: TailStreamOpening | undefined;
  let opened = false;
  let refused = false;
  let stopped = false;
  let failed = false;
  let failure: unknown;
  const session = createTailStreamSink(
    (onset) => {
      if (opening === undefined) {
        warn(NO_TAIL_STREAM_HANDLER);
        return undefined;
      }
      return opening.call(onset);
    },
    {
      backlog: tail.tailBacklog,
      onWarning: warn,
      onError: (error) => {
        failed = true;
        failure = error;
        stopped = isTimeLimitError(error);
        warn(`streaming tail worker "${tail.name}" failed: ${describeError(error)}`);
        if (stopped && !tail.tailStopped) {
          tail.tailStopped = true;
          warn(`streaming tail worker "${tail.name}" was stopped and gets no further sessions.`);
        }
      },
      onEnd: () => {
        const invocation = opening?.invocation;
        if (invocation === undefined) return;
        if (failed) {
          invocation.reportException(failure);
          invocation.finish(stopped ? "exceededCpu" : "exception");
        } else {
          invocation.reportReturn();
          invocation.finish("ok");
        }
      },
      onRefused: () => {
        refused = true;
        if (tail.tailBehind) return;
        tail.tailBehind = true;
        const limit = tail.tailBacklog.limitBytes / 1048576;
        const megabytes = limit < 1 ? limit.toFixed(2) : String(Math.round(limit));
        warn(
          `streaming tail worker "${tail.name}" is too far behind (its ${megabytes} MiB backlog is full): it gets no session for new invocations until it catches up.`,
        );
      },
      run: <R>(fn: () => R): R =>
        opening === undefined ? runOutsideInvocations(fn) : runInInvocation(opening.invocation, fn),
    },
  );
  return {
    deliver(event) {
      if (!opened && event.event.type === "onset") {
        opened = true;
        session.deliver(event);
        if (refused) return;
        tail.tailBehind = false;
        opening = tail.openTailStream(chain);
        return;
      }
      session.deliver(event);
    },
    close: () => session.close(),
  };
}

/** Whether `error` is the scheduler's TailTimeLimitError; false for anything else, proxies too. */
function isTimeLimitError(error: unknown): boolean {
  try {
    return error instanceof TailTimeLimitError;
  } catch {
    return false;
  }
}

/**
 * Creates the sink of one invocation for the runtime-wide tail (`RuntimeOptions.tail`): a
 * streaming tail session with the usual bounded queue, run outside every invocation.
 */
export function createRuntimeTailSink(
  tail: TailStreamHandler,
  backlog: TailBacklog,
  warn: (message: string) => void,
  service: string,
): TailSink {
  // The second argument names the service, for tails (an OTLP exporter) that report it.
  const info = { service };
  const tailStream = tail.tailStream as (this: TailStreamHandler, onset: TailEvent<Onset>, info: object) => unknown;
  return createTailStreamSink((onset) => tailStream.call(tail, onset, info), {
    backlog,
    onWarning: warn,
    onError: (error) => warn(`the runtime's tail failed: ${describeError(error)}`),
  });
}
