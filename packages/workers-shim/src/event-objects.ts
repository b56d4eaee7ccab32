import { types } from "node:util";
import type { EventOutcome } from "@workers-tracing/core-context";
import { logAsWorker } from "./console";

/** The controller of a `test()` invocation (workerd's `TestController`, no members). */
export class TestController {}

/** The controller of a `scheduled()` invocation. */
export class ScheduledController {
  declare readonly cron: string;
  declare readonly scheduledTime: number;
  #noRetry = false;

  constructor(cron: string, scheduledTime: number) {
    Object.defineProperty(this, "cron", { value: cron, enumerable: true });
    Object.defineProperty(this, "scheduledTime", { value: scheduledTime, enumerable: true });
  }

  /** Asks not to retry this event if the handler fails. */
  noRetry(): void {
    this.#noRetry = true;
  }

  /** @internal */
  get _noRetry(): boolean {
    return this.#noRetry;
  }
}

/** What `binding.scheduled()` resolves to. */
export interface ScheduledResult {
  readonly outcome: EventOutcome;
  readonly noRetry: boolean;
}

/** One message as a caller hands it to `binding.queue(queueName, messages)`. */
export interface QueueMessageInput {
  readonly id?: unknown;
  readonly timestamp?: unknown;
  readonly body?: unknown;
  readonly attempts?: unknown;
}

interface RetryOptions {
  readonly delaySeconds?: unknown;
}

/** `options.delaySeconds` as workerd reads it: absent stays absent, anything else a number (NaN → 0). */
function delayOf(options: RetryOptions | undefined): number | undefined {
  const raw = options?.delaySeconds;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isNaN(value) ? 0 : value;
}

/**
 * The acknowledgement state of a batch, collected for the caller's result. As in workerd, the
 * first decision wins: a call that contradicts an earlier one (retry() after ack() or ackAll(),
 * ack() after retry() or retryAll(), ackAll() after retryAll() and the reverse) has no effect and
 * logs a warning; repeating a call is fine (the last delay counts).
 */
class QueueAcks {
  ackAll = false;
  retryAll = false;
  retryAllDelay: number | undefined = undefined;
  readonly explicitAcks = new Set<string>();
  readonly retries = new Map<string, number | undefined>();

  ack(id: string): void {
    if (this.retryAll) return ignored("ack()", id, "retryAll()");
    if (this.ackAll) return;
    if (this.retries.has(id)) return ignored("ack()", id, "retry()");
    this.explicitAcks.add(id);
  }

  retry(id: string, delay: number | undefined): void {
    if (this.ackAll) return ignored("retry()", id, "ackAll()");
    if (this.explicitAcks.has(id)) return ignored("retry()", id, "ack()");
    this.retries.set(id, delay);
  }

  acknowledgeAll(): void {
    if (this.retryAll) return ignored("ackAll()", undefined, "retryAll()");
    this.ackAll = true;
  }

  retryEverything(delay: number | undefined): void {
    if (this.ackAll) return ignored("retryAll()", undefined, "ackAll()");
    this.retryAll = true;
    this.retryAllDelay = delay;
  }
}

/**
 * Logs workerd's warning for a queue call that an earlier, contradicting call overrides; it goes
 * through the worker's console, so it is a `warn` log event of the invocation, as in workerd.
 */
function ignored(method: string, messageId: string | undefined, earlier: string): void {
  const call = messageId === undefined ? method : `${method} on message ${messageId}`;
  const calls = messageId === undefined ? method : `${method} on a message`;
  logAsWorker("warn", [
    `Received a call to ${call} after ${earlier} was already called. Calling ${calls} after calling ${earlier} has no effect.`,
  ]);
}

/** A message of a `queue()` batch. */
export class QueueMessage {
  declare readonly attempts: number;
  declare readonly body: unknown;
  declare readonly timestamp: Date;
  declare readonly id: string;
  readonly #acks: QueueAcks;

  constructor(input: QueueMessageInput, index: number, acks: QueueAcks) {
    this.#acks = acks;
    const id = input.id === undefined ? String(index) : String(input.id);
    // The caller's own Date (realm-independent check: it may come from another global scope).
    const timestamp = types.isDate(input.timestamp)
      ? input.timestamp
      : new Date(typeof input.timestamp === "number" ? input.timestamp : Date.now());
    const attempts = typeof input.attempts === "number" ? input.attempts : 1;
    Object.defineProperty(this, "attempts", { value: attempts, enumerable: true });
    Object.defineProperty(this, "body", { value: input.body, enumerable: true });
    Object.defineProperty(this, "timestamp", { value: timestamp, enumerable: true });
    Object.defineProperty(this, "id", { value: id, enumerable: true });
  }

  /** Marks the message as delivered. */
  ack(): void {
    this.#acks.ack(this.id);
  }

  /** Asks for the message to be delivered again. */
  retry(options?: RetryOptions): void {
    this.#acks.retry(this.id, delayOf(options));
  }
}

/** The batch handed to a `queue()` handler. */
export class MessageBatch {
  declare readonly metadata: object;
  declare readonly queue: string;
  declare readonly messages: readonly QueueMessage[];
  readonly #acks: QueueAcks;

  constructor(queue: string, messages: readonly QueueMessageInput[]) {
    const acks = new QueueAcks();
    this.#acks = acks;
    const list = Object.freeze(messages.map((message, i) => new QueueMessage(message, i, acks)));
    Object.defineProperty(this, "metadata", {
      value: { metrics: { backlogCount: 0, backlogBytes: 0 } },
      enumerable: true,
    });
    Object.defineProperty(this, "queue", { value: queue, enumerable: true });
    Object.defineProperty(this, "messages", { value: list, enumerable: true });
  }

  /** Marks every message as delivered. */
  ackAll(): void {
    this.#acks.acknowledgeAll();
  }

  /** Asks for every message to be delivered again. */
  retryAll(options?: RetryOptions): void {
    this.#acks.retryEverything(delayOf(options));
  }

  /** @internal */
  _result(outcome: EventOutcome): QueueResult {
    const acks = this.#acks;
    const retryBatch: { retry: boolean; delaySeconds?: number } = { retry: acks.retryAll };
    if (acks.retryAllDelay !== undefined) retryBatch.delaySeconds = acks.retryAllDelay;
    return {
      outcome,
      ackAll: acks.ackAll,
      retryBatch,
      explicitAcks: [...acks.explicitAcks],
      retryMessages: [...acks.retries].map(([msgId, delaySeconds]) =>
        delaySeconds === undefined ? { msgId } : { msgId, delaySeconds },
      ),
    };
  }
}

/** What `binding.queue()` resolves to. */
export interface QueueResult {
  readonly outcome: EventOutcome;
  readonly ackAll: boolean;
  readonly retryBatch: { readonly retry: boolean; readonly delaySeconds?: number };
  readonly explicitAcks: readonly string[];
  readonly retryMessages: readonly { readonly msgId: string; readonly delaySeconds?: number }[];
}
