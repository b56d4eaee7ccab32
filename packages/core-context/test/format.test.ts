import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createSequentialIds,
  currentUserSpan,
  formatEventTree,
  reportLog,
  traceInvocation,
  type TailEvent,
  type TailEventPayload,
} from "../src/index";

const START = Date.UTC(2026, 10, 17, 12, 0, 0);
const TRACE = "0".repeat(31) + "1";

/** One envelope of invocation `invocation`, `ms` milliseconds after {@link START}. */
function event(
  invocation: string,
  sequence: number,
  ms: number,
  spanId: string | undefined,
  payload: TailEventPayload,
): TailEvent {
  return {
    spanContext: spanId === undefined ? { traceId: TRACE } : { traceId: TRACE, spanId },
    invocationId: invocation.padStart(32, "0"),
    timestamp: new Date(START + ms),
    sequence,
    event: payload,
  };
}

const outcome = (value: "ok" | "exception" = "ok"): TailEventPayload => ({
  type: "outcome",
  outcome: value,
  cpuTime: 0,
  wallTime: 0,
});

/** A fetch invocation with nested spans, a never-closed span and a traced call to a second worker. */
function orderEvents(): TailEvent[] {
  const caller = (sequence: number, ms: number, spanId: string | undefined, payload: TailEventPayload): TailEvent =>
    event("a", sequence, ms, spanId, payload);
  const callee = (sequence: number, ms: number, spanId: string | undefined, payload: TailEventPayload): TailEvent =>
    event("b", sequence, ms, spanId, payload);
  return [
    caller(0, 0, undefined, {
      type: "onset",
      executionModel: "stateless",
      spanId: "a0",
      entrypoint: "OrderWorker",
      scriptTags: [],
      info: { type: "fetch", method: "POST", url: "https://shop.example/orders", headers: [] },
      attributes: [{ name: "region", value: "eu" }],
    }),
    caller(1, 1, "a0", { type: "spanOpen", name: "load-cart", spanId: "a1" }),
    caller(2, 2, "a1", { type: "log", level: "info", message: ["loading cart", { user: 7 }] }),
    caller(3, 3, "a1", { type: "spanOpen", name: "db.query", spanId: "a2" }),
    caller(4, 8, "a2", {
      type: "attributes",
      info: [
        { name: "db.rows", value: 3n },
        { name: "db.tables", value: ["carts", "items"] },
      ],
    }),
    caller(5, 8, "a2", { type: "spanClose", outcome: "ok" }),
    caller(6, 9, "a1", {
      type: "attributes",
      info: [
        { name: "cart.items", value: 3 },
        { name: "cached", value: false },
      ],
    }),
    caller(7, 9, "a1", { type: "spanClose", outcome: "ok" }),
    caller(8, 10, "a0", { type: "spanOpen", name: "charge", spanId: "a3" }),
    caller(9, 11, "a3", {
      type: "spanUpdate",
      info: { type: "status", status: { code: "error", message: "card declined" } },
    }),
    caller(10, 11, "a3", { type: "log", level: "warn", message: ["retrying\nonce"] }),
    caller(11, 25, "a3", { type: "spanClose", outcome: "ok" }),
    caller(12, 26, "a0", { type: "spanOpen", name: "audit", spanId: "a4" }),
    caller(13, 30, "a0", { type: "exception", name: "TypeError", message: "x is undefined" }),
    caller(14, 31, "a0", { type: "return", info: { type: "fetch", statusCode: 500 } }),
    caller(15, 32, "a0", outcome("exception")),
    callee(0, 12, "a3", {
      type: "onset",
      executionModel: "stateless",
      spanId: "b0",
      entrypoint: "Payments",
      scriptTags: [],
      info: { type: "jsrpc" },
    }),
    callee(1, 12, "b0", { type: "attributes", info: [{ name: "jsrpc.method", value: "charge" }] }),
    callee(2, 13, "b0", { type: "spanOpen", name: "authorize", spanId: "b1" }),
    callee(3, 20, "b1", { type: "spanClose", outcome: "ok" }),
    callee(4, 21, "b0", { type: "return" }),
    callee(5, 21, "b0", outcome()),
  ];
}

