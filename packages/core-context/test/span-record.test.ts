import { describe, expect, it } from "vitest";
import {
  ATTRIBUTE_BUDGET_BYTES,
  createSequentialIds,
  currentUserSpan,
  Invocation,
  IoContext,
  runInInvocation,
  SpanRecord,
  type TailEvent,
  toTailSink,
} from "../src/index";
import { S, compact, okOutcome, testOnset, trace } from "./helpers";

function traced(): { invocation: Invocation; events: TailEvent[] } {
  const events: TailEvent[] = [];
  const invocation = new IoContext({ ids: createSequentialIds() }).startInvocation({
    kind: "test",
    sink: toTailSink(events),
  });
  return { invocation, events };
}

describe(SpanRecord.name, () => {
  it("reports spanOpen on the parent at once and buffers attributes until the end", async () => {
    const { events } = await trace(() => {
      const span = currentUserSpan()!.startChild("runtime");
      expect(span.isOpen).toBe(true);
      expect(currentUserSpan()!.isRoot).toBe(true);
      span.setAttribute("http.response.status_code", 200n);
      span.setAttribute("url.full", "http://x/");
      span.setAttribute("http.response.status_code", 404n);
      span.end();
      expect(span.isOpen).toBe(false);
    });
    expect(events).toStrictEqual([
      testOnset(),
      { sequence: 1, spanId: S(1), event: { type: "spanOpen", name: "runtime", spanId: S(2) } },
      {
        sequence: 2,
        spanId: S(2),
        event: {
          type: "attributes",
          info: [
            { name: "http.response.status_code", value: 404n },
            { name: "url.full", value: "http://x/" },
          ],
        },
      },
      { sequence: 3, spanId: S(2), event: { type: "spanClose", outcome: "ok" } },
      okOutcome(4),
    ]);
  });

  describe("addLink", () => {
    const context = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };
    const link = (name: string, value: string | number) => ({
      context,
      attributes: [{ name, value }],
      droppedAttributesCount: 0,
    });

    it("reports one spanLinks event at once, with the wire form of keys and values", async () => {
      const { events } = await trace(() => {
        const span = currentUserSpan()!.startChild("consumer");
        span.addLink(link("k\ud800", "v"));
        span.end();
        span.addLink(link("late", 1));
      });
      expect(events[2]).toStrictEqual({
        sequence: 2,
        spanId: S(2),
        event: {
          type: "spanLinks",
          links: [{ context, attributes: [{ name: "k\ufffd\ufffd\ufffd", value: "v" }], droppedAttributesCount: 0 }],
        },
      });
      expect(events.filter((e) => e.event.type === "spanLinks")).toHaveLength(1);
    });

    it("charges the attribute budget and warns with the size of a link that does not fit", async () => {
      const { events } = await trace(() => {
        const span = currentUserSpan()!.startChild("consumer");
        // 72 + 48 + 1 + value: exactly the budget fits.
        span.addLink(link("a", "x".repeat(ATTRIBUTE_BUDGET_BYTES - 121)));
        span.addLink(link("b", 1));
        span.end();
      });
      expect(events.filter((e) => e.event.type === "spanLinks")).toHaveLength(1);
      expect(events.find((e) => e.event.type === "attributes")?.event).toStrictEqual({
        type: "attributes",
        info: [
          { name: "cloudflare.warning.type", value: "span_data_limit_exceeded" },
          {
            name: "cloudflare.warning.message",
            value: 'exceeded span data limit while trying to record link "" of size 129',
          },
        ],
      });
    });

    it("drops an oversized link on a runtime child without a warning", async () => {
      const { events } = await trace(() => {
        const span = currentUserSpan()!.startRuntimeChild("jsRpcCall");
        span.addLink(link("big", "x".repeat(ATTRIBUTE_BUDGET_BYTES)));
        span.addLink(link("small", 1));
        span.end();
      });
      expect(events.filter((e) => e.event.type === "spanLinks")).toHaveLength(1);
      expect(events.some((e) => e.event.type === "attributes")).toBe(false);
    });
  });

  it("reports user attributes of a runtime child at once and its own ones at its end", async () => {
    const { events } = await trace(() => {
      const span = currentUserSpan()!.startRuntimeChild("jsRpcCall");
      span.setAttribute("jsrpc.method", "tag");
      span.setBudgetedAttribute("label", "cache");
      span.setBudgetedAttribute("lone\ud800", 3);
      span.end();
      span.setBudgetedAttribute("after", true);
    });
    expect(events).toStrictEqual([
      testOnset(),
      { sequence: 1, spanId: S(1), event: { type: "spanOpen", name: "jsRpcCall", spanId: S(2) } },
      { sequence: 2, spanId: S(2), event: { type: "attributes", info: [{ name: "label", value: "cache" }] } },
      {
        sequence: 3,
        spanId: S(2),
        event: { type: "attributes", info: [{ name: "lone\ufffd\ufffd\ufffd", value: 3 }] },
      },
      { sequence: 4, spanId: S(2), event: { type: "attributes", info: [{ name: "jsrpc.method", value: "tag" }] } },
      { sequence: 5, spanId: S(2), event: { type: "spanClose", outcome: "ok" } },
      okOutcome(6),
    ]);
  });

  it("reports no attributes event for a span without attributes", async () => {
    const { events } = await trace(() => currentUserSpan()!.startChild("bare").end());
    expect(events.map((e) => e.event.type)).toEqual(["onset", "spanOpen", "spanClose", "outcome"]);
  });

  it("ends once; later ends and attributes do nothing", async () => {
    const { events } = await trace(() => {
      const span = currentUserSpan()!.startChild("once");
      span.end();
      span.end();
      span.setAttribute("late", 1);
      span.setBudgetedAttribute("late", 2);
      span.reportEvent({ type: "spanUpdate", info: { type: "name", name: "late" } });
    });
    expect(events.map((e) => e.event.type)).toEqual(["onset", "spanOpen", "spanClose", "outcome"]);
  });

  it("starts children of an ended span with the ended span as parent", async () => {
    const { events } = await trace(() => {
      const parent = currentUserSpan()!.startChild("parent");
      parent.end();
      parent.startChild("late child").end();
    });
    expect(events.slice(1, -1)).toStrictEqual([
      { sequence: 1, spanId: S(1), event: { type: "spanOpen", name: "parent", spanId: S(2) } },
      { sequence: 2, spanId: S(2), event: { type: "spanClose", outcome: "ok" } },
      { sequence: 3, spanId: S(2), event: { type: "spanOpen", name: "late child", spanId: S(3) } },
      { sequence: 4, spanId: S(3), event: { type: "spanClose", outcome: "ok" } },
    ]);
  });

  it("reports the root's attributes at once on the onset span and never ends the root", () => {
    const { invocation, events } = traced();
    const root = invocation.root;
    expect(root.isRoot).toBe(true);
    expect(root.spanId).toBe(invocation.onsetSpanId);
    root.setAttribute("a", 1);
    root.setBudgetedAttribute("b", "x");
    root.end();
    invocation.reportAttributes([{ name: "jsrpc.method", value: "ping" }]);
    expect(compact(events).slice(1)).toStrictEqual([
      { sequence: 1, spanId: S(1), event: { type: "attributes", info: [{ name: "a", value: 1 }] } },
      { sequence: 2, spanId: S(1), event: { type: "attributes", info: [{ name: "b", value: "x" }] } },
      { sequence: 3, spanId: S(1), event: { type: "attributes", info: [{ name: "jsrpc.method", value: "ping" }] } },
    ]);
  });

  it("reports span updates at once while the span is open", () => {
    const { invocation, events } = traced();
    const span = runInInvocation(invocation, () => currentUserSpan()!.startChild("s"));
    span.reportEvent({ type: "spanUpdate", info: { type: "name", name: "renamed" } });
    expect(compact(events)[2]).toStrictEqual({
      sequence: 2,
      spanId: S(2),
      event: { type: "spanUpdate", info: { type: "name", name: "renamed" } },
    });
  });

  it("stores a budgeted attribute that reaches the 64 KiB budget exactly", () => {
    const { invocation, events } = traced();
    const span = runInInvocation(invocation, () => currentUserSpan()!.startChild("budget"));
    expect(ATTRIBUTE_BUDGET_BYTES).toBe(65536);
    span.setBudgetedAttribute("k", "v".repeat(65535));
    span.setBudgetedAttribute("after", "x");
    span.setBudgetedAttribute("ignored", "y");
    span.end();
    const attributes = events.find((e) => e.event.type === "attributes")!.event;
    expect(attributes.type === "attributes" && attributes.info.map((a) => a.name)).toEqual([
      "k",
      "cloudflare.warning.type",
      "cloudflare.warning.message",
    ]);
  });

  it("keeps its owner when it gets attributes and after it ended", () => {
    const { invocation } = traced();
    const span = runInInvocation(invocation, () => currentUserSpan()!.startChild("owned"));
    const owner = {};
    expect(span.owner).toBeUndefined();
    span.owner = owner;
    span.setBudgetedAttribute("k", 1);
    expect(span.owner).toBe(owner);
    span.end();
    expect(span.owner).toBe(owner);
    span.owner = undefined;
    expect(span.owner).toBeUndefined();
  });

  it.for([
    ["a multi-byte key", "\u00e9\u20ac\ud83d\ude00\ud800", 12, "", 0],
    ["a multi-byte value", "k", 1, "\u00e9\u20ac\ud83d\ude00\udc00", 12],
  ] as const)("counts the UTF-8 bytes of %s, a lone surrogate as 3", ([, key, keyBytes, value, valueBytes]) => {
    // "filler" (6 bytes) + its value + the attribute under test: exactly the budget, then 1 over.
    const fits = ATTRIBUTE_BUDGET_BYTES - 6 - keyBytes - valueBytes;
    const names = [fits, fits + 1].map((fillerBytes) => {
      const { invocation, events } = traced();
      const span = runInInvocation(invocation, () => currentUserSpan()!.startChild("budget"));
      span.setBudgetedAttribute("filler", "v".repeat(fillerBytes));
      span.setBudgetedAttribute(key, value);
      span.end();
      const attributes = events.find((e) => e.event.type === "attributes")!.event;
      return attributes.type === "attributes" ? attributes.info.map((a) => a.name) : [];
    });
    expect(names[0]).toHaveLength(2);
    expect(names[1]).toEqual(["filler", "cloudflare.warning.type", "cloudflare.warning.message"]);
  });

  it("counts the invocation's open spans", () => {
    const { invocation } = traced();
    const [a, b] = runInInvocation(invocation, () => [
      currentUserSpan()!.startChild("a"),
      currentUserSpan()!.startChild("b"),
    ]);
    expect(invocation.openSpanCount).toBe(2);
    a.end();
    a.end();
    expect(invocation.openSpanCount).toBe(1);
    b.end();
    expect(invocation.openSpanCount).toBe(0);
  });
});

