import { currentUserSpan, runInInvocation, runOutsideInvocations } from "@workers-tracing/core-context";
import { scopeOf, type InvocationScope } from "../delivery";
import { HANG_MESSAGE, hangError, holdPending } from "../hang";
import { crossWorkerRead, rpcStreamEnd } from "../timing";

/** The callee side of a ReadableStream an RPC method returned, as its caller's stub sees it. */
interface StreamResult {
  /** Starts pumping (the first chunk is read at once); called once the caller has the result. */
  readonly start: () => void;
  /** Resolves after the callee's `outcome`: the stream was read to the end, cancelled or failed. */
  readonly finished: Promise<void>;
  /** Cancels the stream unless it has ended (its caller's invocation ended). */
  readonly drop: () => void;
}

const results = new WeakMap<ReadableStream, StreamResult>();

/** What one read of the source gives. */
type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<unknown>["read"]>>;

/** The pumping state of a stream an RPC method returned, if `value` is one. */
export function rpcStreamResult(value: unknown): StreamResult | undefined {
  return value instanceof ReadableStream ? results.get(value) : undefined;
}

/**
 * The `exception` workerd reports when a stateless callee's returned stream has been pumped to
 * its end while the caller has not yet read that end (workerd 2026-11-17/23): its hang error,
 * without stack frames.
 */
function hungError(): Error {
  const error = hangError();
  error.stack = `Error: ${HANG_MESSAGE}`;
  return error;
}

/**
 * Wraps a ReadableStream an RPC method returned: the caller gets a stream fed by a pump that
 * reads the source in the callee's invocation (its pulls log there), one chunk ahead of the
 * caller's reads as workerd's pump is, and the callee's invocation lasts until the stream is
 * done: read to the end by the caller (outcome "ok"), cancelled ("ok"), or — for a stateless
 * callee — pumped to its end, when workerd reports its "hung" exception (outcome "exception").
 */
export function streamToCaller(scope: InvocationScope, source: ReadableStream): ReadableStream {
  const invocation = scope.invocation;
  const stateless = invocation.context.executionModel === "stateless";
  const reader = source.getReader() as ReadableStreamDefaultReader<unknown>;
  let release!: () => void;
  // Pending I/O of the callee while the caller reads: the hang detector must not cancel it (its
  // own end, below, reports workerd's "hung" exception where workerd does).
  scope.waitUntil(new Promise<void>((resolve) => (release = resolve)), true);
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  scope.atEnd(() => resolveFinished());

  let ended = false;
  const end = (how: () => void): void => {
    if (ended) return;
    ended = true;
    void rpcStreamEnd().then(() => {
      how();
      release();
    });
  };

  let pending: Promise<ReadResult> | undefined;
  const prefetch = (): void => {
    const read = runInInvocation(invocation, () => reader.read());
    pending = read;
    read.then(
      (chunk) => {
        if (chunk.done && stateless) end(() => scope.fail(hungError(), "exception"));
      },
      () => end(() => {}),
    );
  };

  const stream = new ReadableStream<unknown>(
    {
      async pull(controller) {
        if (pending === undefined) prefetch();
        let chunk: ReadResult;
        try {
          chunk = await pending!;
        } catch (error) {
          controller.error(error);
          return;
        }
        await crossWorkerRead();
        if (chunk.done) {
          controller.close();
          end(() => {});
        } else {
          controller.enqueue(chunk.value);
          prefetch();
        }
      },
      cancel(reason) {
        end(() => {});
        return runOutsideInvocations(() => runInInvocation(invocation, () => reader.cancel(reason)));
      },
    },
    { highWaterMark: 0 },
  );
  const drop = (): void => {
    if (ended) return;
    end(() => {});
    void runInInvocation(invocation, () =>
      reader.cancel(new Error("The invocation that received this stream ended.")),
    ).catch(() => {});
  };
  results.set(stream, { start: () => void (pending ?? prefetch()), finished, drop });
  return stream;
}

/**
 * Caller side: starts the pump of a returned stream and cancels the stream when the calling
 * invocation ends before it was read.
 */
export function receiveStream(result: StreamResult): void {
  result.start();
  // Until the stream is done the caller has I/O in flight (its reads wait for the callee's
  // pump), so the hang detector does not take it for hung.
  void holdPending(result.finished);
  const caller = currentUserSpan()?.invocation;
  const scope = caller === undefined ? undefined : scopeOf(caller);
  scope?.atEnd(result.drop);
}
