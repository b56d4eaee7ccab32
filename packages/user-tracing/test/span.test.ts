import { describe, expect, it } from "vitest";
import { traceInvocation, type Attribute, type TailEvent } from "@workers-tracing/core-context";
import { NOOP_SPAN, Span, tracing } from "../src/index";
import { S, attributes, close, open, outcome, testOnset, trace } from "./helpers";

function sampleFunction(a: number): number {
  return a * 2;
}

/** The attribute list span `S(2)` reported, for a span made by `fill`. */
async function attributesOf(fill: (span: Span) => void): Promise<readonly Attribute[] | undefined> {
  const { raw } = await trace(() => tracing.enterSpan("attributes", fill));
  const found = raw.find((e) => e.event.type === "attributes" && e.spanContext.spanId === S(2));
  return found?.event.type === "attributes" ? found.event.info : undefined;
}

/** The name the spanOpen of a span created with `name` carries. */
async function deliveredName(name: string): Promise<string> {
  const { raw } = await trace(() => tracing.enterSpan(name, () => {}));
  const opened = raw[1]!.event;
  return opened.type === "spanOpen" ? opened.name : "";
}

const WARNING_PREFIX = "exceeded span data limit while trying to record attribute ";

describe(Span.name, () => {
  describe("attribute values (spec §2.6)", () => {
    const date = new Date(0);
    it.for<[string, unknown, unknown]>([
      ["a string", "text", "text"],
      ["an empty string", "", ""],
      ["a string with NUL", "ok\u0000nul", "ok\u0000nul"],
      ["a lone surrogate as three U+FFFD", "x\ud800y", "x\ufffd\ufffd\ufffdy"],
      ["a number", 7, 7],
      ["NaN", Number.NaN, Number.NaN],
      ["Infinity", Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
      ["-Infinity", Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
      ["-0", -0, -0],
      ["2**53+2", 2 ** 53 + 2, 2 ** 53 + 2],
      ["5e-324", 5e-324, 5e-324],
      ["true", true, true],
      ["false", false, false],
      ["null as the string null", null, "null"],
      ["a plain object", { a: 1 }, "[object Object]"],
      ["an object with valueOf", { valueOf: () => 5 }, "[object Object]"],
      ["an object with toString", { toString: () => "custom" }, "custom"],
      ["an array of numbers", [1, 2], "1,2"],
      ["an array of strings", ["a", "b"], "a,b"],
      ["a Date as its toString text", date, date.toString()],
      ["a function as its source text", sampleFunction, sampleFunction.toString()],
      ["a boxed string", new String("x"), "x"],
      ["a boxed number", new Number(3), "3"],
      ["a boxed boolean", new Boolean(false), "false"],
    ])("stores %s", async ([, value, expected]) => {
      const info = await attributesOf((span) => span.setAttribute("k", value as string));
      expect(info).toHaveLength(1);
      expect(info![0]!.name).toBe("k");
      expect(Object.is(info![0]!.value, expected)).toBe(true);
    });

    it("ignores undefined and a missing value without an error", async () => {
      const info = await attributesOf((span) => {
        const setAttribute = span.setAttribute as (...args: unknown[]) => Span;
        expect(setAttribute.call(span, "missing")).toBe(span);
        expect(span.setAttribute("undefined", undefined as unknown as string)).toBe(span);
      });
      expect(info).toBeUndefined();
    });

    it("throws workerd's TypeError for a BigInt value", async () => {
      const { events } = await trace(() =>
        tracing.enterSpan("bigint", (span) => {
          expect(() => span.setAttribute("k", 10n as unknown as number)).toThrowErrorMatchingInlineSnapshot(
            `[TypeError: Cannot convert a BigInt value to a number]`,
          );
        }),
      );
      expect(events).toStrictEqual([testOnset(), open(1, 1, "bigint", 2), close(2, 2), outcome(3)]);
    });

    it("throws workerd's TypeError for a Symbol value", async () => {
      await trace(() =>
        tracing.enterSpan("symbol", (span) => {
          expect(() => span.setAttribute("k", Symbol("v") as unknown as string)).toThrowErrorMatchingInlineSnapshot(
            `[TypeError: Cannot convert a Symbol value to a string]`,
          );
        }),
      );
    });

    it("throws conversion errors on the no-op span and on an ended span too", async () => {
      const bigint = 1n as unknown as number;
      const symbol = Symbol("v") as unknown as string;
      expect(() => NOOP_SPAN.setAttribute("k", bigint)).toThrow(
        new TypeError("Cannot convert a BigInt value to a number"),
      );
      expect(() => NOOP_SPAN.setAttribute("k", symbol)).toThrow(
        new TypeError("Cannot convert a Symbol value to a string"),
      );
      expect(() => NOOP_SPAN.setAttributes({ k: bigint })).toThrow(TypeError);
      const { events } = await trace(() => {
        const span = tracing.startSpan("ended");
        span.end();
        expect(() => span.setAttribute("k", bigint)).toThrow(
          new TypeError("Cannot convert a BigInt value to a number"),
        );
        expect(() => span.setAttribute("k", symbol)).toThrow(
          new TypeError("Cannot convert a Symbol value to a string"),
        );
        expect(() => span.setAttributes({ k: symbol })).toThrow(TypeError);
      });
      expect(events).toStrictEqual([testOnset(), open(1, 1, "ended", 2), close(2, 2), outcome(3)]);
    });
  });

  describe("attribute keys (spec §2.6)", () => {
    it("converts keys with ToString", async () => {
      const info = await attributesOf((span) => {
        const setAttribute = span.setAttribute as (key: unknown, value: unknown) => Span;
        setAttribute.call(span, 7, "number");
        setAttribute.call(span, null, "null");
        setAttribute.call(span, undefined, "undefined");
        setAttribute.call(span, 10n, "bigint");
        setAttribute.call(span, { toString: () => "object" }, "object");
        setAttribute.call(span, "", "empty");
      });
      expect(info).toStrictEqual([
        { name: "7", value: "number" },
        { name: "null", value: "null" },
        { name: "undefined", value: "undefined" },
        { name: "10", value: "bigint" },
        { name: "object", value: "object" },
        { name: "", value: "empty" },
      ]);
    });

    it("throws workerd's TypeErrors for a missing or Symbol key", () => {
      const setAttribute = NOOP_SPAN.setAttribute as (...args: unknown[]) => Span;
      expect(() => setAttribute.call(NOOP_SPAN)).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Failed to execute 'setAttribute' on 'Span': parameter 1 is not of type 'string'.]`,
      );
      expect(() => setAttribute.call(NOOP_SPAN, Symbol("k"), 1)).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Cannot convert a Symbol value to a string]`,
      );
    });
  });

  describe(Span.prototype.setAttribute.name, () => {
    it("returns the span, also when it is a no-op or ended", async () => {
      expect(NOOP_SPAN.setAttribute("k", 1)).toBe(NOOP_SPAN);
      await trace(() => {
        const span = tracing.startSpan("s");
        expect(span.setAttribute("k", 1)).toBe(span);
        span.end();
        expect(span.setAttribute("k", 2)).toBe(span);
      });
    });

    it("replaces a repeated key in place, keeping its first position", async () => {
      const info = await attributesOf((span) =>
        span
          .setAttribute("k1", 1)
          .setAttribute("k2", 2)
          .setAttribute("k1", 3)
          .setAttribute("k3", 4)
          .setAttribute("k1", 5),
      );
      expect(info).toStrictEqual([
        { name: "k1", value: 5 },
        { name: "k2", value: 2 },
        { name: "k3", value: 4 },
      ]);
    });

    it("does nothing after the span ended", async () => {
      const { events } = await trace(() => {
        const span = tracing.startSpan("ended");
        span.setAttribute("before", 1);
        span.end();
        span.setAttribute("after", 2);
        span.end();
      });
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "ended", 2),
        attributes(2, 2, [["before", 1]]),
        close(3, 2),
        outcome(4),
      ]);
    });
  });

  describe(Span.prototype.setAttributes.name, () => {
    it("sets own enumerable string-keyed properties in enumeration order", async () => {
      const base = { inherited: "no" };
      const input = Object.create(base) as Record<string | symbol, unknown>;
      input["b"] = 1;
      input["a"] = "x";
      input["nothing"] = undefined;
      input["nil"] = null;
      input["nested"] = { deep: true };
      input[Symbol("symbol")] = "no";
      Object.defineProperty(input, "hidden", { value: "no", enumerable: false });
      const info = await attributesOf((span) => expect(span.setAttributes(input as never)).toBe(span));
      expect(info).toStrictEqual([
        { name: "b", value: 1 },
        { name: "a", value: "x" },
        { name: "nil", value: "null" },
        { name: "nested", value: "[object Object]" },
      ]);
    });

    it("takes nothing from a Map", async () => {
      const info = await attributesOf((span) => span.setAttributes(new Map([["k", 1]]) as never));
      expect(info).toBeUndefined();
    });

    it("stores nothing of the call when one value fails conversion", async () => {
      const { events } = await trace(() =>
        tracing.enterSpan("atomic", (span) => {
          span.setAttribute("before", true);
          expect(() =>
            span.setAttributes({ a: 1, b: 2n as unknown as number, c: 3 }),
          ).toThrowErrorMatchingInlineSnapshot(`[TypeError: Cannot convert a BigInt value to a number]`);
          expect(() =>
            span.setAttributes({ d: 4, e: Symbol("e") as unknown as string }),
          ).toThrowErrorMatchingInlineSnapshot(`[TypeError: Cannot convert a Symbol value to a string]`);
        }),
      );
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "atomic", 2),
        attributes(2, 2, [["before", true]]),
        close(3, 2),
        outcome(4),
      ]);
    });

    it("throws workerd's TypeError when the argument is not a non-array object", () => {
      const setAttributes = NOOP_SPAN.setAttributes as (...args: unknown[]) => Span;
      expect(() => setAttributes.call(NOOP_SPAN)).toThrowErrorMatchingInlineSnapshot(
        `[TypeError: Failed to execute 'setAttributes' on 'Span': parameter 1 is not of type 'object'.]`,
      );
      for (const value of [undefined, null, "text", 5, true, [1, 2]]) {
        expect(() => setAttributes.call(NOOP_SPAN, value)).toThrow(
          new TypeError("Failed to execute 'setAttributes' on 'Span': parameter 1 is not of type 'object'."),
        );
      }
    });

    it("charges the budget like setAttribute for every entry", async () => {
      const info = await attributesOf((span) => span.setAttributes({ k: "v".repeat(65535), after: "x", ignored: 1 }));
      expect(info!.map((a) => a.name)).toEqual(["k", "cloudflare.warning.type", "cloudflare.warning.message"]);
    });
  });

  describe("span name truncation (spec §2.7)", () => {
    it.for<[string, string, string]>([
      ["'a' x 64", "a".repeat(64), "a".repeat(64)],
      ["'b' x 65", "b".repeat(65), "b".repeat(64)],
      ["'c' x 100", "c".repeat(100), "c".repeat(64)],
      ["'é' x 32", "é".repeat(32), "é".repeat(32)],
      ["'x' + 'é' x 32", "x" + "é".repeat(32), "x" + "é".repeat(31) + "\ufffd"],
      ["'ab' + '€' x 21", "ab" + "€".repeat(21), "ab" + "€".repeat(20) + "\ufffd"],
      ["'€' x 22", "€".repeat(22), "€".repeat(21) + "\ufffd"],
      ["'a' + '😀' x 16", "a" + "😀".repeat(16), "a" + "😀".repeat(15) + "\ufffd"],
      ["'😀' x 17", "😀".repeat(17), "😀".repeat(16)],
      ["a lone surrogate", "x\ud800y", "x\ufffd\ufffd\ufffdy"],
      ["an empty name", "", ""],
    ])("delivers %s as spec §2.7 says", async ([, name, expected]) => {
      expect(await deliveredName(name)).toBe(expected);
    });

    it("keeps attribute keys and values whole", async () => {
      const long = "k".repeat(100);
      const info = await attributesOf((span) => span.setAttribute(long, long));
      expect(info).toStrictEqual([{ name: long, value: long }]);
    });
  });

  describe("attribute budget (spec §2.8)", () => {
    it("stores an attribute that reaches 65536 bytes exactly, warns on the next and ignores later ones", async () => {
      const info = await attributesOf((span) => {
        span.setAttribute("k", "v".repeat(65535));
        span.setAttribute("after", "x");
        span.setAttribute("ignored", "y");
        span.setAttribute("k", "replaced?");
      });
      expect(info).toHaveLength(3);
      expect(info![0]!.name).toBe("k");
      expect(info![0]!.value === "v".repeat(65535)).toBe(true);
      expect(info!.slice(1)).toMatchInlineSnapshot(`
        [
          {
            "name": "cloudflare.warning.type",
            "value": "span_data_limit_exceeded",
          },
          {
            "name": "cloudflare.warning.message",
            "value": "exceeded span data limit while trying to record attribute "after" of size 1",
          },
        ]
      `);
    });

    it("stores n0 to n5125 of 10 000 numeric attributes and warns at n5126", async () => {
      const info = await attributesOf((span) => {
        for (let i = 0; i < 10000; i++) span.setAttribute(`n${i}`, i);
      });
      expect(info).toHaveLength(5128);
      expect(info!.slice(0, 5126)).toEqual(Array.from({ length: 5126 }, (_, i) => ({ name: `n${i}`, value: i })));
      expect(info!.slice(5126)).toStrictEqual([
        { name: "cloudflare.warning.type", value: "span_data_limit_exceeded" },
        { name: "cloudflare.warning.message", value: `${WARNING_PREFIX}"n5126" of size 8` },
      ]);
    });

    it("warns at once for a 70 000-byte key, showing its first 64 bytes and its length", async () => {
      const key = "K".repeat(70000);
      const info = await attributesOf((span) => span.setAttribute(key, 1));
      expect(info).toStrictEqual([
        { name: "cloudflare.warning.type", value: "span_data_limit_exceeded" },
        {
          name: "cloudflare.warning.message",
          value: `${WARNING_PREFIX}"${"K".repeat(64)}..." (key length 70000) of size 8`,
        },
      ]);
    });

    it("charges an overwritten key again", async () => {
      const info = await attributesOf((span) => {
        span.setAttribute("k", "v".repeat(40000));
        span.setAttribute("k", "w".repeat(30000));
      });
      expect(info!.map((a) => a.name)).toEqual(["k", "cloudflare.warning.type", "cloudflare.warning.message"]);
      expect(info![0]!.value === "v".repeat(40000)).toBe(true);
      expect(info![2]!.value).toBe(`${WARNING_PREFIX}"k" of size 30000`);
    });

    it("charges 8 bytes for a boolean and counts UTF-8 bytes of strings", async () => {
      const info = await attributesOf((span) => {
        // 1 + 8 + 1 + 3 * 21842 = 65536.
        span.setAttribute("b", true);
        span.setAttribute("e", "€".repeat(21842));
        span.setAttribute("x", "");
      });
      expect(info!.map((a) => a.name)).toEqual(["b", "e", "cloudflare.warning.type", "cloudflare.warning.message"]);
      expect(info![3]!.value).toBe(`${WARNING_PREFIX}"x" of size 0`);
    });

    it("counts a lone surrogate as 3 bytes", async () => {
      const info = await attributesOf((span) => {
        // Key 3 bytes + value 65530 + 3 bytes = 65536: still stored.
        span.setAttribute("\ud800", "v".repeat(65530) + "\udc00");
      });
      expect(info).toHaveLength(1);
      expect(info![0]!.name).toBe("\ufffd\ufffd\ufffd");
      expect(info![0]!.value === "v".repeat(65530) + "\ufffd\ufffd\ufffd").toBe(true);
    });
  });

  describe(Span.prototype.end.name, () => {
    it("ends once and returns undefined", async () => {
      const { events } = await trace(() => {
        const span = tracing.startSpan("s");
        span.setAttribute("a", 1);
        expect(span.end()).toBeUndefined();
        expect(span.end()).toBeUndefined();
      });
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "s", 2),
        attributes(2, 2, [["a", 1]]),
        close(3, 2),
        outcome(4),
      ]);
    });

    it("makes the automatic end of enterSpan a no-op", async () => {
      const { events } = await trace(() =>
        tracing.enterSpan("early", (span) => {
          span.end();
          span.setAttribute("late", 1);
        }),
      );
      expect(events).toStrictEqual([testOnset(), open(1, 1, "early", 2), close(2, 2), outcome(3)]);
    });

    it("does nothing on the no-op span", () => {
      expect(NOOP_SPAN.end()).toBeUndefined();
      expect(NOOP_SPAN.isTraced).toBe(false);
    });
  });

  describe("isTraced", () => {
    it("is true while the span records and false once it ended", async () => {
      const seen: boolean[] = [];
      let kept: Span | undefined;
      await trace(async () => {
        await tracing.enterSpan("async", async (span) => {
          kept = span;
          seen.push(span.isTraced);
          await null;
          seen.push(span.isTraced);
        });
        seen.push(kept!.isTraced);
        const manual = tracing.startSpan("manual");
        seen.push(manual.isTraced);
        manual.end();
        seen.push(manual.isTraced);
      });
      expect(seen).toEqual([true, true, false, true, false]);
    });

    it("is false for spans outside any invocation and in untraced invocations", async () => {
      const seen: boolean[] = [];
      tracing.enterSpan("outside", (span) => seen.push(span.isTraced));
      await traceInvocation({}, () => tracing.enterSpan("untraced", (span) => seen.push(span.isTraced)));
      expect(seen).toEqual([false, false]);
    });

    it("is false after the end of the stateless invocation that opened the span", async () => {
      let span: Span | undefined;
      await trace(() => {
        span = tracing.startSpan("left open");
      });
      expect(span!.isTraced).toBe(false);
    });
  });

  describe("use from another stateless invocation (spec §2.10)", () => {
    it("throws workerd's different-request error for every member", async () => {
      let foreign: Span | undefined;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const first = traceInvocation({ tail: [] as TailEvent[], kind: "test" }, async () => {
        foreign = tracing.startSpan("first's");
        await gate;
      });
      await traceInvocation({ tail: [] as TailEvent[], kind: "test" }, () => {
        expect(() => foreign!.isTraced).toThrowErrorMatchingInlineSnapshot(
          `[Error: Cannot perform I/O on behalf of a different request. I/O objects (such as streams, request/response bodies, and others) created in the context of one request handler cannot be accessed from a different request's handler. This is a limitation of Cloudflare Workers which allows us to improve overall performance.]`,
        );
        expect(() => foreign!.setAttribute("k", 1)).toThrow(/^Cannot perform I\/O on behalf of a different request\./);
        expect(() => foreign!.end()).toThrow(/^Cannot perform I\/O on behalf of a different request\./);
      });
      release();
      await first;
    });
  });
});
