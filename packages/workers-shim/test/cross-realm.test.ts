import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { DurableObjectStorage } from "../src/durable-object-storage";
import { describeError, describeErrorWithStack } from "../src/errors";
import { MessageBatch } from "../src/event-objects";

// Worker code runs in a global scope of its own (a vm context): the errors and dates it hands the
// runtime come from another realm, and must be treated exactly as local ones.

const foreign = <T>(code: string): T => runInNewContext(code) as T;

describe("values from a worker's realm", () => {
  it("describes a foreign error by name and message, with its stack", () => {
    const error = foreign<Error>("(function thrower() { return new TypeError('bad\\nthing'); })()");
    expect(describeError(error)).toBe("TypeError: bad\\nthing");
    expect(describeErrorWithStack(error)).toMatch(/^TypeError: bad\nthing\n\s+at thrower/);
  });

  it("takes a foreign Date as an alarm time", async () => {
    let scheduled: number | undefined;
    const storage = new DurableObjectStorage({
      alarmTime: () => scheduled ?? null,
      scheduleAlarm: (time) => void (scheduled = time),
      cancelAlarm: () => void (scheduled = undefined),
    });
    await storage.setAlarm(foreign<Date>("new Date(123456)"));
    expect(scheduled).toBe(123456);
  });

  it("keeps a foreign Date as a queue message's timestamp", () => {
    const timestamp = foreign<Date>("new Date(5000)");
    const batch = new MessageBatch("jobs", [{ id: "a", timestamp }]);
    expect(batch.messages[0]!.timestamp).toBe(timestamp);
  });
});
