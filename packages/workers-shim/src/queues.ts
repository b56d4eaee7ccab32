import { randomBytes } from "node:crypto";
import { AsyncResource } from "node:async_hooks";
import type { QueueConsumerConfig, ServiceConfig } from "./config/schema";
import type { QueueMessageInput, QueueResult } from "./event-objects";

/** What the broker needs of the consuming service. */
export interface QueueConsumerTarget {
  deliverQueue(
    entrypoint: string | undefined,
    queueName: string,
    messages: readonly QueueMessageInput[],
    parent: undefined,
  ): Promise<QueueResult>;
}

interface PendingMessage {
  readonly id: string;
  readonly timestamp: number;
  readonly body: unknown;
  attempts: number;
  /** When the message may be delivered (a send's or a retry's delay), in ms since the epoch. */
  readyAt: number;
}

interface QueueState {
  readonly name: string;
  readonly consumer: { readonly service: string; readonly settings: QueueConsumerConfig } | undefined;
  readonly messages: PendingMessage[];
  timer: NodeJS.Timeout | undefined;
  /** When the oldest waiting message arrived: a batch is sent at the latest maxBatchTimeoutMs after it. */
  delivering: number;
}

/** Reads `delaySeconds` of a send's options: a whole number of seconds from 0 to 43200 (workerd's limit). */
function delayOf(options: unknown, what: string): number {
  if (options === undefined || options === null) return 0;
  const raw = (options as { delaySeconds?: unknown }).delaySeconds;
  if (raw === undefined) return 0;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0 || raw > 43200) {
    throw new TypeError(`${what}: delaySeconds must be a whole number from 0 to 43200, received ${String(raw)}.`);
  }
  return raw;
}

/**
 * The queues of one runtime: the producer bindings put messages on them, and each queue's
 * consumer (a worker's `queue()` handler) gets them in batches, as Cloudflare Queues do (the
 * messages a handler does not acknowledge are delivered again, then go to the dead-letter queue).
 * @remarks Batches are delivered outside every invocation (a new trace each), however the
 * messages were sent.
 */
export class QueueBroker {
  readonly #queues = new Map<string, QueueState>();
  readonly #service: (name: string) => QueueConsumerTarget;
  readonly #warn: (message: string) => void;
  /** The broker's own async context (the runtime's start, outside every invocation). */
  readonly #scope = new AsyncResource("workers-shim.queues");
  #closed = false;

  constructor(
    services: readonly ServiceConfig[],
    service: (name: string) => QueueConsumerTarget,
    warn: (message: string) => void,
  ) {
    this.#service = service;
    this.#warn = warn;
    for (const { name, worker } of services) {
      for (const settings of worker.queueConsumers) {
        this.#queues.set(settings.queue, this.#state(settings.queue, { service: name, settings }));
      }
    }
  }

