import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createSequentialIds,
  createTailStreamSink,
  currentUserSpan,
  estimateEventSize,
  type Invocation,
  IoContext,
  type Onset,
  reportLog,
  runInInvocation,
  TAIL_QUEUE_LIMIT_BYTES,
  type TailEvent,
  type TailSink,
  type TailStreamSinkOptions,
  toTailSink,
  traceInvocation,
} from "../src/index";
import { S, settle } from "./helpers";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});

afterEach(async () => {
  await settle();
  await settle();
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

function start(sink: TailSink): Invocation {
  return new IoContext({ ids: createSequentialIds() }).startInvocation({ kind: "custom", sink });
}

function label(event: TailEvent): string {
  return `${event.sequence} ${event.event.type}`;
}

/** Opens a session whose warnings, errors and end are recorded. */
function open(begin: (onset: TailEvent<Onset>) => unknown, options: TailStreamSinkOptions = {}) {
  const warnings: string[] = [];
  const errors: unknown[] = [];
  let ended = false;
  let resolveEnd!: () => void;
  const end = new Promise<void>((resolve) => (resolveEnd = resolve));
  const sink = createTailStreamSink(begin, {
    onWarning: (message) => warnings.push(message),
    onError: (error) => errors.push(error),
    onEnd: () => {
      ended = true;
      resolveEnd();
    },
    ...options,
  });
  return { sink, warnings, errors, end, isEnded: () => ended };
}

/** Reports spanOpen, attributes, spanClose, log, return and outcome (sequences 1–6). */
function runSampleInvocation(sink: TailSink): void {
  const invocation = start(sink);
  runInInvocation(invocation, () => {
    const span = currentUserSpan()!.startChild("work");
    span.setAttribute("k", 1);
    span.end();
    reportLog("log", ["hi"]);
  });
  invocation.reportReturn();
  invocation.finish();
}

const UNUSABLE_PREFIX =
  "tailStream() handler returned an unusable value. The tailStream() handler is expected to return either a function, an object, or undefined. Received ";

describe(createTailStreamSink.name, () => {
  it("calls tailStream once with the onset alone, outside any invocation", async () => {
    const onsets: TailEvent<Onset>[] = [];
    const frames: unknown[] = [];
    const { sink, end } = open((onset) => {
      onsets.push(onset);
      frames.push(currentUserSpan());
      return () => {};
    });
    runSampleInvocation(sink);
    await end;
    expect(onsets.map(label)).toEqual(["0 onset"]);
    expect(frames).toEqual([undefined]);
  });

  it("delivers every later event to a returned function, called with the function as this", async () => {
    const received: string[] = [];
    const receivers: unknown[] = [];
    const handler = function (this: unknown, event: TailEvent): void {
      receivers.push(this);
      received.push(label(event));
    };
    const { sink, end, warnings, errors } = open(() => handler);
    runSampleInvocation(sink);
    await end;
    expect(received).toEqual(["1 spanOpen", "2 attributes", "3 spanClose", "4 log", "5 return", "6 outcome"]);
    expect(receivers).toHaveLength(6);
    expect(receivers.every((receiver) => receiver === handler)).toBe(true);
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("accepts a promise for the handler", async () => {
    const received: string[] = [];
    const { sink, end } = open(async () => {
      await null;
      return (event: TailEvent) => void received.push(label(event));
    });
    runSampleInvocation(sink);
    await end;
    expect(received).toEqual(["1 spanOpen", "2 attributes", "3 spanClose", "4 log", "5 return", "6 outcome"]);
  });

  it("calls the member of a handler object named after the event type, with the object as this", async () => {
    const calls: [string, number, boolean][] = [];
    class Base {
      spanOpen(this: Base, event: TailEvent): void {
        calls.push(["spanOpen", event.sequence, this === handler]);
      }
    }
    class Handler extends Base {
      // Not a function: attributes events are skipped.
      readonly attributes = 42;
      onset(): void {
        calls.push(["onset", -1, false]);
      }
      log(this: Handler, event: TailEvent): void {
        calls.push(["log", event.sequence, this === handler]);
      }
      outcome(this: Handler, event: TailEvent): void {
        calls.push(["outcome", event.sequence, this === handler]);
      }
    }
    const handler = new Handler();
    const { sink, end, errors } = open(() => handler);
    runSampleInvocation(sink);
    await end;
    // spanClose and return have no member; onset is never called.
    expect(calls).toEqual([
      ["spanOpen", 1, true],
      ["log", 4, true],
      ["outcome", 6, true],
    ]);
    expect(errors).toEqual([]);
  });

  it("calls streamDiagEvent, not streamDiagnostic, for a stream diagnostic", async () => {
    const calls: string[] = [];
    const handler = {
      log: (event: TailEvent) => void calls.push(`log ${event.sequence}`),
      streamDiagnostic: () => void calls.push("streamDiagnostic"),
      streamDiagEvent: (event: TailEvent) => void calls.push(`streamDiagEvent ${event.sequence}`),
      outcome: (event: TailEvent) => void calls.push(`outcome ${event.sequence}`),
    };
    const probe: TailEvent[] = [];
    await traceInvocation({ tail: probe, kind: "test" }, () => void reportLog("log", ["kept"]));
    const { sink, end } = open(() => handler, {
      queueLimitBytes: estimateEventSize(probe.find((e) => e.event.type === "log")!),
    });
    const invocation = start(sink);
    runInInvocation(invocation, () => {
      reportLog("log", ["kept"]);
      reportLog("log", ["dropped"]);
      reportLog("log", ["dropped"]);
    });
    invocation.finish();
    await end;
    expect(calls).toEqual(["log 1", "streamDiagEvent 4", "outcome 5"]);
  });

  it("calls the spanLinks member for a span links event", async () => {
    const calls: string[] = [];
    const handler = {
      spanLinks: (event: TailEvent) => void calls.push(`spanLinks ${event.sequence}`),
      outcome: (event: TailEvent) => void calls.push(`outcome ${event.sequence}`),
    };
    const { sink, end } = open(() => handler);
    const invocation = start(sink);
    runInInvocation(invocation, () => {
      const context = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };
      currentUserSpan()!.addLink({ context, attributes: [], droppedAttributesCount: 0 });
    });
    invocation.finish();
    await end;
    expect(calls).toEqual(["spanLinks 1", "outcome 2"]);
  });

  it("ends the session quietly when tailStream returns undefined", async () => {
    let calls = 0;
    const { sink, end, warnings, errors } = open(() => {
      calls++;
      return undefined;
    });
    runSampleInvocation(sink);
    await end;
    expect(calls).toBe(1);
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("warns with workerd's text when tailStream returns 42", async () => {
    const { sink, end, warnings, errors } = open(() => 42);
    runSampleInvocation(sink);
    await end;
    expect(warnings).toMatchInlineSnapshot(`
      [
        "tailStream() handler returned an unusable value. The tailStream() handler is expected to return either a function, an object, or undefined. Received number",
      ]
    `);
    expect(errors).toEqual([]);
  });

  it.for<[string, unknown, string]>([
    ["a string", "text", "string"],
    ["a boolean", true, "boolean"],
    ["null", null, "object"],
    ["a symbol", Symbol("s"), "symbol"],
    ["a bigint", 10n, "bigint"],
    ["a promise for a number", Promise.resolve(7), "number"],
  ])("warns and ends the session when tailStream returns %s", async ([, value, type]) => {
    const { sink, end, warnings, errors } = open(() => value);
    runSampleInvocation(sink);
    await end;
    expect(warnings).toEqual([UNUSABLE_PREFIX + type]);
    expect(errors).toEqual([]);
  });

  it("ends the session when tailStream throws, without disturbing the traced code", async () => {
    const error = new Error("tail broke");
    const { sink, end, errors, warnings } = open(() => {
      throw error;
    });
    expect(() => runSampleInvocation(sink)).not.toThrow();
    await end;
    expect(errors).toEqual([error]);
    expect(errors[0]).toBe(error);
    expect(warnings).toEqual([]);
  });

  it("ends the session when tailStream rejects", async () => {
    const error = new Error("tail rejected");
    const { sink, end, errors } = open(() => Promise.reject(error));
    runSampleInvocation(sink);
    await end;
    expect(errors).toEqual([error]);
  });

  it("delivers no later event once a handler throws", async () => {
    const received: string[] = [];
    const error = new Error("handler broke");
    const { sink, end, errors } = open(() => (event: TailEvent) => {
      received.push(label(event));
      if (event.event.type === "spanOpen") throw error;
    });
    runSampleInvocation(sink);
    await end;
    expect(received).toEqual(["1 spanOpen"]);
    expect(errors).toEqual([error]);
  });

  it("delivers no later batch once a handler promise rejects", async () => {
    const received: string[] = [];
    const error = new Error("async handler broke");
    const { sink, end, errors } = open(() => (event: TailEvent) => {
      received.push(label(event));
      return event.sequence === 1 ? Promise.reject(error) : undefined;
    });
    const invocation = start(sink);
    runInInvocation(invocation, () => {
      reportLog("log", ["a"]);
      reportLog("log", ["b"]);
    });
    await end;
    runInInvocation(invocation, () => reportLog("log", ["c"]));
    invocation.finish();
    await settle();
    // The whole first batch is called before its promises are looked at.
    expect(received).toEqual(["1 log", "2 log"]);
    expect(errors).toEqual([error]);
  });

  it("sends the next batch only after the previous batch's promises settled", async () => {
    const received: string[] = [];
    const gates = new Map<number, () => void>();
    const { sink, end, isEnded } = open(() => (event: TailEvent) => {
      received.push(label(event));
      if (event.sequence === 1 || event.sequence === 2) {
        return new Promise<void>((resolve) => gates.set(event.sequence, resolve));
      }
      return undefined;
    });
    const invocation = start(sink);
    runInInvocation(invocation, () => reportLog("log", ["a"]));
    await settle();
    runInInvocation(invocation, () => {
      reportLog("log", ["b"]);
      reportLog("log", ["c"]);
    });
    await settle();
    expect(received).toEqual(["1 log"]);

    gates.get(1)!();
    // The settled batch wakes the session in a microtask, and its next batch goes out a turn later.
    await settle();
    await settle();
    // One batch: "c" is delivered without waiting for the promise returned for "b".
    expect(received).toEqual(["1 log", "2 log", "3 log"]);

    invocation.finish();
    await settle();
    expect(received).toEqual(["1 log", "2 log", "3 log"]);

    gates.get(2)!();
    await end;
    expect(received).toEqual(["1 log", "2 log", "3 log", "4 outcome"]);
    expect(isEnded()).toBe(true);
  });

  it("ends the session only after the outcome handler's promise settled", async () => {
    let release!: () => void;
    const { sink, isEnded, end } = open(() => ({
      outcome: () => new Promise<void>((resolve) => (release = resolve)),
    }));
    start(sink).finish();
    await settle();
    expect(release).toBeTypeOf("function");
    expect(isEnded()).toBe(false);
    release();
    await end;
    expect(isEnded()).toBe(true);
  });

  it("drops events past the queue limit and reports their count right before the outcome", async () => {
    const probe: TailEvent[] = [];
    await traceInvocation({ tail: probe, kind: "test" }, () => void reportLog("log", ["0123456789"]));
    const logSize = estimateEventSize(probe.find((e) => e.event.type === "log")!);

    const received: TailEvent[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { sink, end } = open(
      () => (event: TailEvent) => {
        received.push(event);
        return gate;
      },
      { queueLimitBytes: 3 * logSize },
    );
    const invocation = start(sink);
    runInInvocation(invocation, () => {
      for (let i = 0; i < 10; i++) reportLog("log", ["0123456789"]);
    });
    invocation.reportReturn();
    invocation.finish();
    release();
    await end;

    expect(received.map(label)).toEqual(["1 log", "2 log", "3 log", "11 return", "12 streamDiagnostic", "13 outcome"]);
    const diagnostic = received[4]!;
    expect(diagnostic.spanContext).toStrictEqual({ traceId: invocation.traceId, spanId: S(1) });
    expect(diagnostic.invocationId).toBe(invocation.invocationId);
    expect(diagnostic.event).toStrictEqual({
      type: "streamDiagnostic",
      diagnostic: { diagnosticsType: "droppedEvents", count: 7 },
    });
    expect(received[5]!.spanContext).toStrictEqual({ traceId: invocation.traceId, spanId: S(1) });
    expect(received[5]!.event).toStrictEqual({ type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 });
  });

  it("accepts events again once the pending batch finished", async () => {
    const probe: TailEvent[] = [];
    await traceInvocation({ tail: probe, kind: "test" }, () => void reportLog("log", ["kept again"]));
    const received: string[] = [];
    const { sink, end } = open(() => (event: TailEvent) => void received.push(label(event)), {
      queueLimitBytes: estimateEventSize(probe.find((e) => e.event.type === "log")!),
    });
    const invocation = start(sink);
    runInInvocation(invocation, () => {
      reportLog("log", ["kept"]);
      reportLog("log", ["dropped"]);
    });
    await settle();
    runInInvocation(invocation, () => reportLog("log", ["kept again"]));
    invocation.finish();
    await end;
    expect(received).toEqual(["1 log", "3 log", "4 streamDiagnostic", "5 outcome"]);
  });

  it("keeps a small event that still fits after dropping a big one", async () => {
    const probe: TailEvent[] = [];
    await traceInvocation({ tail: probe, kind: "test" }, () => void reportLog("log", ["x".repeat(100)]));
    const received: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { sink, end } = open(
      () => (event: TailEvent) => {
        received.push(label(event));
        return gate;
      },
      { queueLimitBytes: 2 * estimateEventSize(probe.find((e) => e.event.type === "log")!) },
    );
    const invocation = start(sink);
    runInInvocation(invocation, () => {
      reportLog("log", ["x".repeat(100)]);
      reportLog("log", ["x".repeat(150)]);
      reportLog("log", ["x".repeat(100)]);
    });
    invocation.finish();
    release();
    await end;
    expect(received).toEqual(["1 log", "3 log", "4 streamDiagnostic", "5 outcome"]);
  });

  it("uses workerd's 4 MiB queue limit and log cost by default", async () => {
    expect(TAIL_QUEUE_LIMIT_BYTES).toBe(4194304);
    const probe: TailEvent[] = [];
    await traceInvocation({ tail: probe, kind: "test" }, () => void reportLog("log", ["x".repeat(1000)]));
    expect(estimateEventSize(probe.find((e) => e.event.type === "log")!)).toBe(1228);
  });
});

describe(toTailSink.name, () => {
  it("collects events into an array", async () => {
    const events: TailEvent[] = [];
    const sink = toTailSink(events);
    runSampleInvocation(sink);
    expect(events.map(label)).toEqual([
      "0 onset",
      "1 spanOpen",
      "2 attributes",
      "3 spanClose",
      "4 log",
      "5 return",
      "6 outcome",
    ]);
  });

  it("keeps collecting into an array that already holds events", () => {
    const events: TailEvent[] = [];
    runSampleInvocation(toTailSink(events));
    runSampleInvocation(toTailSink(events));
    expect(events).toHaveLength(14);
  });

  it("calls a function for every event and stops calling it once it throws", () => {
    const received: string[] = [];
    const sink = toTailSink((event: TailEvent) => {
      received.push(label(event));
      if (event.event.type === "attributes") throw new Error("consumer broke");
    });
    expect(() => runSampleInvocation(sink)).not.toThrow();
    expect(received).toEqual(["0 onset", "1 spanOpen", "2 attributes"]);
  });

  it("returns a TailSink as is", () => {
    const sink: TailSink = { deliver: () => {}, close: () => {} };
    expect(toTailSink(sink)).toBe(sink);
  });

  it("drives an object with tailStream() as a streaming tail session", async () => {
    const received: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const worker = {
      receiver: undefined as unknown,
      tailStream(this: { receiver: unknown }, onset: TailEvent<Onset>) {
        this.receiver = this;
        received.push(label(onset));
        return {
          spanOpen: (event: TailEvent) => void received.push(label(event)),
          outcome: (event: TailEvent) => {
            received.push(label(event));
            done();
          },
        };
      },
    };
    runSampleInvocation(toTailSink(worker));
    await finished;
    expect(worker.receiver).toBe(worker);
    expect(received).toEqual(["0 onset", "1 spanOpen", "6 outcome"]);
  });

  it("gives every event to each target of a list", () => {
    const first: TailEvent[] = [];
    const second: string[] = [];
    runSampleInvocation(toTailSink([first, (event: TailEvent) => void second.push(label(event))]));
    expect(first.map(label)).toEqual(second);
    expect(second).toHaveLength(7);
  });

  it("rejects a target of another kind", () => {
    expect(() => toTailSink(42 as never)).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: core-context: toTailSink() expects an array, a function, a TailSink or an object with tailStream(), received number 42.]`,
    );
    expect(() => toTailSink({ deliver: 1, other: 2 } as never)).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: core-context: toTailSink() expects an array, a function, a TailSink or an object with tailStream(), received an object with keys [deliver, other].]`,
    );
  });
});
