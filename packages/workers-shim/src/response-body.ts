import { currentUserSpan, type FetchResponseInfo, runOutsideInvocations } from "@workers-tracing/core-context";
import { scopeOf, type InvocationScope } from "./delivery";
import { holdPending } from "./hang";
import { knownBodyLength } from "./http";
import { crossWorkerRead } from "./timing";

/** A relayed body: the stream to hand out, and a way to drop the source early. */
interface Relay {
  readonly stream: ReadableStream<Uint8Array>;
  /**
   * Cancels the source with `reason()` unless it has ended already (the reason is made only
   * then: an Error's stack costs microseconds, and most bodies are read to the end).
   */
  readonly drop: (reason: () => unknown) => void;
}

/**
 * A stream that reads `body` only when its own reader asks (no read-ahead) and calls
 * `onEnd(true)` once it has read the end, `onEnd(false)` when it is cancelled or fails (once);
 * with `acrossTurns`, each read completes a turn of the event loop later and counts as work the
 * reading invocation waits for (the body comes from another invocation).
 */
function relay(body: ReadableStream<Uint8Array>, onEnd: (complete: boolean) => void, acrossTurns = false): Relay {
  const reader = body.getReader();
  let ended = false;
  const end = (complete: boolean): void => {
    if (ended) return;
    ended = true;
    onEnd(complete);
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        return acrossTurns ? holdPending(pull(controller)) : pull(controller);
      },
      cancel(reason) {
        end(false);
        return runOutsideInvocations(() => reader.cancel(reason));
      },
    },
    { highWaterMark: 0 },
  );
  async function pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      end(false);
      controller.error(error);
      return;
    }
    if (acrossTurns) await crossWorkerRead();
    if (chunk.done) {
      end(true);
      controller.close();
    } else {
      controller.enqueue(chunk.value);
    }
  }
  const drop = (reason: () => unknown): void => {
    if (ended) return;
    end(false);
    reader.cancel(reason()).catch(() => {});
  };
  return { stream, drop };
}

// Body lengths that were known before a body was relayed (a stream hides them).
const lengths = new WeakMap<Response, number | undefined>();

function withBody(original: Response, body: ReadableStream<Uint8Array>): Response {
  const response = new Response(body, {
    status: original.status,
    statusText: original.statusText,
    headers: original.headers,
  });
  lengths.set(response, responseBodyLength(original));
  return response;
}

/**
 * A response's body length when it is known without reading the body (see `knownBodyLength`),
 * also through the wrappers of this module.
 */
export function responseBodyLength(response: Response): number | undefined {
  return lengths.has(response) ? lengths.get(response) : knownBodyLength(response);
}

/**
 * A fetch handler's response as its invocation hands it out: `return` is reported once the body
 * has been read to the end, and the invocation's `outcome` waits until the body was read,
 * cancelled or failed; a cancelled or failed body gives no `return` (workerd reports a fetch
 * event's return once the response has been sent). A response without body is left alone:
 * `false` tells the caller to report `return` itself.
 */
export function holdUntilBodySent(response: Response, scope: InvocationScope): Response | false {
  const body = response.body;
  if (body === null) return false;
  const info: FetchResponseInfo = { type: "fetch", statusCode: response.status };
  let release!: () => void;
  let returned = false;
  const reportReturn = (): void => {
    if (returned) return;
    returned = true;
    scope.invocation.reportReturn(info);
  };
  // Sending the body is I/O: the invocation is not hung while the reader has not finished.
  scope.waitUntil(new Promise<void>((resolve) => (release = resolve)), true);
  const { stream } = relay(body, (complete) => {
    // Reported at once, before whatever produced the body (a subrequest) sees its end.
    if (complete) reportReturn();
    release();
  });
  const held = withBody(response, stream);
  abandoners.set(held, reportReturn);
  return held;
}

const abandoners = new WeakMap<Response, () => void>();

/**
 * Tells the invocation whose response this is that its client went away: the response counts as
 * returned (workerd reports `return` and finishes the invocation "ok" when an HTTP client
 * disconnects); the caller then cancels the body.
 */
export function responseAbandoned(response: Response): void {
  abandoners.get(response)?.();
}

/**
 * A response whose body calls `onDone` once its reader has read it to the end, or it was
 * cancelled or failed; for a response without body, or with a status outside 200..599, `onDone`
 * runs at once and the response is returned as is.
 */
export function onBodyConsumed(response: Response, onDone: () => void): Response {
  const body = response.body;
  if (body === null || response.status < 200 || response.status > 599) {
    onDone();
    return response;
  }
  return withBody(response, relay(body, onDone).stream);
}

/**
 * The response a service binding's caller gets. Its body chunks arrive a turn of the event loop
 * after they are asked for, as reads from another worker are I/O in workerd (`await
 * response.text()` never completes within the current turn). A body the calling invocation has
 * not read to the end when that invocation ends is cancelled, as workerd drops it with the
 * request's I/O context. A response without body is returned as is.
 */
export function bindingResponse(response: Response): Response {
  const body = response.body;
  if (body === null) return response;
  const { stream, drop } = relay(body, () => {}, true);
  const caller = currentUserSpan()?.invocation;
  const scope = caller === undefined ? undefined : scopeOf(caller);
  scope?.atEnd(() => drop(() => new Error("The invocation that received this response ended.")));
  return withBody(response, stream);
}

let warm = false;

/**
 * Builds, relays and reads one small response, once per process. Node's fetch implementation
 * sets up its stream machinery on first use, which takes milliseconds; paid here, at startup, it
 * does not delay the first request's response (and its `return` event) behind the handler's own
 * timers.
 */
export function warmUpResponseBodies(): void {
  if (warm) return;
  warm = true;
  const response = new Response("warm-up", { status: 201 });
  void withBody(response, relay(response.body!, () => {}).stream).text();
}