afterEach(() => {
  vi.useRealTimers();
});

describe(formatEventTree.name, () => {
  it("renders nested spans, attributes, logs, a traced call and an open span", () => {
    expect(formatEventTree(orderEvents())).toMatchInlineSnapshot(`
      "fetch POST https://shop.example/orders  exception  32ms  entrypoint="OrderWorker"  region="eu"
      ├─ load-cart  8ms  cart.items=3  cached=false
      │  ├─ log: [info] loading cart {"user":7}
      │  └─ db.query  5ms  db.rows=3n  db.tables=["carts", "items"]
      ├─ charge  15ms  status=error("card declined")
      │  ├─ log: [warn] retrying\\nonce
      │  └─ jsrpc charge  ok  9ms  entrypoint="Payments"
      │     ├─ authorize  7ms
      │     └─ return
      ├─ audit  (open)
      ├─ exception: TypeError: x is undefined
      └─ return 500"
    `);
  });

  it("orders events by sequence and groups them by invocation whatever the input order", () => {
    const events = orderEvents();
    const shuffled = [...events.filter((_, i) => i % 2 === 1), ...events.filter((_, i) => i % 2 === 0)];
    expect(formatEventTree(shuffled)).toBe(formatEventTree(events));
  });

  it("renders the stream of a traced invocation", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(START);
    const events: TailEvent[] = [];
    await traceInvocation(
      {
        tail: events,
        ids: createSequentialIds(),
        kind: "fetch",
        info: { type: "fetch", method: "GET", url: "http://x/y", headers: [] },
        returnInfo: () => ({ type: "fetch", statusCode: 200 }),
      },
      () => {
        const root = currentUserSpan()!;
        const outer = root.startChild("outer");
        vi.setSystemTime(START + 4);
        reportLog("log", ["top-level", 1]);
        const inner = outer.startChild("inner");
        inner.setAttribute("n", 2n);
        vi.setSystemTime(START + 9);
        inner.end();
        outer.end();
        root.startChild("closed-at-teardown");
        vi.setSystemTime(START + 15);
      },
    );
    expect(formatEventTree(events)).toMatchInlineSnapshot(`
      "fetch GET http://x/y  ok  15ms
      ├─ outer  9ms
      │  └─ inner  5ms  n=2n
      ├─ log: [log] top-level 1
      ├─ closed-at-teardown  6ms
      └─ return 200"
    `);
  });

  it("marks up each part by its role when given a style, leaving the text otherwise unchanged", () => {
    const events = orderEvents();
    const roles = ["detail", "name", "invocation", "failure", "success", "warning", "info", "key"] as const;
    const style = Object.fromEntries(roles.map((role) => [role, (text: string) => `<${role}>${text}</${role}>`]));
    const marked = formatEventTree(events, { style });
    expect(marked.replace(/<\/?[a-z]+>/g, "")).toBe(formatEventTree(events));
    for (const role of roles) expect(marked).toContain(`<${role}>`);
    expect(marked).toContain("<name>load-cart</name>  <detail>8ms</detail>  <key>cart.items</key>=3");
    expect(marked).toContain("<failure>exception: TypeError: x is undefined</failure>");
    // Roles not given stay plain.
    expect(formatEventTree(events, { style: { name: style["name"]! } }).replace(/<\/?name>/g, "")).toBe(
      formatEventTree(events),
    );
  });

  it("leaves durations out when asked, and nothing else", () => {
    const events = orderEvents();
    const withDurations = formatEventTree(events).split("\n");
    const without = formatEventTree(events, { durations: false }).split("\n");
    expect(without).toHaveLength(withDurations.length);
    expect(without.join("\n")).not.toMatch(/\d+ms/);
    expect(withDurations.map((line) => line.replace(/ {2}\d+ms/, ""))).toEqual(without);
    expect(without).toContain("├─ audit  (open)");
  });

  it("marks events attributed to a span of another invocation", () => {
    const events = [
      event("c", 0, 0, undefined, {
        type: "onset",
        executionModel: "durableObject",
        spanId: "c0",
        durableObjectId: "ab12",
        scriptTags: [],
        info: { type: "alarm", scheduledTime: new Date(START) },
      }),
      event("c", 1, 1, "z9", { type: "log", level: "log", message: ["late"] }),
      event("c", 2, 1, "z9", { type: "spanOpen", name: "orphan", spanId: "c1" }),
      event("c", 3, 2, "c1", { type: "spanClose", outcome: "ok" }),
      event("c", 4, 2, "c0", outcome()),
    ];
    expect(formatEventTree(events)).toMatchInlineSnapshot(`
      "alarm  ok  2ms  durableObjectId="ab12"
      ├─ log: [log] late  @z9
      └─ orphan  1ms  @z9"
    `);
  });

  it("renders an invocation without onset or outcome", () => {
    const events = [
      event("d", 3, 5, "d1", { type: "spanClose", outcome: "ok" }),
      event("d", 4, 7, "d0", { type: "log", level: "error", message: { raw: "text" } }),
    ];
    expect(formatEventTree(events)).toMatchInlineSnapshot(`
      "invocation 0000000000000000000000000000000d (no onset)  (no outcome)  2ms
      ├─ spanClose of unknown span d1
      └─ log: [error] {"raw":"text"}"
    `);
  });

  it("nests two invocations naming each other's spans only one way", () => {
    const events = [
      event("e", 0, 0, "f1", {
        type: "onset",
        executionModel: "stateless",
        spanId: "e0",
        scriptTags: [],
        info: { type: "custom" },
      }),
      event("e", 1, 1, "e0", { type: "spanOpen", name: "e-span", spanId: "e1" }),
      event("f", 0, 0, "e1", {
        type: "onset",
        executionModel: "stateless",
        spanId: "f0",
        scriptTags: [],
        info: { type: "custom" },
      }),
      event("f", 1, 1, "f0", { type: "spanOpen", name: "f-span", spanId: "f1" }),
    ];
    expect(formatEventTree(events)).toMatchInlineSnapshot(`
      "custom  (no outcome)  1ms  parent=e1
      └─ f-span  (open)
         └─ custom  (no outcome)  1ms
            └─ e-span  (open)"
    `);
  });

  it("renders span links under their span", () => {
    const link = (spanId: string, traceFlags: number, dropped: number) => ({
      context: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId, traceFlags },
      attributes: [{ name: "kind", value: "producer" }],
      droppedAttributesCount: dropped,
    });
    const events = [
      event("g", 0, 0, undefined, {
        type: "onset",
        executionModel: "stateless",
        spanId: "g0",
        scriptTags: [],
        info: { type: "custom" },
      }),
      event("g", 1, 1, "g0", { type: "spanOpen", name: "consume", spanId: "g1" }),
      event("g", 2, 1, "g1", { type: "spanLinks", links: [link("b7ad6b7169203331", 1, 0)] }),
      event("g", 3, 1, "g0", {
        type: "spanLinks",
        links: [link("00f067aa0ba902b7", 0, 2), link("b7ad6b7169203331", 255, 0)],
      }),
      event("g", 4, 2, "g1", { type: "spanClose", outcome: "ok" }),
      event("g", 5, 2, "g0", outcome()),
    ];
    expect(formatEventTree(events)).toMatchInlineSnapshot(`
      "custom  ok  2ms
      ├─ consume  1ms
      │  └─ link 0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01  kind="producer"
      └─ links 0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-00  kind="producer"  (2 dropped); 0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-ff  kind="producer""
    `);
  });

  it("returns an empty string for no events", () => {
    expect(formatEventTree([])).toBe("");
  });

  it("throws for input that is not an array of tail events", () => {
    expect(() => formatEventTree("events" as unknown as TailEvent[])).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: core-context: formatEventTree() expects an array of tail events, received string "events".]`,
    );
    expect(() =>
      formatEventTree([orderEvents()[0]!, { type: "log" } as unknown as TailEvent]),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: core-context: formatEventTree() expects tail events, received an object with keys [type] at index 1.]`,
    );
  });
});
