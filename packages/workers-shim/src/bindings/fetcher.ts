import { types } from "node:util";
import { describeReceived, type SpanContext } from "@workers-tracing/core-context";
import type { QueueMessageInput, QueueResult, ScheduledResult } from "../event-objects";
import { startRuntimeSpan } from "../runtime-spans";
import { END_A_TURN_AFTER_RESPONSE, END_WHEN_SETTLED, openBindingSpan, sendFetch, sendSubrequest } from "../subrequest";
import { subrequestArrival } from "../timing";
import { callRpc, withRpcMembers, type RpcRequest } from "./rpc";

/** The service a binding points at, as the binding needs it. */
export interface BindingTarget {
  deliverFetch(request: Request, entrypoint: string | undefined, parent: SpanContext | undefined): Promise<Response>;
  deliverScheduled(
    entrypoint: string | undefined,
    cron: string,
    scheduledTime: number,
    parent: SpanContext | undefined,
  ): Promise<ScheduledResult>;
  deliverQueue(
    entrypoint: string | undefined,
    queueName: string,
    messages: readonly QueueMessageInput[],
    parent: SpanContext | undefined,
  ): Promise<QueueResult>;
  deliverRpc(entrypoint: string | undefined, request: RpcRequest): Promise<unknown>;
}

/** Options of `binding.scheduled()`. */
interface ScheduledOptions {
  readonly cron?: unknown;
  readonly scheduledTime?: unknown;
}

// Realm-independent: a worker's Date comes from its own global scope.
const getTime = Date.prototype.getTime;

/** What a Fetcher argument was, for its error: a Date here is always an invalid one. */
function describeReceivedValue(value: unknown): string {
  return types.isDate(value) ? "an invalid Date" : describeReceived(value);
}

function scheduledTimeOf(value: unknown): number {
  if (value === undefined) return Date.now();
  if (types.isDate(value) && !Number.isNaN(getTime.call(value))) return getTime.call(value);
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new TypeError(
    `Fetcher.scheduled() expects options.scheduledTime to be a Date or a number of milliseconds, received ${describeReceivedValue(value)}.`,
  );
}

/**
 * A service binding (workerd's `Fetcher`): `fetch()` to the bound service's entrypoint, with
 * `service_binding_extra_handlers` also `scheduled()` and `queue()`, and every other member an
 * RPC method or property.
 */
class Fetcher {
  readonly #target: () => BindingTarget;
  readonly #entrypoint: string | undefined;

  constructor(target: () => BindingTarget, entrypoint: string | undefined) {
    this.#target = target;
    this.#entrypoint = entrypoint;
  }

  /** Sends an HTTP request to the bound entrypoint's `fetch()` handler. */
  fetch(input: unknown, init?: unknown): Promise<Response> {
    return sendFetch(input, init, {
      open: () => openBindingSpan("fetch"),
      arrival: subrequestArrival,
      deliver: (request, parent) => this.#target().deliverFetch(request, this.#entrypoint, parent),
      end: END_A_TURN_AFTER_RESPONSE,
    });
  }

  /** Delivers a `scheduled()` event to the bound entrypoint. */
  scheduled(options?: unknown): Promise<ScheduledResult> {
    let cron: string;
    let scheduledTime: number;
    try {
      if (options !== undefined && (options === null || typeof options !== "object")) {
        throw new TypeError(
          `Fetcher.scheduled() expects an options object {cron, scheduledTime}, received ${describeReceivedValue(options)}.`,
        );
      }
      const { cron: rawCron, scheduledTime: rawTime } = (options ?? {}) as ScheduledOptions;
      if (rawCron !== undefined && typeof rawCron !== "string") {
        throw new TypeError(
          `Fetcher.scheduled() expects options.cron to be a string, received ${describeReceivedValue(rawCron)}.`,
        );
      }
      cron = rawCron ?? "";
      scheduledTime = scheduledTimeOf(rawTime);
    } catch (error) {
      return Promise.reject(error);
    }
    return sendSubrequest(openBindingSpan("scheduled"), {
      arrival: subrequestArrival,
      deliver: (parent) => this.#target().deliverScheduled(this.#entrypoint, cron, scheduledTime, parent),
      end: END_WHEN_SETTLED,
    });
  }

  /** Delivers a batch of messages to the bound entrypoint's `queue()` handler. */
  queue(queueName: unknown, messages: unknown): Promise<QueueResult> {
    if (typeof queueName !== "string") {
      return Promise.reject(
        new TypeError(`Fetcher.queue() expects a queue name string, received ${describeReceivedValue(queueName)}.`),
      );
    }
    if (!Array.isArray(messages) || messages.some((m) => m === null || typeof m !== "object")) {
      return Promise.reject(
        new TypeError(
          `Fetcher.queue() expects an array of message objects {id, timestamp, body, attempts}, received ${describeReceivedValue(messages)}.`,
        ),
      );
    }
    const list = messages as QueueMessageInput[];
    return sendSubrequest(openBindingSpan("queue"), {
      arrival: subrequestArrival,
      deliver: (parent) => this.#target().deliverQueue(this.#entrypoint, queueName, list, parent),
      end: END_WHEN_SETTLED,
    });
  }

  /** Raw TCP sockets are not available in the shim. */
  connect(): never {
    throw new Error("workers-shim: connect() on a service binding is not supported.");
  }
}

const EXTRA_HANDLERS = new Set(["scheduled", "queue"]);
const NO_EXTRA_HANDLERS = new Set<string>();

/**
 * Creates the `env` value of a service binding.
 * @param extraHandlers - whether the binding's worker has `service_binding_extra_handlers`;
 * without it `scheduled` and `queue` are ordinary RPC members, as in workerd
 */
export function createServiceBinding(
  target: () => BindingTarget,
  entrypoint: string | undefined,
  extraHandlers: boolean,
  adoptError: (error: unknown) => unknown = (error) => error,
): object {
  const fetcher = new Fetcher(target, entrypoint);
  return withRpcMembers(
    fetcher,
    (method, operation, args) =>
      callRpc(
        () => ({ session: startRuntimeSpan("jsRpcSession") }),
        method,
        operation,
        args,
        (request) =>
          target()
            .deliverRpc(entrypoint, request)
            .catch((error: unknown) => Promise.reject(adoptError(error))),
      ),
    extraHandlers ? NO_EXTRA_HANDLERS : EXTRA_HANDLERS,
  );
}
