import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import {
  createSequentialIds,
  createTailStreamSink,
  currentUserSpan,
  estimateEventHeapBytes,
  type Invocation,
  IoContext,
  reportLog,
  runInInvocation,
  TAIL_BACKLOG_LIMIT_BYTES,
  TAIL_SESSION_BYTES,
  TailBacklog,
  type TailEvent,
  type TailSink,
  type TailStreamSinkOptions,
  TailTimeLimitError,
  traceInvocation,
} from "../src/index";

function start(sink: TailSink): Invocation {
  return new IoContext({ ids: createSequentialIds() }).startInvocation({ kind: "custom", sink });
}

function label(event: TailEvent): string {
  return `${event.sequence} ${event.event.type}`;
}

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy: a tail that spends CPU time on every event.
  }
}

/** A session whose end is a promise; `handler` receives every event after the onset. */
function session(handler: (event: TailEvent) => unknown, options: TailStreamSinkOptions = {}) {
  let resolveEnd!: () => void;
  const end = new Promise<void>((resolve) => (resolveEnd = resolve));
  const sink = createTailStreamSink(() => handler, { ...options, onEnd: resolveEnd });
  return { sink, end };
}

function logs(sink: TailSink, messages: readonly string[]): void {
  const invocation = start(sink);
  runInInvocation(invocation, () => {
    for (const message of messages) reportLog("log", [message]);
  });
  invocation.reportReturn();
  invocation.finish();
}

describe("tail session scheduling", () => {
  it("never calls the tail on the traced code's stack or ahead of its continuations", async () => {
    let phase = "before";
    const seen: string[] = [];
    let resolveEnd!: () => void;
    const end = new Promise<void>((resolve) => (resolveEnd = resolve));
    const sink = createTailStreamSink(
      () => {
        seen.push(`start ${phase}`);
        return (event: TailEvent) => void seen.push(`${event.event.type} ${phase}`);
      },
      { onEnd: resolveEnd },
    );
    const traced = traceInvocation({ tail: sink, kind: "test" }, async () => {
      phase = "traced";
      reportLog("log", ["first"]);
      for (let i = 0; i < 20; i++) await null;
      reportLog("log", ["second"]);
      phase = "traced, ending";
    });
    await traced;
    phase = "after";
    await end;
    expect(seen).toEqual(["start after", "log after", "log after", "outcome after"]);
  });

  it("gives each turn of the event loop at most one call that outlasts the turn budget", async () => {
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const turns: number[] = [];
    const slow = (event: TailEvent): void => {
      if (event.event.type !== "log") return;
      turns.push(turn);
      spin(6);
    };
    const a = session(slow);
    const b = session(slow);
    logs(a.sink, ["a1", "a2", "a3"]);
    logs(b.sink, ["b1", "b2", "b3"]);
    await Promise.all([a.end, b.end]);
    ticking = false;
    expect(turns).toHaveLength(6);
    expect(new Set(turns).size).toBe(6);
  });

  it("lets a quick consumer's session finish while a slow consumer is still behind", async () => {
    let slowCalls = 0;
    const slow = session(
      (event) => {
        if (event.event.type !== "log") return;
        slowCalls++;
        spin(5);
      },
      { backlog: new TailBacklog() },
    );
    const quick = session(() => {}, { backlog: new TailBacklog() });
    logs(
      slow.sink,
      Array.from({ length: 10 }, (_, i) => `slow ${i}`),
    );
    logs(quick.sink, ["quick"]);
    await quick.end;
    expect(slowCalls).toBeLessThan(10);
    await slow.end;
    expect(slowCalls).toBe(10);
  });

  it("gives the sessions of one consumer their events in the order they were reported", async () => {
    const backlog = new TailBacklog();
    const seen: string[] = [];
    const record = (name: string) => (event: TailEvent) => {
      if (event.event.type === "log") seen.push(`${name} ${String((event.event.message as unknown[])[0])}`);
    };
    const a = session(record("a"), { backlog });
    const b = session(record("b"), { backlog });
    const first = start(a.sink);
    const second = start(b.sink);
    runInInvocation(first, () => reportLog("log", [1]));
    runInInvocation(second, () => reportLog("log", [2]));
    runInInvocation(first, () => reportLog("log", [3]));
    runInInvocation(second, () => reportLog("log", [4]));
    first.finish();
    second.finish();
    await Promise.all([a.end, b.end]);
    expect(seen).toEqual(["a 1", "b 2", "a 3", "b 4"]);
    expect(backlog.idle).toBe(true);
  });

  it("runs the handler outside any invocation by default", async () => {
    const frames: unknown[] = [];
    const { sink, end } = session(() => void frames.push(currentUserSpan()));
    logs(sink, ["x"]);
    await end;
    expect(frames).toEqual([undefined, undefined, undefined]);
  });
});

