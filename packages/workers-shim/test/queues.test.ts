import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { QueueConsumerConfig, ServiceConfig } from "../src/config/schema";
import type { QueueMessageInput, QueueResult } from "../src/event-objects";
import { QueueBroker, type QueueConsumerTarget } from "../src/queues";

interface Producer {
  send(body: unknown, options?: unknown): Promise<void>;
  sendBatch(messages: unknown, options?: unknown): Promise<void>;
}

const SETTINGS: Omit<QueueConsumerConfig, "queue"> = {
  maxBatchSize: 2,
  maxBatchTimeoutMs: 1000,
  maxRetries: 1,
  retryDelaySeconds: 0,
};

/** A consumer service that records its batches and answers with `decide(batch)`. */
function consumer(decide: (batch: readonly QueueMessageInput[]) => Partial<QueueResult> = () => ({})) {
  const batches: { queue: string; messages: string[] }[] = [];
  const target: QueueConsumerTarget = {
    deliverQueue(_entrypoint, queueName, messages) {
      batches.push({ queue: queueName, messages: messages.map((m) => `${String(m.body)}#${String(m.attempts)}`) });
      return Promise.resolve({
        outcome: "ok",
        ackAll: false,
        retryBatch: { retry: false },
        explicitAcks: [],
        retryMessages: [],
        ...decide(messages),
      });
    },
  };
  return { batches, target };
}

function services(consumers: readonly Partial<QueueConsumerConfig>[]): ServiceConfig[] {
  return [
    {
      name: "worker",
      worker: { queueConsumers: consumers.map((c) => ({ ...SETTINGS, queue: "jobs", ...c })) },
    } as unknown as ServiceConfig,
  ];
}

function broker(
  consumers: readonly Partial<QueueConsumerConfig>[],
  target: QueueConsumerTarget,
  warnings: string[] = [],
) {
  return new QueueBroker(
    services(consumers),
    () => target,
    (message) => warnings.push(message),
  );
}

/** Lets the delivered batches settle (their promises) and the timers they set run. */
async function run(ms = 0): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe(QueueBroker.name, () => {
  it("delivers a full batch at once, and a partial one after maxBatchTimeoutMs", async () => {
    const { batches, target } = consumer();
    const queues = broker([{}], target);
    const jobs = queues.producer("jobs") as Producer;
    await jobs.sendBatch([{ body: "a" }, { body: "b" }, { body: "c" }]);
    await run();
    expect(batches).toEqual([{ queue: "jobs", messages: ["a#1", "b#1"] }]);
    await run(999);
    expect(batches).toHaveLength(1);
    await run(1);
    expect(batches).toEqual([
      { queue: "jobs", messages: ["a#1", "b#1"] },
      { queue: "jobs", messages: ["c#1"] },
    ]);
    queues.close();
  });

  it("delivers again what a failed batch did not acknowledge, after retryDelaySeconds, then to the dead-letter queue", async () => {
    const { batches, target } = consumer((messages) =>
      messages[0]?.body === "a" ? { outcome: "exception", explicitAcks: [String(messages[0].id)] } : {},
    );
    const queues = broker([{ retryDelaySeconds: 5, deadLetterQueue: "failed" }, { queue: "failed" }], target);
    await (queues.producer("jobs") as Producer).sendBatch([{ body: "a" }, { body: "b" }]);
    await run();
    expect(batches.map((batch) => batch.messages)).toEqual([["a#1", "b#1"]]);
    // b was not acknowledged and the handler threw: delivered again once its 5 s delay is over.
    await run(6000);
    expect(batches.map((batch) => batch.messages)).toEqual([["a#1", "b#1"], ["b#2"]]);
    await run(1000);
    expect(batches).toHaveLength(2);
    await (queues.producer("jobs") as Producer).send("x");
    await run(1000);
    expect(batches.at(-1)).toEqual({ queue: "jobs", messages: ["x#1"] });
    queues.close();
  });

  it("gives up a message after maxRetries: to the dead-letter queue, or dropped with a warning", async () => {
    const { batches, target } = consumer((messages) => ({
      retryMessages: messages.map((m) => ({ msgId: String(m.id) })),
    }));
    const warnings: string[] = [];
    const queues = broker(
      [
        { maxBatchSize: 1, deadLetterQueue: "failed" },
        { queue: "failed", maxBatchSize: 1, maxRetries: 0 },
      ],
      target,
      warnings,
    );
    await (queues.producer("jobs") as Producer).send("a");
    await run(100);
    expect(batches).toEqual([
      { queue: "jobs", messages: ["a#1"] },
      { queue: "jobs", messages: ["a#2"] },
      { queue: "failed", messages: ["a#1"] },
    ]);
    expect(warnings).toEqual([
      'queue "failed": 1 message was dropped after 1 delivery (no dead-letter queue is configured).',
    ]);
    queues.close();
  });

  it("keeps messages of a queue nobody consumes, and delivers nothing after close()", async () => {
    const { batches, target } = consumer();
    const queues = broker([{}], target);
    await (queues.producer("elsewhere") as Producer).send("kept");
    await (queues.producer("jobs") as Producer).send("late");
    queues.close();
    await run(5000);
    expect(batches).toEqual([]);
    await expect((queues.producer("jobs") as Producer).send("x")).rejects.toThrow(
      "workers-shim: the runtime is closed.",
    );
  });

  it("honours delaySeconds and refuses bad sends", async () => {
    const { batches, target } = consumer();
    const queues = broker([{ maxBatchSize: 1 }], target);
    const jobs = queues.producer("jobs") as Producer;
    await jobs.send("later", { delaySeconds: 3 });
    await run(2999);
    expect(batches).toEqual([]);
    await run(1);
    expect(batches).toEqual([{ queue: "jobs", messages: ["later#1"] }]);
    await expect(jobs.send("x", { delaySeconds: -1 })).rejects.toThrow(
      "Queue.send(): delaySeconds must be a whole number from 0 to 43200, received -1.",
    );
    await expect(jobs.send(() => 1)).rejects.toThrow(/could not be cloned/);
    await expect(jobs.sendBatch(["ab"])).rejects.toThrow(
      "Queue.sendBatch(): each message must be an object {body, delaySeconds?}.",
    );
    await expect(jobs.sendBatch(7)).rejects.toThrow(
      "Queue.sendBatch(): expects an iterable of messages {body, delaySeconds?}.",
    );
    queues.close();
  });
});
