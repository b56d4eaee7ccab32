import { describe, expect, it } from "vitest";
import {
  createSequentialIds,
  currentUserSpan,
  DIAGNOSTIC_CHANNEL_EVENT_OVERHEAD_BYTES,
  diagnosticChannelEvent,
  IoContext,
  MAX_DIAGNOSTIC_CHANNEL_EVENT_BYTES,
  reportDiagnosticChannel,
  runInInvocation,
  type TailEvent,
  toTailSink,
  UNSERIALIZABLE_DIAGNOSTIC_MESSAGE,
  withCurrentSpan,
} from "../src/index";
import { S, compact } from "./helpers";

/** The V8 serialisation of a one-byte string of 16384..2097151 characters: header, tag, length. */
const STRING_HEADER_BYTES = 6;

describe(diagnosticChannelEvent.name, () => {
  it("carries a structured clone of the message", () => {
    class Point {
      x = 1;
    }
    const date = new Date(0);
    const event = diagnosticChannelEvent("c", { date, big: 5n, point: new Point(), list: [1, undefined] });
    expect(event).toStrictEqual({
      type: "diagnosticChannel",
      channel: "c",
      message: { date: new Date(0), big: 5n, point: { x: 1 }, list: [1, undefined] },
    });
    expect((event!.message as { date: Date }).date).not.toBe(date);
  });

  it("reports values that cannot be cloned with workerd's placeholder message", () => {
    for (const value of [() => 1, Symbol("s"), { inner: new WeakMap() }]) {
      expect(diagnosticChannelEvent("c", value)?.message).toBe(UNSERIALIZABLE_DIAGNOSTIC_MESSAGE);
    }
    expect(UNSERIALIZABLE_DIAGNOSTIC_MESSAGE).toBe("[[ Diagnostic event was not serializable ]]");
  });

  it("keeps undefined and null messages", () => {
    expect(diagnosticChannelEvent("c", undefined)).toStrictEqual({
      type: "diagnosticChannel",
      channel: "c",
      message: undefined,
    });
    expect(diagnosticChannelEvent("c", null)?.message).toBeNull();
  });

  it("drops an event over the limit instead of truncating it (channel bytes count)", () => {
    const fits = MAX_DIAGNOSTIC_CHANNEL_EVENT_BYTES - DIAGNOSTIC_CHANNEL_EVENT_OVERHEAD_BYTES - STRING_HEADER_BYTES;
    expect(fits - 7).toBe(262075);
    expect(diagnosticChannelEvent("size-ok", "x".repeat(fits - 7))).toBeDefined();
    expect(diagnosticChannelEvent("size-no", "x".repeat(fits - 6))).toBeUndefined();
    // "é" is two UTF-8 bytes.
    expect(diagnosticChannelEvent("é", "x".repeat(fits - 2))).toBeDefined();
    expect(diagnosticChannelEvent("éé", "x".repeat(fits - 3))).toBeUndefined();
  });
});

describe(reportDiagnosticChannel.name, () => {
  it("returns false outside any invocation and in an untraced one", () => {
    expect(reportDiagnosticChannel("c", 1)).toBe(false);
    const untraced = new IoContext().startInvocation({ kind: "test" });
    expect(runInInvocation(untraced, () => reportDiagnosticChannel("c", 1))).toBe(false);
  });

  it("reports on the onset span at the top level and on the current span inside one", () => {
    const events: TailEvent[] = [];
    const invocation = new IoContext({ ids: createSequentialIds() }).startInvocation({
      kind: "test",
      sink: toTailSink(events),
    });
    runInInvocation(invocation, () => {
      expect(reportDiagnosticChannel("top", { n: 1 })).toBe(true);
      const span = currentUserSpan()!.startChild("s");
      withCurrentSpan(span, () => expect(reportDiagnosticChannel("inner", "m")).toBe(true));
      expect(reportDiagnosticChannel("dropped", "x".repeat(MAX_DIAGNOSTIC_CHANNEL_EVENT_BYTES))).toBe(false);
    });
    const published = compact(events).filter((e) => e.event.type === "diagnosticChannel");
    expect(published).toStrictEqual([
      { sequence: 1, spanId: S(1), event: { type: "diagnosticChannel", channel: "top", message: { n: 1 } } },
      { sequence: 3, spanId: S(2), event: { type: "diagnosticChannel", channel: "inner", message: "m" } },
    ]);
  });
});