  #state(name: string, consumer: QueueState["consumer"]): QueueState {
    return { name, consumer, messages: [], timer: undefined, delivering: 0 };
  }

  #queue(name: string): QueueState {
    let state = this.#queues.get(name);
    if (state === undefined) {
      state = this.#state(name, undefined);
      this.#queues.set(name, state);
    }
    return state;
  }

  /** The object a producer binding gives the worker: `send()` and `sendBatch()`. */
  producer(queueName: string): object {
    const send = (body: unknown, options?: unknown): Promise<void> => {
      try {
        this.#enqueue(queueName, [{ body, delay: delayOf(options, "Queue.send()") }]);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const sendBatch = (messages: unknown, options?: unknown): Promise<void> => {
      try {
        if (messages === null || typeof messages !== "object" || !(Symbol.iterator in messages)) {
          throw new TypeError("Queue.sendBatch(): expects an iterable of messages {body, delaySeconds?}.");
        }
        const batchDelay = delayOf(options, "Queue.sendBatch()");
        const list = [...(messages as Iterable<unknown>)].map((message) => {
          if (message === null || typeof message !== "object" || !("body" in message)) {
            throw new TypeError("Queue.sendBatch(): each message must be an object {body, delaySeconds?}.");
          }
          const delay =
            (message as { delaySeconds?: unknown }).delaySeconds === undefined
              ? batchDelay
              : delayOf(message, "Queue.sendBatch()");
          return { body: message.body, delay };
        });
        this.#enqueue(queueName, list);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return Object.freeze({ send, sendBatch });
  }

  #enqueue(queueName: string, messages: readonly { body: unknown; delay: number }[]): void {
    if (this.#closed) throw new Error("workers-shim: the runtime is closed.");
    const now = Date.now();
    // Copied as Cloudflare Queues serialise them: a value that cannot be cloned is refused now.
    const copies = messages.map(({ body, delay }): PendingMessage => ({
      id: randomBytes(16).toString("hex"),
      timestamp: now,
      body: structuredClone(body),
      attempts: 1,
      readyAt: now + delay * 1000,
    }));
    this.#add(this.#queue(queueName), copies);
  }

  #add(state: QueueState, messages: readonly PendingMessage[]): void {
    if (state.messages.length === 0) state.delivering = Date.now();
    state.messages.push(...messages);
    this.#schedule(state);
  }

  #schedule(state: QueueState): void {
    if (state.consumer === undefined || this.#closed || state.messages.length === 0) return;
    const now = Date.now();
    const { maxBatchSize, maxBatchTimeoutMs } = state.consumer.settings;
    const ready = state.messages.filter((message) => message.readyAt <= now).length;
    const nextReady = Math.min(...state.messages.map((message) => message.readyAt));
    const due = ready >= maxBatchSize ? now : Math.max(state.delivering + maxBatchTimeoutMs, nextReady);
    clearTimeout(state.timer);
    state.timer = this.#scope.runInAsyncScope(() =>
      setTimeout(() => void this.#deliver(state), Math.max(0, due - now)),
    );
  }

  async #deliver(state: QueueState): Promise<void> {
    state.timer = undefined;
    const consumer = state.consumer!;
    const now = Date.now();
    const batch: PendingMessage[] = [];
    for (const message of state.messages) {
      if (batch.length < consumer.settings.maxBatchSize && message.readyAt <= now) batch.push(message);
    }
    state.messages.splice(0, state.messages.length, ...state.messages.filter((message) => !batch.includes(message)));
    state.delivering = Date.now();
    this.#schedule(state);
    if (batch.length === 0) return;
    let result: QueueResult | undefined;
    try {
      result = await this.#service(consumer.service).deliverQueue(
        undefined,
        state.name,
        batch.map(({ id, timestamp, body, attempts }) => ({ id, timestamp: new Date(timestamp), body, attempts })),
        undefined,
      );
    } catch (error) {
      // The consumer could not be called at all (the runtime closed): the batch is retried.
      if (this.#closed) return;
      this.#warn(`queue "${state.name}": the consumer could not take a batch: ${String(error)}`);
    }
    this.#settle(state, batch, result);
  }

  /** Acknowledged messages are done; the others are delivered again, or given up after maxRetries. */
  #settle(state: QueueState, batch: readonly PendingMessage[], result: QueueResult | undefined): void {
    const settings = state.consumer!.settings;
    const acked = new Set(result?.explicitAcks ?? []);
    const retries = new Map((result?.retryMessages ?? []).map((retry) => [retry.msgId, retry.delaySeconds] as const));
    const again: PendingMessage[] = [];
    const givenUp: PendingMessage[] = [];
    for (const message of batch) {
      let retry: boolean;
      let delay = settings.retryDelaySeconds;
      if (result === undefined) retry = true;
      else if (acked.has(message.id) || result.ackAll) retry = false;
      else if (retries.has(message.id)) {
        retry = true;
        delay = retries.get(message.id) ?? delay;
      } else if (result.retryBatch.retry) {
        retry = true;
        delay = result.retryBatch.delaySeconds ?? delay;
      } else retry = result.outcome !== "ok";
      if (!retry) continue;
      if (message.attempts > settings.maxRetries) givenUp.push(message);
      else again.push({ ...message, attempts: message.attempts + 1, readyAt: Date.now() + delay * 1000 });
    }
    if (again.length > 0) this.#add(state, again);
    if (givenUp.length === 0) return;
    const deadLetter = settings.deadLetterQueue;
    if (deadLetter !== undefined) {
      this.#add(
        this.#queue(deadLetter),
        givenUp.map((message) => ({ ...message, attempts: 1, readyAt: Date.now() })),
      );
    } else {
      this.#warn(
        `queue "${state.name}": ${givenUp.length} ${givenUp.length === 1 ? "message was" : "messages were"} dropped after ${settings.maxRetries + 1} ${settings.maxRetries === 0 ? "delivery" : "deliveries"} (no dead-letter queue is configured).`,
      );
    }
  }

  /** Stops delivering; messages still waiting are dropped. */
  close(): void {
    this.#closed = true;
    for (const state of this.#queues.values()) clearTimeout(state.timer);
  }
}
