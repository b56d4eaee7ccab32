import type { SpanContext, SpanRecord, Invocation } from "@workers-tracing/core-context";
import { holdPending } from "./hang";
import { knownBodyLength, setRequestAttributes, setResponseAttributes, toRequest } from "./http";
import { bindingResponse, onBodyConsumed, responseBodyLength } from "./response-body";
import { asError, spanContextOf, startRuntimeSpan } from "./runtime-spans";
import { afterBodyReaderContinues, endFailedSubrequest, endFetchSpanAfterResponse } from "./timing";

// One subrequest from a worker to another worker or object, as service bindings and Durable
// Object stubs send it: build the request, open the runtime span, report the request's
// attributes, deliver it to the target once it arrives, report the response's attributes, end the
// span. What differs between callers is when the span ends: that is the end policy, named below.

/** The runtime spans of one subrequest (`undefined` when the caller is not traced). */
export interface SubrequestSpans {
  /** The span the callee's invocation descends from (`fetch`, `scheduled`, `queue`). */
  readonly span: SpanRecord<Invocation> | undefined;
  /** A span around it: a Durable Object's `durable_object_subrequest`. */
  readonly outer?: SpanRecord<Invocation> | undefined;
}

/**
 * When a subrequest's spans end once its delivery settled, and what the caller receives: it
 * takes the delivery and gives the caller's promise.
 */
export interface EndPolicy<T> {
  /** Chains the span ends onto `delivered` and returns what the caller gets. */
  settle(delivered: Promise<T>, spans: SubrequestSpans): Promise<T>;
}

/**
 * A service binding's `fetch()`: the response attributes are reported when the response arrives
 * and the span ends a turn of the event loop later (see `endFetchSpanAfterResponse`); the caller
 * gets the response as a binding response (its body read across workers). A failed fetch ends
 * its span a turn later and rejects with the error.
 */
export const END_A_TURN_AFTER_RESPONSE: EndPolicy<Response> = {
  settle: (delivered, { span }) =>
    delivered.then(
      (response) => {
        if (span !== undefined) {
          setResponseAttributes(span, response, responseBodyLength(response));
          endFetchSpanAfterResponse(span);
        }
        return bindingResponse(response);
      },
      (error: unknown) => {
        endFailedSubrequest(span);
        throw asError(error);
      },
    ),
};

/**
 * A Durable Object stub's `fetch()`: the `fetch` span ends as soon as the response arrives (with
 * its attributes); the enclosing `durable_object_subrequest` lasts until the response body has
 * been consumed and ends just after the body's reader saw its end (see
 * `afterBodyReaderContinues`). A failed fetch ends both spans a turn later and rejects.
 */
export const END_WHEN_BODY_CONSUMED: EndPolicy<Response> = {
  settle: (delivered, { span, outer }) =>
    delivered.then(
      (response) => {
        if (span !== undefined) {
          setResponseAttributes(span, response, responseBodyLength(response));
          span.end();
        }
        return outer === undefined
          ? response
          : onBodyConsumed(response, () => afterBodyReaderContinues(() => outer.end()));
      },
      (error: unknown) => {
        endFailedSubrequest(span, outer);
        throw asError(error);
      },
    ),
};

/**
 * A service binding's `scheduled()` or `queue()`: the span ends when the delivery settles, and
 * the caller gets the result or the error as it is.
 */
export const END_WHEN_SETTLED: { settle<T>(delivered: Promise<T>, spans: SubrequestSpans): Promise<T> } = {
  settle: (delivered, { span }) => delivered.finally(() => span?.end()),
};

/** One subrequest's course, apart from its spans. */
export interface SubrequestCourse<T> {
  /** Resolves when the subrequest reaches its target (a timing rule of `timing.ts`). */
  readonly arrival: () => Promise<void>;
  /** Delivers it to the target; `parent` is the span context the callee's invocation inherits. */
  readonly deliver: (parent: SpanContext | undefined) => Promise<T>;
  /** When the spans end. */
  readonly end: EndPolicy<NoInfer<T>>;
}

/**
 * Sends one subrequest whose spans are open already: in flight it is work the caller waits for
 * (the caller is not hung meanwhile).
 */
export function sendSubrequest<T>(spans: SubrequestSpans, course: SubrequestCourse<T>): Promise<T> {
  const parent = spanContextOf(spans.span);
  return course.end.settle(holdPending(course.arrival().then(() => course.deliver(parent))), spans);
}

/** How a `fetch()` subrequest opens its spans and reaches its target. */
export interface FetchSubrequest {
  /** Opens the spans; the `fetch` span is `span`, named "fetch". */
  readonly open: () => SubrequestSpans;
  /** Resolves when the request reaches its target. */
  readonly arrival: () => Promise<void>;
  /** Delivers the request; `request` is the call's own copy, the target gets it as it is. */
  readonly deliver: (request: Request, parent: SpanContext | undefined) => Promise<Response>;
  /** When the spans end. */
  readonly end: EndPolicy<Response>;
}

/**
 * Sends a `fetch(input, init)` subrequest: builds the request (a bad argument rejects before any
 * span opens), opens the spans and reports the request's attributes, then sends it.
 */
export function sendFetch(input: unknown, init: unknown, how: FetchSubrequest): Promise<Response> {
  let request: Request;
  try {
    request = toRequest(input, init);
  } catch (error) {
    return Promise.reject(error);
  }
  const spans = how.open();
  if (spans.span !== undefined) setRequestAttributes(spans.span, request, knownBodyLength(request));
  return sendSubrequest(spans, {
    arrival: how.arrival,
    deliver: (parent) => how.deliver(request, parent),
    end: how.end,
  });
}

/** Opens a service binding's runtime span `name` under the current span (no enclosing span). */
export function openBindingSpan(name: string): SubrequestSpans {
  return { span: startRuntimeSpan(name) };
}

/** Opens a Durable Object's `durable_object_subrequest` span (with its `objectId`) under the current span. */
export function openActorSubrequest(objectId: string): SpanRecord<Invocation> | undefined {
  const span = startRuntimeSpan("durable_object_subrequest");
  span?.setAttribute("objectId", objectId);
  return span;
}