describe(TailBacklog.name, () => {
  it("is 32 MiB without a time limit by default, and refuses limits that are not positive numbers", () => {
    const backlog = new TailBacklog();
    expect(backlog.limitBytes).toBe(TAIL_BACKLOG_LIMIT_BYTES);
    expect(backlog.callTimeLimitMs).toBe(0);
    expect(TAIL_BACKLOG_LIMIT_BYTES).toBe(32 * 1024 * 1024);
    for (const bad of [0, -1, Number.NaN, "1024" as unknown as number]) {
      expect(() => new TailBacklog({ limitBytes: bad })).toThrow(RangeError);
    }
    for (const bad of [0, -5, 1.5, Number.POSITIVE_INFINITY, "10" as unknown as number]) {
      expect(() => new TailBacklog({ callTimeLimitMs: bad })).toThrow(RangeError);
    }
    expect(() => new TailBacklog({ limitBytes: -1 })).toThrow(
      "core-context: TailBacklog limitBytes must be a positive number of bytes, received -1.",
    );
    expect(() => new TailBacklog({ callTimeLimitMs: 1.5 })).toThrow(
      "core-context: TailBacklog callTimeLimitMs must be a positive whole number of milliseconds, received 1.5.",
    );
  });

  it("drops what does not fit beside a stuck session's events and reports it in each session", async () => {
    const probe: TailEvent[] = [];
    await traceInvocation({ tail: probe, kind: "test" }, () => void reportLog("log", ["x".repeat(1000)]));
    const logBytes = estimateEventHeapBytes(probe.find((event) => event.event.type === "log")!);
    // Room for both sessions and two and a half logs.
    const backlog = new TailBacklog({ limitBytes: 2 * TAIL_SESSION_BYTES + Math.floor(2.5 * logBytes) });

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const stuckSeen: string[] = [];
    const stuck = session(
      (event) => {
        stuckSeen.push(label(event));
        return gate;
      },
      { backlog },
    );
    const otherSeen: TailEvent[] = [];
    const other = session((event) => void otherSeen.push(event), { backlog });
    const stuckInvocation = start(stuck.sink);
    const otherInvocation = start(other.sink);
    const message = "x".repeat(1000);
    runInInvocation(stuckInvocation, () => {
      for (let i = 0; i < 3; i++) reportLog("log", [message]);
    });
    stuckInvocation.reportReturn();
    stuckInvocation.finish();
    // Two logs fit, the third is dropped; the batch goes out whole, and its bytes stay taken
    // until the promises the handler returned settle.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stuckSeen).toEqual(["1 log", "2 log", "4 return", "5 streamDiagnostic", "6 outcome"]);
    expect(backlog.usedBytes).toBeGreaterThanOrEqual(2 * TAIL_SESSION_BYTES + 2 * logBytes);

    runInInvocation(otherInvocation, () => {
      reportLog("log", [message]);
      reportLog("log", [message]);
    });
    otherInvocation.reportReturn();
    otherInvocation.finish();
    await other.end;
    expect(otherSeen.map(label)).toEqual(["3 return", "4 streamDiagnostic", "5 outcome"]);
    expect(otherSeen[1]!.event).toStrictEqual({
      type: "streamDiagnostic",
      diagnostic: { diagnosticsType: "droppedEvents", count: 2 },
    });

    release();
    await stuck.end;
    expect(backlog.droppedEvents).toBe(3);
    expect(backlog.usedBytes).toBe(0);
  });

  it("refuses a whole session while there is no room for another, and admits one again later", async () => {
    const backlog = new TailBacklog({ limitBytes: TAIL_SESSION_BYTES + 1000 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const stuck = session(() => gate, { backlog });
    logs(stuck.sink, []);
    const started: string[] = [];
    let refused = 0;
    let ended = 0;
    const refusedSink = createTailStreamSink(() => void started.push("refused one started"), {
      backlog,
      onRefused: () => refused++,
      onEnd: () => ended++,
    });
    logs(refusedSink, ["lost"]);
    expect([refused, ended, backlog.droppedSessions]).toEqual([1, 1, 1]);
    release();
    await stuck.end;
    expect(backlog.usedBytes).toBe(0);
    const later = session(() => {}, { backlog });
    logs(later.sink, ["kept"]);
    await later.end;
    expect(started).toEqual([]);
    expect(backlog.droppedSessions).toBe(1);
  });

  it("gives the bytes of every event back when a session fails", async () => {
    const backlog = new TailBacklog();
    const { sink, end } = session(
      () => {
        throw new Error("tail broke");
      },
      { backlog },
    );
    logs(sink, ["a", "b", "c"]);
    await end;
    expect(backlog.usedBytes).toBe(0);
  });
});

describe("a consumer's call time limit", () => {
  it("stops a call that never returns, ends its session with TailTimeLimitError, and goes on", async () => {
    const errors: unknown[] = [];
    const seen: string[] = [];
    const backlog = new TailBacklog({ callTimeLimitMs: 100 });
    const looping = session(
      (event) => {
        seen.push(`looping ${label(event)}`);
        if (event.sequence === 2)
          for (;;) {
            // A tail stuck in a synchronous loop.
          }
      },
      { backlog, onError: (error) => errors.push(error) },
    );
    const other = session((event) => void seen.push(`other ${label(event)}`), { backlog: new TailBacklog() });
    logs(looping.sink, ["a", "b", "c"]);
    logs(other.sink, ["x"]);
    await Promise.all([looping.end, other.end]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TailTimeLimitError);
    expect((errors[0] as TailTimeLimitError).limitMs).toBe(100);
    expect((errors[0] as Error).message).toBe(
      "the tail handler ran for more than 100 ms without returning and was stopped.",
    );
    expect(seen.filter((line) => line.startsWith("looping"))).toEqual(["looping 1 log", "looping 2 log"]);
    expect(seen.filter((line) => line.startsWith("other"))).toEqual([
      "other 1 log",
      "other 2 return",
      "other 3 outcome",
    ]);
    expect(backlog.usedBytes).toBe(0);
    expect(backlog.idle).toBe(true);

    // The next session of the same consumer runs normally, outside any invocation.
    const frames: unknown[] = [];
    const next = session(
      (event) => {
        frames.push(currentUserSpan());
        seen.push(`next ${label(event)}`);
      },
      { backlog },
    );
    logs(next.sink, ["d"]);
    await next.end;
    expect(seen.filter((line) => line.startsWith("next"))).toEqual(["next 1 log", "next 2 return", "next 3 outcome"]);
    expect(frames).toEqual([undefined, undefined, undefined]);
  });
});

describe(estimateEventHeapBytes.name, () => {
  it("is at least the heap that copies of typical events take", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const samples: TailEvent[] = [];
    await traceInvocation({ tail: samples, kind: "test" }, () => {
      const span = currentUserSpan()!.startChild("work");
      for (let i = 0; i < 20; i++) span.setAttribute(`attribute.${i}`, i % 2 === 0 ? `value ${i}` : i * 1.5);
      span.end();
      reportLog("log", ["x".repeat(4000)]);
      reportLog("log", ["ü€".repeat(2000), { nested: [1, 2, 3], text: "y".repeat(100) }]);
      reportLog("warn", [Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]))]);
    });
    const estimate = samples.reduce((total, event) => total + estimateEventHeapBytes(event), 0);
    const copies = 2000;
    const kept: unknown[] = [];
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < copies; i++) kept.push(structuredClone(samples));
    gc();
    gc();
    const after = process.memoryUsage().heapUsed;
    const perCopy = (after - before) / copies;
    expect(kept).toHaveLength(copies);
    expect(perCopy).toBeGreaterThan(0);
    expect(perCopy).toBeLessThanOrEqual(estimate);
  });
});
