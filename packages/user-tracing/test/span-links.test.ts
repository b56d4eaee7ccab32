import { describe, expect, it, vi } from "vitest";
import type { SpanLinkInfo, TailEvent } from "@workers-tracing/core-context";
import { NOOP_SPAN, Span, tracing, type SpanLink } from "../src/index";
import { S, trace } from "./helpers";

const T = "0af7651916cd43dd8448eb211c80319c";
const ID = "b7ad6b7169203331";
const BIG = "x".repeat(70000);

function link(attributes?: unknown, context: unknown = { traceId: T, spanId: ID, traceFlags: 1 }): SpanLink {
  return { context, attributes } as SpanLink;
}

/** The links of every `spanLinks` event, with the span id each was reported on. */
function linksOf(raw: readonly TailEvent[]): { spanId: string | undefined; links: readonly SpanLinkInfo[] }[] {
  return raw.flatMap((e) =>
    e.event.type === "spanLinks" ? [{ spanId: e.spanContext.spanId, links: e.event.links }] : [],
  );
}

/** The attributes span `S(2)` reported at its close, as `name → value`. */
function closingAttributes(raw: readonly TailEvent[]): Record<string, unknown> | undefined {
  const found = raw.find((e) => e.event.type === "attributes" && e.spanContext.spanId === S(2));
  return found?.event.type === "attributes"
    ? Object.fromEntries(found.event.info.map((a) => [a.name, a.value]))
    : undefined;
}

