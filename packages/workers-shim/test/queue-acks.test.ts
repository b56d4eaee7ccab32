import { afterEach, describe, expect, it, vi } from "vitest";
import { MessageBatch } from "../src/event-objects";

const messages = [
  { id: "a", timestamp: new Date(1), body: 1, attempts: 1 },
  { id: "b", timestamp: new Date(2), body: 2, attempts: 1 },
];

function batchWithWarnings() {
  const warnings: string[] = [];
  vi.spyOn(console, "warn").mockImplementation((message: string) => void warnings.push(message));
  return { batch: new MessageBatch("jobs", messages), warnings };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe(MessageBatch.name, () => {
  it("keeps the first of two contradicting message decisions and warns about the second", () => {
    const { batch, warnings } = batchWithWarnings();
    const [a, b] = batch.messages;
    a!.ack();
    a!.retry();
    b!.retry({ delaySeconds: 1 });
    b!.ack();
    expect(batch._result("ok")).toEqual({
      outcome: "ok",
      ackAll: false,
      retryBatch: { retry: false },
      explicitAcks: ["a"],
      retryMessages: [{ msgId: "b", delaySeconds: 1 }],
    });
    expect(warnings).toEqual([
      "Received a call to retry() on message a after ack() was already called. Calling retry() on a message after calling ack() has no effect.",
      "Received a call to ack() on message b after retry() was already called. Calling ack() on a message after calling retry() has no effect.",
    ]);
  });

  it("keeps the first of ackAll() and retryAll() and ignores message calls that contradict it", () => {
    const acked = batchWithWarnings();
    acked.batch.ackAll();
    acked.batch.retryAll();
    acked.batch.messages[0]!.retry();
    acked.batch.messages[1]!.ack();
    expect(acked.batch._result("ok")).toMatchObject({
      ackAll: true,
      retryBatch: { retry: false },
      explicitAcks: [],
      retryMessages: [],
    });
    expect(acked.warnings).toEqual([
      "Received a call to retryAll() after ackAll() was already called. Calling retryAll() after calling ackAll() has no effect.",
      "Received a call to retry() on message a after ackAll() was already called. Calling retry() on a message after calling ackAll() has no effect.",
    ]);
    vi.restoreAllMocks();

    const retried = batchWithWarnings();
    retried.batch.retryAll({ delaySeconds: 4 });
    retried.batch.ackAll();
    retried.batch.messages[0]!.ack();
    retried.batch.messages[1]!.retry();
    retried.batch.retryAll({ delaySeconds: 9 });
    expect(retried.batch._result("ok")).toMatchObject({
      ackAll: false,
      retryBatch: { retry: true, delaySeconds: 9 },
      explicitAcks: [],
      retryMessages: [{ msgId: "b" }],
    });
    expect(retried.warnings).toEqual([
      "Received a call to ackAll() after retryAll() was already called. Calling ackAll() after calling retryAll() has no effect.",
      "Received a call to ack() on message a after retryAll() was already called. Calling ack() on a message after calling retryAll() has no effect.",
    ]);
  });

  it("accepts repeated calls, keeps the last delay and reads a delay that is not a number as 0", () => {
    const { batch, warnings } = batchWithWarnings();
    const [a, b] = batch.messages;
    a!.ack();
    a!.ack();
    b!.retry({ delaySeconds: 1 });
    b!.retry({ delaySeconds: "soon" });
    expect(batch._result("ok")).toMatchObject({
      explicitAcks: ["a"],
      retryMessages: [{ msgId: "b", delaySeconds: 0 }],
    });
    expect(warnings).toEqual([]);
  });
});
