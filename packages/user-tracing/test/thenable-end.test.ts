import { describe, expect, it } from "vitest";
import type { TracingImprovements } from "@workers-tracing/core-context";
import { Tracing, tracing } from "../src/index";
import { close, log, open, outcome, settle, testOnset, trace } from "./helpers";
import { reportLog } from "@workers-tracing/core-context";

const ON: TracingImprovements = { thenableEnd: true };

/** A promise-like chain that is not a native promise, as query builders and promise libraries return. */
class Deferred<T> {
  readonly #promise: Promise<T>;
  constructor(promise: Promise<T>) {
    this.#promise = promise;
  }
  then<A, B>(onFulfilled?: (value: T) => A, onRejected?: (error: unknown) => B): Deferred<A | B> {
    return new Deferred(this.#promise.then(onFulfilled, onRejected));
  }
}

function later<T>(value: T): Deferred<T> {
  return new Deferred(
    new Promise<T>((resolve) =>
      setImmediate(() => {
        reportLog("log", ["settling"]);
        resolve(value);
      }),
    ),
  );
}

describe(Tracing.name, () => {
  describe("enterSpan returning a thenable (improvement thenableEnd, flag workers_tracing_thenable_end)", () => {
    it("ends the span at once and returns the thenable itself when the improvement is off, as workerd does", async () => {
      const { events } = await trace(async () => {
        const thenable = later(5);
        const returned = tracing.enterSpan("query", () => thenable);
        expect(returned).toBe(thenable);
        expect(await returned).toBe(5);
      });
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "query", 2),
        close(2, 2),
        log(3, 1, ["settling"]),
        outcome(4),
      ]);
    });

    it("ends the span when the thenable settles and returns what its then() returns", async () => {
      const { events } = await trace(
        async () => {
          const thenable = later(5);
          const returned = tracing.enterSpan("query", () => thenable);
          expect(returned).toBeInstanceOf(Deferred);
          expect(returned).not.toBe(thenable);
          expect(await returned).toBe(5);
        },
        { improvements: ON },
      );
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "query", 2),
        log(2, 1, ["settling"]),
        close(3, 2),
        outcome(4),
      ]);
    });

    it("ends the span when the thenable rejects, and passes the rejection on", async () => {
      const reason = new Error("no rows");
      const { events } = await trace(
        async () => {
          const returned = tracing.enterSpan("query", () => new Deferred(Promise.reject(reason)));
          await expect(returned).rejects.toBe(reason);
        },
        { improvements: ON },
      );
      expect(events).toStrictEqual([testOnset(), open(1, 1, "query", 2), close(2, 2), outcome(3)]);
    });

    it("reports the rejection on the span with the errorStatus improvement too", async () => {
      const { events } = await trace(
        async () => {
          await expect(
            tracing.enterSpan("query", () => new Deferred(Promise.reject(new Error("no rows")))),
          ).rejects.toThrow("no rows");
        },
        { improvements: { ...ON, errorStatus: true } },
      );
      expect(events.slice(2, 5).map((e) => e.event.type)).toEqual(["exception", "spanUpdate", "spanClose"]);
    });

    it("gives a native promise of the outcome when then() returns nothing chainable", async () => {
      const calls: number[] = [];
      const minimal = {
        then(resolve: (value: number) => void) {
          calls.push(1);
          setImmediate(() => resolve(7));
        },
      };
      const { events } = await trace(
        async () => {
          const returned = tracing.enterSpan("minimal", () => minimal) as unknown;
          expect(returned).toBeInstanceOf(Promise);
          expect(await returned).toBe(7);
        },
        { improvements: ON },
      );
      expect(calls).toEqual([1]);
      expect(events).toStrictEqual([testOnset(), open(1, 1, "minimal", 2), close(2, 2), outcome(3)]);
    });

    it("settles the native promise also when then() calls back before it returns", async () => {
      const { result } = await trace(
        () =>
          tracing.enterSpan("sync-thenable", () => ({
            then(resolve: (value: string) => void) {
              resolve("now");
            },
          })) as unknown,
        { improvements: ON },
      );
      expect(result).toBe("now");
    });

    it("ends the span and rethrows when reading or calling then() throws", async () => {
      const broken = new Error("broken then");
      const { events } = await trace(
        () => {
          expect(() =>
            tracing.enterSpan("getter", () => ({
              get then(): never {
                throw broken;
              },
            })),
          ).toThrow(broken);
          expect(() =>
            tracing.enterSpan("call", () => ({
              then(): never {
                throw broken;
              },
            })),
          ).toThrow(broken);
        },
        { improvements: ON },
      );
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "getter", 2),
        close(2, 2),
        open(3, 1, "call", 3),
        close(4, 3),
        outcome(5),
      ]);
    });

    it("returns objects without a callable then, native promises and primitives as before", async () => {
      const plain = { then: 5 };
      const fn = (): void => {};
      const { events } = await trace(
        async () => {
          expect(tracing.enterSpan("plain", () => plain)).toBe(plain);
          expect(tracing.enterSpan("function", () => fn)).toBe(fn);
          expect(tracing.enterSpan("number", () => 1)).toBe(1);
          const native = Promise.resolve(2);
          const wrapped = tracing.enterSpan("native", () => native);
          expect(wrapped).toBeInstanceOf(Promise);
          expect(wrapped).not.toBe(native);
          await wrapped;
          await settle();
        },
        { improvements: ON },
      );
      expect(events.map((e) => e.event.type)).toEqual([
        "onset",
        ...Array(4).fill(["spanOpen", "spanClose"]).flat(),
        "outcome",
      ]);
    });

    it("leaves a thenable untouched outside a traced invocation", () => {
      let called = false;
      const thenable = {
        then() {
          called = true;
        },
      };
      expect(tracing.enterSpan("untraced", () => thenable)).toBe(thenable);
      expect(called).toBe(false);
    });
  });
});
