import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { describeException, estimateEventSize, serializeLogArguments, type TailEvent } from "../src/index";

// Worker code runs in a global scope of its own (a vm context): its errors, dates and arrays come
// from another realm than this package's, and must be treated exactly as local ones.

const foreign = <T>(code: string): T => runInNewContext(code) as T;

function logEvent(message: unknown): TailEvent {
  return { event: { type: "log", level: "log", message } } as unknown as TailEvent;
}

describe("values from another realm", () => {
  it("serialises a foreign error in a log as a local one", () => {
    const error = foreign<Error>("new TypeError('boom')");
    const local = new TypeError("boom");
    const serialized = serializeLogArguments(["x", error]);
    expect(serialized.message).toEqual(serializeLogArguments(["x", local]).message);
    expect(serialized.message).toEqual(["x", "TypeError: boom"]);
    expect(serialized.errorInfo?.[1]).toMatchObject({ name: "TypeError", message: "boom" });
  });

  it("describes a foreign error's exception with its name, message and stack", () => {
    const described = describeException(foreign<Error>("(function thrower() { return new RangeError('far'); })()"));
    expect(described).toMatchObject({ type: "exception", name: "RangeError", message: "far" });
    expect(described.stack).toMatch(/^\s+at thrower/);
  });

  it("estimates a foreign Date and array as local ones", () => {
    expect(estimateEventSize(logEvent([foreign("new Date(0)")]))).toBe(estimateEventSize(logEvent([new Date(0)])));
    expect(estimateEventSize(logEvent(foreign("['ab', 'c']")))).toBe(estimateEventSize(logEvent(["ab", "c"])));
  });
});
