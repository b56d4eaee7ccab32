import { describe, expect, it } from "vitest";
import {
  createSequentialIds,
  traceInvocation,
  type TailEvent,
  type TracingImprovements,
} from "@workers-tracing/core-context";
import { NOOP_SPAN, tracing, type Span } from "@workers-tracing/user-tracing";
import { withSpan } from "../src/index";

/** One event as `[sequence, spanContext.spanId, payload]`; ids, trace and invocation are fixed by the test ids. */
type Row = [number, string | undefined, TailEvent["event"]];

async function traced(fn: () => unknown, improvements: TracingImprovements = {}): Promise<Row[]> {
  const events: TailEvent[] = [];
  await traceInvocation({ tail: events, ids: createSequentialIds(), kind: "test", improvements }, fn);
  for (const event of events) {
    expect(event.invocationId).toBe("00000000000000000000000000000001");
    expect(event.spanContext.traceId).toBe("00000000000000000000000000000001");
  }
  return events.map((e) => [e.sequence, e.spanContext.spanId, e.event]);
}

const ONSET: Row = [
  0,
  undefined,
  { type: "onset", executionModel: "stateless", spanId: "0000000000000001", scriptTags: [], info: { type: "custom" } },
];
const open = (sequence: number, parent: string, name: string, spanId: string): Row => [
  sequence,
  parent,
  { type: "spanOpen", name, spanId },
];
const close = (sequence: number, spanId: string): Row => [sequence, spanId, { type: "spanClose", outcome: "ok" }];
const log = (sequence: number, spanId: string, ...message: unknown[]): Row => [
  sequence,
  spanId,
  { type: "log", level: "log", message },
];
const outcome = (sequence: number): Row => [
  sequence,
  "0000000000000001",
  { type: "outcome", outcome: "ok", cpuTime: 0, wallTime: 0 },
];
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A span marker: an empty child span opened under whatever span is current. */
function mark(name: string): void {
  tracing.startSpan(name).end();
}