describe(Invocation.name, () => {
  it("finishes once and leaves its context", () => {
    const { invocation, events } = traced();
    expect(invocation.isLive).toBe(true);
    expect(invocation.context.newestLive).toBe(invocation);
    invocation.finish();
    invocation.finish("exception");
    invocation.reportReturn();
    expect(invocation.isLive).toBe(false);
    expect(invocation.context.newestLive).toBeUndefined();
    expect(compact(events)).toStrictEqual([testOnset(), okOutcome(1)]);
  });
});

describe(IoContext.name, () => {
  it("keeps live invocations in delivery order, the newest one last", () => {
    const context = new IoContext({ executionModel: "durableObject" });
    const first = context.startInvocation({ kind: "fetch" });
    const second = context.startInvocation({ kind: "fetch" });
    const third = context.startInvocation({ kind: "alarm" });
    expect(context.liveInvocations).toEqual([first, second, third]);
    third.finish();
    expect(context.newestLive).toBe(second);
    first.finish();
    expect(context.liveInvocations).toEqual([second]);
    expect(context.newestLive).toBe(second);
    second.finish();
    expect(context.newestLive).toBeUndefined();
  });

  it("is stateless with random ids by default", () => {
    const context = new IoContext();
    const invocation = context.startInvocation({ kind: "test", sink: toTailSink([]) });
    expect(context.executionModel).toBe("stateless");
    expect(invocation.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(invocation.invocationId).toMatch(/^[0-9a-f]{32}$/);
    expect(invocation.onsetSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(invocation.onsetSpanId).not.toBe("0000000000000000");
  });
});