describe(`${Span.name} links`, () => {
  it("reports a spanLinks event on the span at once, before its close", async () => {
    const { raw } = await trace(() =>
      tracing.enterSpan("consume", (span) => {
        span.addLink(link({ s: "x", i: 1, f: 0.5, b: false, nan: Number.NaN, neg0: -0 }));
        span.setAttribute("after", "the link");
      }),
    );
    expect(raw.map((e) => e.event.type)).toEqual([
      "onset",
      "spanOpen",
      "spanLinks",
      "attributes",
      "spanClose",
      "outcome",
    ]);
    const [reported] = linksOf(raw);
    expect(reported!.spanId).toBe(S(2));
    expect(reported!.links).toHaveLength(1);
    const info = reported!.links[0]!;
    expect(info.context).toEqual({ traceId: T, spanId: ID, traceFlags: 1 });
    expect(info.attributes.map((a) => a.name)).toEqual(["s", "i", "f", "b", "nan", "neg0"]);
    expect(Object.is(info.attributes[5]!.value, -0)).toBe(true);
    expect(info.droppedAttributesCount).toBe(0);
  });

  it("returns the span from addLink and addLinks", async () => {
    await trace(() =>
      tracing.enterSpan("s", (span) => {
        expect(span.addLink(link())).toBe(span);
        expect(span.addLinks([link()])).toBe(span);
        expect(span.addLinks(new Set() as never)).toBe(span);
      }),
    );
  });

  it("drops and counts attribute values that are not strings, numbers or booleans, skipping undefined", async () => {
    const { raw } = await trace(() =>
      tracing.enterSpan("s", (span) => {
        const attributes = {
          n: null,
          o: {},
          a: [1],
          d: new Date(0),
          f: () => 1,
          big: 1n,
          sym: Symbol("s"),
          u: undefined,
          ok: "kept",
        };
        span.addLink({ ...link(attributes), droppedAttributesCount: 99 });
      }),
    );
    const info = linksOf(raw)[0]!.links[0]!;
    expect(info.attributes).toEqual([{ name: "ok", value: "kept" }]);
    expect(info.droppedAttributesCount).toBe(7);
  });

  it.for<[string, unknown, string[]]>([
    ["a string", "text", []],
    ["null", null, []],
    ["an array (its indices)", ["zero", "one"], ["0", "1"]],
    [
      "an object (own enumerable string keys, integer keys first)",
      { b: 1, a: 2, 10: "t", 2: "t", [Symbol("k")]: 3 },
      ["2", "10", "b", "a"],
    ],
    [
      "an object with inherited and hidden keys",
      Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true }, hidden: { value: 3 } }),
      ["own"],
    ],
  ])("takes the attribute keys of %s", async ([, attributes, names]) => {
    const { raw } = await trace(() => tracing.enterSpan("s", (span) => span.addLink(link(attributes))));
    expect(linksOf(raw)[0]!.links[0]!.attributes.map((a) => a.name)).toEqual(names);
  });

  it("lowercases ids and keeps trace flags from 0 to 255", async () => {
    const { raw } = await trace(() =>
      tracing.enterSpan("s", (span) => {
        span.addLink(link(undefined, { traceId: T.toUpperCase(), spanId: ID.toUpperCase(), traceFlags: 0 }));
        span.addLink(link(undefined, { traceId: T, spanId: ID, traceFlags: 255 }));
      }),
    );
    expect(linksOf(raw).map((r) => r.links[0]!.context)).toEqual([
      { traceId: T, spanId: ID, traceFlags: 0 },
      { traceId: T, spanId: ID, traceFlags: 255 },
    ]);
  });

  it("reports a lone surrogate in a key or value as three U+FFFD", async () => {
    const { raw } = await trace(() => tracing.enterSpan("s", (span) => span.addLink(link({ "k\ud800": "v\udc00" }))));
    expect(linksOf(raw)[0]!.links[0]!.attributes).toEqual([
      { name: "k\ufffd\ufffd\ufffd", value: "v\ufffd\ufffd\ufffd" },
    ]);
  });

  const ctx = (traceId: unknown, spanId: unknown, traceFlags: unknown): unknown => ({ traceId, spanId, traceFlags });
  it.for<[string, unknown]>([
    ["null", null],
    ["undefined", undefined],
    ["a string", "x"],
    ["a number", 5],
    ["an empty array", []],
    ["an object without context", { attributes: { a: 1 } }],
    ["a null context", link(undefined, null)],
    ["a string context", link(undefined, "x")],
    ["a missing traceId", link(undefined, { spanId: ID, traceFlags: 1 })],
    ["a missing spanId", link(undefined, { traceId: T, traceFlags: 1 })],
    ["a short traceId", link(undefined, ctx("abc", ID, 1))],
    ["a long traceId", link(undefined, ctx(`${T}aa`, ID, 1))],
    ["a short spanId", link(undefined, ctx(T, "abc", 1))],
    ["a non-hex traceId", link(undefined, ctx("g".repeat(32), ID, 1))],
    ["an all-zero traceId", link(undefined, ctx("0".repeat(32), ID, 1))],
    ["an all-zero spanId", link(undefined, ctx(T, "0".repeat(16), 1))],
    ["numeric ids", link(undefined, ctx(12, 34, 1))],
    ["an id object with toString", link(undefined, ctx({ toString: () => T }, ID, 1))],
    ["missing traceFlags", link(undefined, { traceId: T, spanId: ID })],
    ["traceFlags 256", link(undefined, ctx(T, ID, 256))],
    ["traceFlags -1", link(undefined, ctx(T, ID, -1))],
    ["traceFlags 1.5", link(undefined, ctx(T, ID, 1.5))],
    ["traceFlags NaN", link(undefined, ctx(T, ID, Number.NaN))],
    ["traceFlags as a string", link(undefined, ctx(T, ID, "1"))],
    ["traceFlags true", link(undefined, ctx(T, ID, true))],
    ["traceFlags null", link(undefined, ctx(T, ID, null))],
    ["traceFlags as a BigInt", link(undefined, ctx(T, ID, 1n))],
  ])("ignores %s as a link without an error", async ([, value]) => {
    const { raw } = await trace(() =>
      tracing.enterSpan("s", (span) => {
        expect(span.addLink(value as SpanLink)).toBe(span);
        span.addLinks([value as SpanLink]);
      }),
    );
    expect(linksOf(raw)).toEqual([]);
  });

  it("throws workerd's TypeError for a missing argument", async () => {
    await trace(() =>
      tracing.enterSpan("s", (span) => {
        const loose = span as unknown as { addLink(): void; addLinks(): void };
        expect(() => loose.addLink()).toThrowErrorMatchingInlineSnapshot(
          `[TypeError: Failed to execute 'addLink' on 'Span': parameter 1 is not of type 'Value'.]`,
        );
        expect(() => loose.addLinks()).toThrowErrorMatchingInlineSnapshot(
          `[TypeError: Failed to execute 'addLinks' on 'Span': parameter 1 is not of type 'Value'.]`,
        );
      }),
    );
  });

  it("reports one event per usable item of addLinks, skipping the others", async () => {
    const { raw } = await trace(() =>
      tracing.enterSpan("s", (span) => {
        /* eslint-disable no-sparse-arrays -- a hole is one of the items workerd skips */
        span.addLinks([
          link({ n: 1 }),
          link(undefined, ctx("bad", ID, 1)),
          undefined,
          null,
          ,
          link({ n: 2 }),
        ] as SpanLink[]);
        /* eslint-enable no-sparse-arrays */
      }),
    );
    expect(linksOf(raw).map((r) => r.links.map((l) => l.attributes[0]!.value))).toEqual([[1], [2]]);
  });

  it.for<[string, unknown]>([
    ["a Set", new Set([link()])],
    [
      "a generator",
      (function* () {
        yield link();
      })(),
    ],
    ["an array-like", { 0: link(), length: 1 }],
    ["a string", "ab"],
    ["null", null],
    ["undefined", undefined],
    ["a single link", link()],
    ["a Proxy of an array", new Proxy([link()], {})],
  ])("ignores %s given to addLinks", async ([, value]) => {
    const { raw } = await trace(() => tracing.enterSpan("s", (span) => span.addLinks(value as SpanLink[])));
    expect(linksOf(raw)).toEqual([]);
  });

  it("takes 512 links in one addLinks call and ignores 513 with a process warning", async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const many = (n: number): SpanLink[] => Array.from({ length: n }, () => link());
    const { raw } = await trace(() =>
      tracing.enterSpan("s", (span) => {
        span.addLinks(many(512));
        expect(warn).not.toHaveBeenCalled();
        span.addLinks(many(513));
      }),
    );
    expect(linksOf(raw)).toHaveLength(512);
    expect(warn.mock.calls).toEqual([["Ignoring span links: arrays may contain at most 512 elements."]]);
  });

  describe("span budget", () => {
    it("replaces a link that does not fit by warning attributes, the last one winning", async () => {
      const { raw } = await trace(() =>
        tracing.enterSpan("s", (span) => {
          span.addLink(link({ huge: BIG }));
          span.addLink(link({ huge2: `${BIG}x` }));
          span.addLink(link({ small: 1 }));
          span.setAttribute("after", 1);
        }),
      );
      expect(linksOf(raw).map((r) => r.links[0]!.attributes[0]!.name)).toEqual(["small"]);
      expect(closingAttributes(raw)).toEqual({
        "cloudflare.warning.type": "span_data_limit_exceeded",
        // 72 + 48 + 5 ("huge2") + 70001
        "cloudflare.warning.message": 'exceeded span data limit while trying to record link "" of size 70126',
        after: 1,
      });
    });

    it("charges 72 bytes per link and 48 plus key and value bytes per attribute", async () => {
      // 508 links of one numeric attribute "i" (129 bytes each) fit in 65536 bytes; the 509th does not.
      const { raw } = await trace(() =>
        tracing.enterSpan("s", (span) => {
          for (let i = 0; i < 509; i++) span.addLink(link({ i }));
        }),
      );
      expect(linksOf(raw)).toHaveLength(508);
      expect(closingAttributes(raw)?.["cloudflare.warning.message"]).toBe(
        'exceeded span data limit while trying to record link "" of size 129',
      );
    });

    it("shares the budget with attributes set before", async () => {
      const { raw } = await trace(() =>
        tracing.enterSpan("s", (span) => {
          span.setAttribute("big", "q".repeat(65000));
          span.addLink(link({ a: "w".repeat(600) }));
          span.setAttribute("fits", 1);
        }),
      );
      expect(linksOf(raw)).toEqual([]);
      const closing = closingAttributes(raw)!;
      expect(Object.keys(closing)).toEqual(["big", "cloudflare.warning.type", "cloudflare.warning.message", "fits"]);
      expect(closing["cloudflare.warning.message"]).toBe(
        'exceeded span data limit while trying to record link "" of size 721',
      );
    });

    it("shares the budget with attributes set after, and still checks later links", async () => {
      const { raw } = await trace(() =>
        tracing.enterSpan("s", (span) => {
          span.addLink(link({ a: "w".repeat(65000) }));
          span.setAttribute("big", "q".repeat(600));
          span.setAttribute("ignored", 1);
          span.addLink(link({ tiny: 1 }));
        }),
      );
      expect(linksOf(raw)).toHaveLength(1);
      expect(closingAttributes(raw)).toEqual({
        "cloudflare.warning.type": "span_data_limit_exceeded",
        "cloudflare.warning.message": 'exceeded span data limit while trying to record link "" of size 132',
      });
    });

    it("drops an oversized link on the invocation span without a warning", async () => {
      const { raw } = await trace(() => {
        const root = tracing.getActiveSpan()!;
        root.addLink(link({ on: "invocation" }));
        root.addLink(link({ huge: BIG }));
        root.addLink(link({ on: "again" }));
      });
      expect(linksOf(raw).map((r) => [r.spanId, r.links[0]!.attributes[0]!.value])).toEqual([
        [S(1), "invocation"],
        [S(1), "again"],
      ]);
      expect(raw.some((e) => e.event.type === "attributes")).toBe(false);
    });
  });

  it("ignores an array of more than 512 links on an ended or no-op span without a warning", async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const many = Array.from({ length: 513 }, () => link());
    await trace(() =>
      tracing.enterSpan("s", (span) => {
        span.end();
        span.addLinks(many);
      }),
    );
    NOOP_SPAN.addLinks(many);
    expect(warn).not.toHaveBeenCalled();
  });

  it("ignores links on an ended span", async () => {
    const { raw } = await trace(() =>
      tracing.enterSpan("s", (span) => {
        span.end();
        expect(span.addLinks([link()]).addLink(link())).toBe(span);
      }),
    );
    expect(linksOf(raw)).toEqual([]);
  });

  it("returns the no-op span itself and still checks the argument count", () => {
    expect(NOOP_SPAN.addLink(link())).toBe(NOOP_SPAN);
    expect(NOOP_SPAN.addLinks([link()])).toBe(NOOP_SPAN);
    expect(() => (NOOP_SPAN as unknown as { addLink(): void }).addLink()).toThrow(TypeError);
  });
});
