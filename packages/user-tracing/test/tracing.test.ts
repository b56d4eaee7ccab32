import { describe, expect, it } from "vitest";
import { reportLog, traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { NOOP_SPAN, Span, Tracing, createTracing, tracing } from "../src/index";
import { attributes, close, log, open, outcome, parents, settle, testOnset, trace } from "./helpers";

const lastType = (reported: readonly TailEvent[]): string | undefined => reported.at(-1)?.event.type;

describe(Tracing.name, () => {
  describe("object", () => {
    it("gives createTracing() instances that differ from tracing but behave the same", async () => {
      const ctxTracing = createTracing();
      expect(ctxTracing).not.toBe(tracing);
      expect(createTracing()).not.toBe(ctxTracing);
      expect(ctxTracing).toBeInstanceOf(Tracing);
      const { raw } = await trace(() =>
        tracing.enterSpan("a", () => ctxTracing.enterSpan("b", () => tracing.startSpan("c").end())),
      );
      expect(parents(raw)).toEqual({ a: "(onset)", b: "a", c: "b" });
    });

    it("is tagged Tracing and named Tracing", () => {
      expect(Object.prototype.toString.call(tracing)).toBe("[object Tracing]");
      expect(Object.prototype.toString.call(createTracing())).toBe("[object Tracing]");
      expect(tracing.constructor.name).toBe("Tracing");
    });

    it("has no own properties; every member is on the prototype", () => {
      expect(Reflect.ownKeys(tracing)).toEqual([]);
      expect(Reflect.ownKeys(createTracing())).toEqual([]);
      for (const name of ["enterSpan", "startActiveSpan", "startSpan", "Span", "getActiveSpan", "withActiveSpan"]) {
        expect(Object.prototype.hasOwnProperty.call(Tracing.prototype, name)).toBe(true);
      }
    });

    it("exposes the Span class as tracing.Span, which cannot be constructed", () => {
      expect(typeof tracing.Span).toBe("function");
      expect(tracing.Span).toBe(Span);
      expect(tracing.Span.name).toBe("Span");
      const Constructor = tracing.Span as unknown as new () => Span;
      expect(() => new Constructor()).toThrowErrorMatchingInlineSnapshot(`[TypeError: Illegal constructor]`);
    });

    it("cannot be constructed directly", () => {
      const Constructor = Tracing as unknown as new () => Tracing;
      expect(() => new Constructor()).toThrowErrorMatchingInlineSnapshot(`[TypeError: Illegal constructor]`);
    });

    it("hands out spans that are instances of tracing.Span", async () => {
      const spans: Span[] = [];
      await trace(() => {
        tracing.enterSpan("a", (span) => void spans.push(span));
        tracing.startActiveSpan("b", (span) => void spans.push(span));
        spans.push(tracing.startSpan("c"));
      });
      tracing.enterSpan("outside", (span) => void spans.push(span));
      expect(spans).toHaveLength(4);
      for (const span of spans) {
        expect(span).toBeInstanceOf(tracing.Span);
        expect(span.constructor.name).toBe("Span");
        expect(Object.prototype.toString.call(span)).toBe("[object Span]");
      }
    });

    const one = (): number => 1;
    it.for<[Extract<keyof Tracing, string>, unknown[]]>([
      ["enterSpan", ["x", one]],
      ["startActiveSpan", ["x", one]],
      ["startSpan", ["x"]],
      ["getActiveSpan", []],
      ["withActiveSpan", [NOOP_SPAN, one]],
    ])("throws Illegal invocation for a detached %s", ([name, args]) => {
      const detached = tracing[name] as (...args: unknown[]) => unknown;
      expect(() => detached(...args)).toThrow(TypeError);
      expect(() => detached(...args)).toThrow(/^Illegal invocation/);
      expect(() => detached.call({}, ...args)).toThrow(/^Illegal invocation/);
      // A brand check, as workerd's: inheriting from a Tracing object is not being one.
      expect(() => detached.call(Object.create(tracing), ...args)).toThrow(/^Illegal invocation/);
    });

    it("words the Illegal invocation error like workerd", () => {
      const f = tracing.enterSpan;
      expect(() => f("x", () => 1)).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Illegal invocation: function called with incorrect \`this\` reference. See https://developers.cloudflare.com/workers/observability/errors/#illegal-invocation-errors for details.]`,
      );
    });
  });

  describe(Tracing.prototype.enterSpan.name, () => {
    it("returns a synchronous callback's value as is, after ending the span", async () => {
      const value = { v: 1 };
      const seen: unknown[] = [];
      const { events } = await trace((_, reported) => {
        const returned = tracing.enterSpan("sync", (span) => {
          seen.push(span.isTraced, lastType(reported));
          return value;
        });
        seen.push(returned, lastType(reported));
      });
      expect(seen).toEqual([true, "spanOpen", value, "spanClose"]);
      expect(seen[2]).toBe(value);
      expect(events).toStrictEqual([testOnset(), open(1, 1, "sync", 2), close(2, 2), outcome(3)]);
    });

    it.for([
      ["undefined", undefined],
      ["a generator object", (function* () {})()],
      ["a thenable", { then: (resolve: (v: number) => void) => resolve(1) }],
    ])("returns %s as is and ends the span at once", async ([, value]) => {
      const seen: unknown[] = [];
      await trace((_, reported) => {
        seen.push(tracing.enterSpan("plain", () => value) === value, lastType(reported));
      });
      expect(seen).toEqual([true, "spanClose"]);
    });

    it("rethrows the same value after ending the span when the callback throws", async () => {
      const error = new Error("sync failure");
      const notAnError = { reason: "not an Error" };
      const seen: unknown[] = [];
      const { events } = await trace((_, reported) => {
        for (const thrown of [error, notAnError]) {
          try {
            tracing.enterSpan("throws", () => {
              // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown non-Error is the case under test
              throw thrown;
            });
          } catch (caught) {
            seen.push(caught === thrown, lastType(reported));
          }
        }
      });
      expect(seen).toEqual([true, "spanClose", true, "spanClose"]);
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "throws", 2),
        close(2, 2),
        open(3, 1, "throws", 3),
        close(4, 3),
        outcome(5),
      ]);
    });

    it("returns a new promise that resolves after the span ended", async () => {
      const seen: unknown[] = [];
      const { events } = await trace(async (_, reported) => {
        let inner: Promise<string> | undefined;
        const wrapper = tracing.enterSpan("async", () => {
          inner = (async () => {
            await null;
            return "done";
          })();
          return inner;
        });
        seen.push(wrapper instanceof Promise, wrapper === inner, lastType(reported));
        const value = await wrapper.then((v) => {
          seen.push(lastType(reported));
          return v;
        });
        seen.push(value);
      });
      expect(seen).toEqual([true, false, "spanOpen", "spanClose", "done"]);
      expect(events).toStrictEqual([testOnset(), open(1, 1, "async", 2), close(2, 2), outcome(3)]);
    });

    it("returns a new promise that rejects with the same reason after the span ended", async () => {
      const reason = new Error("async failure");
      const seen: unknown[] = [];
      const { events } = await trace(async (_, reported) => {
        let inner: Promise<never> | undefined;
        const wrapper = tracing.enterSpan("rejects", () => (inner = Promise.reject(reason)));
        seen.push(wrapper === inner);
        await wrapper.catch((caught: unknown) => seen.push(caught === reason, lastType(reported)));
      });
      expect(seen).toEqual([false, true, "spanClose"]);
      // spanClose.outcome is "ok" for rejected callbacks too.
      expect(events).toStrictEqual([testOnset(), open(1, 1, "rejects", 2), close(2, 2), outcome(3)]);
    });

    it("treats a Promise subclass as a promise", async () => {
      class MyPromise<T> extends Promise<T> {}
      const seen: unknown[] = [];
      await trace(async (_, reported) => {
        const inner = MyPromise.resolve(3);
        const wrapper = tracing.enterSpan("subclass", () => inner);
        seen.push(wrapper === inner, lastType(reported), await wrapper, lastType(reported));
      });
      expect(seen).toEqual([false, "spanOpen", 3, "spanClose"]);
    });

    it("calls the callback with globalThis as this", async () => {
      const receivers: unknown[] = [];
      function callback(this: unknown): void {
        receivers.push(this);
      }
      await trace(() => {
        tracing.enterSpan("this", callback);
        (tracing.enterSpan as (...args: unknown[]) => unknown).call(tracing, "this", callback, 1, 2);
      });
      tracing.enterSpan("outside", callback);
      expect(receivers).toEqual([globalThis, globalThis, globalThis]);
      expect(receivers.every((receiver) => receiver === globalThis)).toBe(true);
    });

    it("passes extra arguments through unchanged", async () => {
      const a = { a: 1 };
      const b = [2];
      const calls: unknown[][] = [];
      function callback(this: unknown, ...args: unknown[]): void {
        calls.push(args);
      }
      await trace(() => tracing.enterSpan("args", callback, a, undefined, b, undefined));
      tracing.enterSpan("outside", callback, a, undefined, b, undefined);
      for (const args of calls) {
        expect(args).toHaveLength(5);
        expect(args[0]).toBeInstanceOf(Span);
        expect(args[1]).toBe(a);
        expect(args[2]).toBeUndefined();
        expect(args[3]).toBe(b);
        expect(args[4]).toBeUndefined();
      }
      expect(calls).toHaveLength(2);
    });

    it("throws workerd's TypeError for a missing name and creates no span", async () => {
      const { events } = await trace(() => {
        const enterSpan = tracing.enterSpan as (...args: unknown[]) => unknown;
        expect(() => enterSpan.call(tracing)).toThrowErrorMatchingInlineSnapshot(
          `[TypeError: Failed to execute 'enterSpan' on 'Tracing': parameter 1 is not of type 'string'.]`,
        );
      });
      expect(events).toStrictEqual([testOnset(), outcome(1)]);
    });

    it("throws workerd's TypeError for a callback that is missing or not callable and creates no span", async () => {
      const { events } = await trace(() => {
        const enterSpan = tracing.enterSpan as (...args: unknown[]) => unknown;
        expect(() => enterSpan.call(tracing, "x")).toThrowErrorMatchingInlineSnapshot(
          `[TypeError: Failed to execute 'enterSpan' on 'Tracing': parameter 2 is not of type 'Function'.]`,
        );
        for (const callback of [undefined, null, 5, "f", {}, { call() {} }]) {
          expect(() => enterSpan.call(tracing, "x", callback)).toThrow(
            new TypeError("Failed to execute 'enterSpan' on 'Tracing': parameter 2 is not of type 'Function'."),
          );
        }
      });
      expect(events).toStrictEqual([testOnset(), outcome(1)]);
    });

    it("converts the name before it checks the callback", () => {
      const enterSpan = tracing.enterSpan as (...args: unknown[]) => unknown;
      expect(() => enterSpan.call(tracing, Symbol("s"), 5)).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Cannot convert a Symbol value to a string]`,
      );
      const error = new Error("toString failed");
      const name = {
        toString(): string {
          throw error;
        },
      };
      expect(() => enterSpan.call(tracing, name, 5)).toThrow(error);
    });

    it.for<[string, unknown, string]>([
      ["a number", 123, "123"],
      ["null", null, "null"],
      ["undefined", undefined, "undefined"],
      ["an object with toString", { toString: () => "custom name" }, "custom name"],
      ["a bigint", 10n, "10"],
      ["a boolean", false, "false"],
      ["an array", [1, 2], "1,2"],
      ["an empty string", "", ""],
    ])("converts %s name with ToString", async ([, name, expected]) => {
      const { events } = await trace(() => tracing.enterSpan(name as string, () => {}));
      expect(events[1]).toStrictEqual(open(1, 1, expected, 2));
    });

    it("throws for a Symbol name", async () => {
      const { events } = await trace(() => {
        expect(() =>
          tracing.enterSpan(Symbol("name") as unknown as string, () => {}),
        ).toThrowErrorMatchingInlineSnapshot(`[TypeError: Cannot convert a Symbol value to a string]`);
      });
      expect(events).toStrictEqual([testOnset(), outcome(1)]);
    });

    it("reports the nested example of spec §4.9 (a) exactly", async () => {
      const { events } = await trace(() => {
        tracing.enterSpan("outer", (outer) => {
          outer.setAttribute("role", "outer");
          reportLog("log", ["hello"]);
          tracing.enterSpan("inner", (inner) => inner.setAttributes({ n: 1, ok: true, skip: undefined }));
        });
      });
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "outer", 2),
        log(2, 2, ["hello"]),
        open(3, 2, "inner", 3),
        attributes(4, 3, [
          ["n", 1],
          ["ok", true],
        ]),
        close(5, 3),
        attributes(6, 2, [["role", "outer"]]),
        close(7, 2),
        outcome(8),
      ]);
    });

    it("runs the callback with the no-op span outside any invocation and returns its result", () => {
      const seen: unknown[] = [];
      const result = tracing.enterSpan("top level", (span) => {
        seen.push(span === NOOP_SPAN, span.isTraced, tracing.getActiveSpan());
        return 42;
      });
      expect(result).toBe(42);
      expect(seen).toEqual([true, false, undefined]);
      const error = new Error("still thrown");
      expect(() =>
        tracing.enterSpan("top level", () => {
          throw error;
        }),
      ).toThrow(error);
    });

    it("runs callbacks with untraced spans and reports nothing without a tail", async () => {
      const seen: unknown[] = [];
      const result = await traceInvocation({}, async () => {
        const value = await tracing.enterSpan("untraced", async (span) => {
          seen.push(span.isTraced);
          span.setAttribute("k", 1);
          return tracing.enterSpan("child", (child) => {
            seen.push(child.isTraced);
            return "value";
          });
        });
        seen.push(tracing.startSpan("s").isTraced);
        tracing.startActiveSpan("a", (span) => seen.push(span.isTraced));
        return value;
      });
      expect(result).toBe("value");
      expect(seen).toEqual([false, false, false, false]);
    });

    it("records spans when the only tail delivers nowhere (buffered tail workers)", async () => {
      const seen: boolean[] = [];
      await traceInvocation({ tail: { deliver() {}, close() {} } }, () => {
        tracing.enterSpan("buffered", (span) => seen.push(span.isTraced));
      });
      expect(seen).toEqual([true]);
    });
  });

  describe(Tracing.prototype.startActiveSpan.name, () => {
    it("returns the callback's promise itself and leaves the span open until end()", async () => {
      const seen: unknown[] = [];
      const { events } = await trace(async (_, reported) => {
        let inner: Promise<number> | undefined;
        let active: Span | undefined;
        const returned = tracing.startActiveSpan("active", (span) => {
          active = span;
          inner = Promise.resolve(1);
          return inner;
        });
        seen.push(returned === inner, await returned, active!.isTraced, lastType(reported));
        active!.end();
        seen.push(active!.isTraced, lastType(reported));
      });
      expect(seen).toEqual([true, 1, true, "spanOpen", false, "spanClose"]);
      expect(events).toStrictEqual([testOnset(), open(1, 1, "active", 2), close(2, 2), outcome(3)]);
    });

    it("rethrows a synchronous throw and keeps the span open", async () => {
      const error = new Error("thrown");
      let span: Span | undefined;
      const { events } = await trace(() => {
        expect(() =>
          tracing.startActiveSpan("throws", (s) => {
            span = s;
            throw error;
          }),
        ).toThrow(error);
        expect(span!.isTraced).toBe(true);
      });
      // Closed by the teardown of the stateless invocation.
      expect(events).toStrictEqual([testOnset(), open(1, 1, "throws", 2), close(2, 2), outcome(3)]);
    });

    it("calls the callback with globalThis and the extra arguments", async () => {
      const marker = {};
      const calls: unknown[][] = [];
      await trace(() =>
        tracing.startActiveSpan(
          "args",
          function (this: unknown, span, a, b) {
            calls.push([this, span instanceof Span, a, b, arguments.length]);
            span.end();
          },
          marker,
          undefined,
        ),
      );
      expect(calls).toEqual([[globalThis, true, marker, undefined, 3]]);
    });

    it("throws workerd's TypeErrors with startActiveSpan in the text", () => {
      const startActiveSpan = tracing.startActiveSpan as (...args: unknown[]) => unknown;
      expect(() => startActiveSpan.call(tracing)).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Failed to execute 'startActiveSpan' on 'Tracing': parameter 1 is not of type 'string'.]`,
      );
      expect(() => startActiveSpan.call(tracing, "x", 5)).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Failed to execute 'startActiveSpan' on 'Tracing': parameter 2 is not of type 'Function'.]`,
      );
    });
  });

  describe(Tracing.prototype.startSpan.name, () => {
    it("opens a child of the current span without making it current", async () => {
      const { events } = await trace(() => {
        const span = tracing.startSpan("started");
        tracing.enterSpan("sibling", () => {});
        span.setAttribute("a", 1);
        span.end();
      });
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "started", 2),
        open(2, 1, "sibling", 3),
        close(3, 3),
        attributes(4, 2, [["a", 1]]),
        close(5, 2),
        outcome(6),
      ]);
    });

    it("converts a present name and rejects a missing one", async () => {
      const { events } = await trace(() => {
        (tracing.startSpan as (name: unknown) => Span)(5).end();
        const startSpan = tracing.startSpan as (...args: unknown[]) => unknown;
        expect(() => startSpan.call(tracing)).toThrowErrorMatchingInlineSnapshot(
          `[TypeError: Failed to execute 'startSpan' on 'Tracing': parameter 1 is not of type 'string'.]`,
        );
      });
      expect(events).toStrictEqual([testOnset(), open(1, 1, "5", 2), close(2, 2), outcome(3)]);
    });

    it("returns the no-op span outside any invocation", () => {
      expect(tracing.startSpan("outside")).toBe(NOOP_SPAN);
    });
  });

  describe(Tracing.prototype.getActiveSpan.name, () => {
    it("returns the same object as the callback's span", async () => {
      const seen: boolean[] = [];
      await trace(async () => {
        await tracing.enterSpan("outer", async (outer) => {
          seen.push(tracing.getActiveSpan() === outer);
          await null;
          seen.push(tracing.getActiveSpan() === outer);
          tracing.startActiveSpan("active", (active) => {
            seen.push(tracing.getActiveSpan() === active);
            active.end();
          });
        });
      });
      expect(seen).toEqual([true, true, true]);
    });

    it("returns the callback's span after it got attributes, and after it ended", async () => {
      const seen: boolean[] = [];
      await trace(() => {
        tracing.startActiveSpan("s", (span) => {
          span.setAttributes({ a: 1, b: "two" });
          seen.push(tracing.getActiveSpan() === span);
          span.end();
          seen.push(tracing.getActiveSpan() === span);
        });
      });
      expect(seen).toEqual([true, true]);
    });

    it("returns a cached span for the invocation itself at the top level, reporting attributes at once", async () => {
      const seen: unknown[] = [];
      const { events } = await trace((_, reported) => {
        const root = tracing.getActiveSpan()!;
        seen.push(root === tracing.getActiveSpan(), root.isTraced, root instanceof Span);
        expect(root.setAttribute("deploy", "blue")).toBe(root);
        seen.push(lastType(reported));
        root.end();
        seen.push(root.isTraced);
      });
      expect(seen).toEqual([true, true, true, "attributes", true]);
      expect(events).toStrictEqual([testOnset(), attributes(1, 1, [["deploy", "blue"]]), outcome(2)]);
    });

    it("returns undefined outside any invocation", () => {
      expect(tracing.getActiveSpan()).toBeUndefined();
    });
  });

  describe(Tracing.prototype.withActiveSpan.name, () => {
    it("runs the callback with the span current and returns its result", async () => {
      const marker = {};
      const calls: unknown[][] = [];
      const { events } = await trace(() => {
        const span = tracing.startSpan("parent");
        const result = tracing.withActiveSpan(
          span,
          function (this: unknown, ...args: unknown[]) {
            calls.push([this, ...args]);
            tracing.enterSpan("child", () => {});
            return "result";
          },
          marker,
          undefined,
        );
        expect(result).toBe("result");
        tracing.enterSpan("after", () => {});
        span.end();
      });
      expect(calls).toEqual([[globalThis, marker, undefined]]);
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "parent", 2),
        open(2, 2, "child", 3),
        close(3, 3),
        open(4, 1, "after", 4),
        close(5, 4),
        close(6, 2),
        outcome(7),
      ]);
    });

    it("runs the callback for the no-op span without a context", () => {
      expect(tracing.withActiveSpan(NOOP_SPAN, (a: number) => a + 1, 1)).toBe(2);
    });

    it("throws workerd's TypeError for a first argument that is not a Span", () => {
      const withActiveSpan = tracing.withActiveSpan as (...args: unknown[]) => unknown;
      expect(() => withActiveSpan.call(tracing, {}, () => {})).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Failed to execute 'withActiveSpan' on 'Tracing': parameter 1 is not of type 'Span'.]`,
      );
      expect(() => withActiveSpan.call(tracing, null, () => {})).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Failed to execute 'withActiveSpan' on 'Tracing': parameter 1 is not of type 'Span'.]`,
      );
      expect(() => withActiveSpan.call(tracing, NOOP_SPAN, 5)).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Failed to execute 'withActiveSpan' on 'Tracing': parameter 2 is not of type 'Function'.]`,
      );
    });
  });

  it("keeps spans of concurrent invocations apart", async () => {
    const first: TailEvent[] = [];
    const second: TailEvent[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a = traceInvocation({ tail: first, kind: "test" }, () =>
      tracing.enterSpan("a", async () => {
        await gate;
        tracing.enterSpan("a.child", () => {});
      }),
    );
    const b = traceInvocation({ tail: second, kind: "test" }, () => {
      tracing.enterSpan("b", () => release());
    });
    await Promise.all([a, b]);
    await settle();
    expect(parents(first)).toEqual({ a: "(onset)", "a.child": "a" });
    expect(parents(second)).toEqual({ b: "(onset)" });
  });
});