describe(withSpan.name, () => {
  describe("with a plain function", () => {
    it("returns the result and ends the span before returning", async () => {
      let spanInside: Span | undefined;
      const rows = await traced(() => {
        const result = withSpan("sync", (span) => {
          spanInside = span;
          span.setAttribute("n", 1);
          mark("child");
          return 42;
        });
        expect(result).toBe(42);
        expect(spanInside!.isTraced).toBe(false);
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "sync", "0000000000000002"),
        open(2, "0000000000000002", "child", "0000000000000003"),
        close(3, "0000000000000003"),
        [4, "0000000000000002", { type: "attributes", info: [{ name: "n", value: 1 }] }],
        close(5, "0000000000000002"),
        outcome(6),
      ]);
    });

    it("ends the span when the promise settles and keeps it current across await", async () => {
      const rows = await traced(async () => {
        const value = await withSpan("async", async () => {
          await tick();
          mark("after-await");
          return "done";
        });
        expect(value).toBe("done");
        mark("after-span");
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "async", "0000000000000002"),
        open(2, "0000000000000002", "after-await", "0000000000000003"),
        close(3, "0000000000000003"),
        close(4, "0000000000000002"),
        open(5, "0000000000000001", "after-span", "0000000000000004"),
        close(6, "0000000000000004"),
        outcome(7),
      ]);
    });

    it("rethrows the same error and ends the span", async () => {
      const boom = new Error("boom");
      const rows = await traced(async () => {
        expect(() =>
          withSpan("sync-throw", () => {
            throw boom;
          }),
        ).toThrow(boom);
        await expect(
          withSpan("async-throw", async () => {
            await tick();
            throw boom;
          }),
        ).rejects.toBe(boom);
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "sync-throw", "0000000000000002"),
        close(2, "0000000000000002"),
        open(3, "0000000000000001", "async-throw", "0000000000000003"),
        close(4, "0000000000000003"),
        outcome(5),
      ]);
    });

    it("returns a generator object from a plain function as is and ends the span at once", async () => {
      function* numbers(): Generator<number> {
        yield 1;
      }
      const generator = numbers();
      const rows = await traced(() => {
        expect(withSpan("arrow", () => generator)).toBe(generator);
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "arrow", "0000000000000002"),
        close(2, "0000000000000002"),
        outcome(3),
      ]);
    });

    it("passes the shared no-op span outside a traced invocation", () => {
      expect(withSpan("untraced", (span) => span)).toBe(NOOP_SPAN);
    });

    it("throws the enterSpan error for a non-function", () => {
      expect(() => withSpan("x", 5 as unknown as () => void)).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Failed to execute 'enterSpan' on 'Tracing': parameter 2 is not of type 'Function'.]`,
      );
    });
  });

  describe("with a generator function", () => {
    it("opens the span at call time and nests every step's spans under it", async () => {
      const rows = await traced(() => {
        const generator = withSpan("gen", function* (span) {
          span.setAttribute("kind", "numbers");
          mark("step-1");
          yield 1;
          mark("step-2");
          yield 2;
          mark("step-3");
          return "end";
        });
        mark("between");
        const seen: unknown[] = [];
        for (let result = generator.next(); ; result = generator.next()) {
          seen.push(result.value);
          if (result.done === true) break;
          mark(`consumer-${String(result.value)}`);
        }
        expect(seen).toEqual([1, 2, "end"]);
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "gen", "0000000000000002"),
        open(2, "0000000000000001", "between", "0000000000000003"),
        close(3, "0000000000000003"),
        open(4, "0000000000000002", "step-1", "0000000000000004"),
        close(5, "0000000000000004"),
        open(6, "0000000000000001", "consumer-1", "0000000000000005"),
        close(7, "0000000000000005"),
        open(8, "0000000000000002", "step-2", "0000000000000006"),
        close(9, "0000000000000006"),
        open(10, "0000000000000001", "consumer-2", "0000000000000007"),
        close(11, "0000000000000007"),
        open(12, "0000000000000002", "step-3", "0000000000000008"),
        close(13, "0000000000000008"),
        [14, "0000000000000002", { type: "attributes", info: [{ name: "kind", value: "numbers" }] }],
        close(15, "0000000000000002"),
        outcome(16),
      ]);
    });

    it("ends the span when a for...of loop breaks early and runs finally inside the span", async () => {
      const rows = await traced(() => {
        const generator = withSpan("gen", function* () {
          try {
            yield "a";
            yield "b";
          } finally {
            mark("cleanup");
          }
        });
        // eslint-disable-next-line no-unreachable-loop -- leaving after the first value is what calls the generator's return()
        for (const value of generator) {
          expect(value).toBe("a");
          break;
        }
        mark("after-loop");
        expect(generator.next()).toEqual({ value: undefined, done: true });
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "gen", "0000000000000002"),
        open(2, "0000000000000002", "cleanup", "0000000000000003"),
        close(3, "0000000000000003"),
        close(4, "0000000000000002"),
        open(5, "0000000000000001", "after-loop", "0000000000000004"),
        close(6, "0000000000000004"),
        outcome(7),
      ]);
    });

    it("ends the span when the generator throws", async () => {
      const boom = new Error("boom");
      const rows = await traced(() => {
        const generator = withSpan("gen", function* () {
          yield 1;
          throw boom;
        });
        expect(generator.next()).toEqual({ value: 1, done: false });
        expect(() => generator.next()).toThrow(boom);
        expect(generator.next()).toEqual({ value: undefined, done: true });
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "gen", "0000000000000002"),
        close(2, "0000000000000002"),
        outcome(3),
      ]);
    });

    it("keeps the span open when the generator catches a thrown-in error and yields again", async () => {
      const rows = await traced(() => {
        const generator = withSpan("gen", function* () {
          try {
            yield 1;
          } catch {
            mark("caught");
            yield 2;
          }
        });
        generator.next();
        expect(generator.throw(new Error("in"))).toEqual({ value: 2, done: false });
        mark("still-open");
        expect(generator.next()).toEqual({ value: undefined, done: true });
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "gen", "0000000000000002"),
        open(2, "0000000000000002", "caught", "0000000000000003"),
        close(3, "0000000000000003"),
        open(4, "0000000000000001", "still-open", "0000000000000004"),
        close(5, "0000000000000004"),
        close(6, "0000000000000002"),
        outcome(7),
      ]);
    });

    it("passes values sent with next() into the generator and supports yield*", async () => {
      const rows = await traced(() => {
        function* inner(): Generator<string, void, number> {
          const n = yield "first";
          mark(`inner-got-${n}`);
        }
        const generator = withSpan("gen", function* (): Generator<string, string, number> {
          yield* inner();
          return "done";
        });
        expect(generator.next()).toEqual({ value: "first", done: false });
        expect(generator.next(7)).toEqual({ value: "done", done: true });
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "gen", "0000000000000002"),
        open(2, "0000000000000002", "inner-got-7", "0000000000000003"),
        close(3, "0000000000000003"),
        close(4, "0000000000000002"),
        outcome(5),
      ]);
    });

    it("returns an iterable wrapper with the generator's tag", async () => {
      await traced(() => {
        const generator = withSpan("gen", function* () {
          yield 1;
        });
        expect(generator[Symbol.iterator]()).toBe(generator);
        expect(Object.prototype.toString.call(generator)).toBe("[object Generator]");
        expect([...generator]).toEqual([1]);
      });
    });

    it("ends the span and rethrows when a parameter initialiser throws", async () => {
      const boom = new Error("boom");
      const rows = await traced(() => {
        expect(() =>
          withSpan("gen", function* (
            _span,
            value: number = (() => {
              throw boom;
            })(),
          ) {
            yield value;
          } as (span: Span) => Generator<number>),
        ).toThrow(boom);
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "gen", "0000000000000002"),
        close(2, "0000000000000002"),
        outcome(3),
      ]);
    });

    it("returns the generator itself and still iterates outside a traced invocation", () => {
      let received: Span | undefined;
      const numbers = function* (span: Span): Generator<number> {
        received = span;
        yield 1;
        yield 2;
      };
      const generator = withSpan("gen", numbers);
      expect(Object.getPrototypeOf(generator)).toBe(numbers.prototype);
      expect([...generator]).toEqual([1, 2]);
      expect(received).toBe(NOOP_SPAN);
    });
  });

  describe("with an async generator function", () => {
    it("nests spans under the generator's span across awaits and ends it after the last item", async () => {
      const rows = await traced(async () => {
        const stream = withSpan("stream", async function* () {
          for (let i = 1; i <= 2; i++) {
            await tick();
            tracing.enterSpan(`fetch-${i}`, () => {});
            yield i;
          }
        });
        const seen: number[] = [];
        for await (const item of stream) {
          seen.push(item);
          await tick();
          mark(`consume-${item}`);
        }
        expect(seen).toEqual([1, 2]);
        mark("after");
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "stream", "0000000000000002"),
        open(2, "0000000000000002", "fetch-1", "0000000000000003"),
        close(3, "0000000000000003"),
        open(4, "0000000000000001", "consume-1", "0000000000000004"),
        close(5, "0000000000000004"),
        open(6, "0000000000000002", "fetch-2", "0000000000000005"),
        close(7, "0000000000000005"),
        open(8, "0000000000000001", "consume-2", "0000000000000006"),
        close(9, "0000000000000006"),
        close(10, "0000000000000002"),
        open(11, "0000000000000001", "after", "0000000000000007"),
        close(12, "0000000000000007"),
        outcome(13),
      ]);
    });

    it("attributes logs inside the generator to its span", async () => {
      const events: TailEvent[] = [];
      const { reportLog } = await import("@workers-tracing/core-context");
      await traceInvocation({ tail: events, ids: createSequentialIds(), kind: "test" }, async () => {
        const stream = withSpan("stream", async function* () {
          await tick();
          reportLog("log", ["inside"]);
          yield 1;
        });
        for await (const _ of stream) reportLog("log", ["consumer"]);
      });
      expect(events.map((e): Row => [e.sequence, e.spanContext.spanId, e.event])).toEqual([
        ONSET,
        open(1, "0000000000000001", "stream", "0000000000000002"),
        log(2, "0000000000000002", "inside"),
        log(3, "0000000000000001", "consumer"),
        close(4, "0000000000000002"),
        outcome(5),
      ]);
    });

    it("ends the span when for await breaks early", async () => {
      const rows = await traced(async () => {
        const stream = withSpan("stream", async function* () {
          try {
            yield 1;
            yield 2;
          } finally {
            await tick();
            mark("cleanup");
          }
        });
        // eslint-disable-next-line no-unreachable-loop -- leaving after the first item is what calls the iterator's return()
        for await (const item of stream) {
          expect(item).toBe(1);
          break;
        }
        mark("after");
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "stream", "0000000000000002"),
        open(2, "0000000000000002", "cleanup", "0000000000000003"),
        close(3, "0000000000000003"),
        close(4, "0000000000000002"),
        open(5, "0000000000000001", "after", "0000000000000004"),
        close(6, "0000000000000004"),
        outcome(7),
      ]);
    });

    it("ends the span and rejects with the same error when the generator throws", async () => {
      const boom = new Error("boom");
      const rows = await traced(async () => {
        const stream = withSpan("stream", async function* () {
          yield 1;
          await tick();
          throw boom;
        });
        expect(await stream.next()).toEqual({ value: 1, done: false });
        await expect(stream.next()).rejects.toBe(boom);
        mark("after");
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "stream", "0000000000000002"),
        close(2, "0000000000000002"),
        open(3, "0000000000000001", "after", "0000000000000003"),
        close(4, "0000000000000003"),
        outcome(5),
      ]);
    });

    it("keeps queued next() calls in order", async () => {
      const rows = await traced(async () => {
        const stream = withSpan("stream", async function* () {
          await tick();
          yield "a";
          await tick();
          mark("second");
          yield "b";
        });
        const results = await Promise.all([stream.next(), stream.next(), stream.next()]);
        expect(results).toEqual([
          { value: "a", done: false },
          { value: "b", done: false },
          { value: undefined, done: true },
        ]);
      });
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "stream", "0000000000000002"),
        open(2, "0000000000000002", "second", "0000000000000003"),
        close(3, "0000000000000003"),
        close(4, "0000000000000002"),
        outcome(5),
      ]);
    });

    it("returns an async-iterable wrapper with the async generator's tag", async () => {
      await traced(async () => {
        const stream = withSpan("stream", async function* () {
          yield 1;
        });
        expect(stream[Symbol.asyncIterator]()).toBe(stream);
        expect(Object.prototype.toString.call(stream)).toBe("[object AsyncGenerator]");
        expect(await stream.return(undefined)).toEqual({ value: undefined, done: true });
      });
    });

    it("still streams outside a traced invocation", async () => {
      const stream = withSpan("stream", async function* (span) {
        expect(span).toBe(NOOP_SPAN);
        await tick();
        yield "x";
      });
      const seen: string[] = [];
      for await (const item of stream) seen.push(item);
      expect(seen).toEqual(["x"]);
    });
  });

  describe("with the errorStatus improvement (flag workers_tracing_error_status)", () => {
    const failed = (sequence: number, spanId: string, name: string, message: string): Row[] => [
      [sequence, spanId, { type: "exception", name, message }],
      [sequence + 1, spanId, { type: "spanUpdate", info: { type: "status", status: { code: "error", message } } }],
    ];
    const withoutStack = (rows: Row[]): Row[] =>
      rows.map(([sequence, spanId, event]) => {
        if (event.type !== "exception") return [sequence, spanId, event];
        const { stack: _stack, ...rest } = event;
        return [sequence, spanId, rest];
      });

    it.for(["plain", "generator", "async generator"] as const)(
      "reports the error of a %s function on its span before ending it",
      async (kind) => {
        const boom = new RangeError("boom");
        const rows = await traced(
          async () => {
            if (kind === "plain") {
              expect(() =>
                withSpan("failing", () => {
                  throw boom;
                }),
              ).toThrow(boom);
            } else if (kind === "generator") {
              const generator = withSpan("failing", function* () {
                yield 1;
                throw boom;
              });
              generator.next();
              expect(() => generator.next()).toThrow(boom);
            } else {
              const generator = withSpan("failing", async function* () {
                yield 1;
                await null;
                throw boom;
              });
              await generator.next();
              await expect(generator.next()).rejects.toBe(boom);
            }
          },
          { errorStatus: true },
        );
        expect(withoutStack(rows)).toEqual([
          ONSET,
          open(1, "0000000000000001", "failing", "0000000000000002"),
          ...failed(2, "0000000000000002", "RangeError", "boom"),
          close(4, "0000000000000002"),
          outcome(5),
        ]);
      },
    );

    it("reports nothing more for a generator that completes or is stopped early", async () => {
      const rows = await traced(
        () => {
          for (const _ of withSpan("complete", function* () {
            yield 1;
          }));
          const stopped = withSpan("stopped", function* () {
            yield 1;
            yield 2;
          });
          stopped.next();
          stopped.return(undefined);
        },
        { errorStatus: true },
      );
      expect(rows).toEqual([
        ONSET,
        open(1, "0000000000000001", "complete", "0000000000000002"),
        close(2, "0000000000000002"),
        open(3, "0000000000000001", "stopped", "0000000000000003"),
        close(4, "0000000000000003"),
        outcome(5),
      ]);
    });
  });
});
