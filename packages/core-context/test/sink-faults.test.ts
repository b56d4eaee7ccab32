import { describe, expect, it } from "vitest";
import { createTailStreamSink, traceInvocation, type TailEvent } from "../src/index";
import { settle } from "./helpers";

/** A value that looks like a thenable until its `then` is read. */
function throwingThen(message: string): object {
  return {
    get then(): never {
      throw new Error(message);
    },
  };
}

describe(`${createTailStreamSink.name} faults`, () => {
  it("ends the session, without reaching the traced code, when tailStream's result has a throwing then getter", async () => {
    const errors: unknown[] = [];
    let ended = false;
    const sink = createTailStreamSink(() => throwingThen("then getter throws"), {
      onError: (error) => errors.push(error),
      onEnd: () => (ended = true),
    });
    const events: TailEvent[] = [];
    const result = await traceInvocation({ tail: [sink, events], kind: "test" }, () => "worker result");
    await settle();
    expect(result).toBe("worker result");
    expect(events.map((event) => event.event.type)).toEqual(["onset", "outcome"]);
    expect(errors.map(String)).toEqual(["Error: then getter throws"]);
    expect(ended).toBe(true);
  });

  it("ends the session when a handler's result has a throwing then getter", async () => {
    const errors: unknown[] = [];
    const sink = createTailStreamSink(() => () => throwingThen("event then throws"), {
      onError: (error) => errors.push(error),
    });
    const result = await traceInvocation({ tail: sink, kind: "test" }, () => "worker result");
    await settle();
    expect(result).toBe("worker result");
    expect(errors.map(String)).toEqual(["Error: event then throws"]);
  });
});
