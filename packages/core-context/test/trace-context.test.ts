import { describe, expect, it } from "vitest";
import { formatTraceParent, parseTraceParent, parseTraceState } from "../src/index";

const TRACE = "12345678901234567890123456789012";
const SPAN = "1234567890123456";

describe(parseTraceParent.name, () => {
  it.for([
    ["version 00, sampled", `00-${TRACE}-${SPAN}-01`, 1],
    ["version 00, not sampled", `00-${TRACE}-${SPAN}-00`, 0],
    ["version 00 keeps every flag bit", `00-${TRACE}-${SPAN}-03`, 3],
    ["spaces and tabs around the value", ` \t00-${TRACE}-${SPAN}-01\t `, 1],
    ["a later version", `cc-${TRACE}-${SPAN}-01`, 1],
    [
      "a later version with more fields, only its sampled flag",
      `cc-${TRACE}-${SPAN}-ff-what-the-future-will-be-like`,
      1,
    ],
  ] as const)("reads %s", ([, header, traceFlags]) => {
    expect(parseTraceParent(header)).toStrictEqual({ traceId: TRACE, spanId: SPAN, traceFlags });
  });

  it.for([
    ["absent", undefined],
    ["null", null],
    ["empty", ""],
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["version 00 with an extra field", `00-${TRACE}-${SPAN}-01-what-the-future-will-be-like`],
    ["version 00 with a trailing character", `00-${TRACE}-${SPAN}-01.`],
    ["a later version not followed by a dash", `cc-${TRACE}-${SPAN}-01.what-the-future-will-be-like`],
    ["a later version shorter than 55 characters", `cc-${TRACE}-${SPAN}-1`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["an all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["uppercase hex in the trace id", `00-${TRACE.slice(0, 31)}A-${SPAN}-01`],
    ["uppercase hex in the parent id", `00-${TRACE}-${SPAN.slice(0, 15)}B-01`],
    ["uppercase hex in the flags", `00-${TRACE}-${SPAN}-0A`],
    ["uppercase hex in the version", `CC-${TRACE}-${SPAN}-01`],
    ["a three-digit version", `000-${TRACE}-${SPAN}-01`],
    ["a one-digit version", `0-${TRACE}-${SPAN}-01`],
    ["a non-hex version", `.0-${TRACE}-${SPAN}-01`],
    ["a short trace id", `00-${TRACE.slice(1)}-${SPAN}-01`],
    ["a long trace id", `00-${TRACE}3-${SPAN}-01`],
    ["a non-hex trace id", `00-.${TRACE.slice(1)}-${SPAN}-01`],
    ["a short parent id", `00-${TRACE}-${SPAN.slice(1)}-01`],
    ["a long parent id", `00-${TRACE}-${SPAN}7-01`],
    ["one-digit flags", `00-${TRACE}-${SPAN}-1`],
    ["three-digit flags", `00-${TRACE}-${SPAN}-001`],
    ["non-hex flags", `00-${TRACE}-${SPAN}-.0`],
    ["two headers joined", `00-${TRACE}-${SPAN}-01, 00-${TRACE}-${SPAN}-01`],
    ["two later-version headers joined", `cc-${TRACE}-${SPAN}-01, cc-${TRACE}-${SPAN}-01`],
  ] as const)("ignores %s", ([, header]) => {
    expect(parseTraceParent(header)).toBeUndefined();
  });
});

describe(formatTraceParent.name, () => {
  it("writes version 00 with two-digit flags", () => {
    expect(formatTraceParent({ traceId: TRACE, spanId: SPAN, traceFlags: 1 })).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceParent({ traceId: TRACE, spanId: SPAN, traceFlags: 0 })).toBe(`00-${TRACE}-${SPAN}-00`);
    expect(formatTraceParent({ traceId: TRACE, spanId: SPAN, traceFlags: 255 })).toBe(`00-${TRACE}-${SPAN}-ff`);
  });

  it("writes what it reads", () => {
    const header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    expect(formatTraceParent(parseTraceParent(header)!)).toBe(header);
  });

  it("refuses ids and flags that make no valid header", () => {
    expect(() =>
      formatTraceParent({ traceId: "ABCDEF78901234567890123456789012", spanId: SPAN, traceFlags: 1 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: core-context: formatTraceParent() expects traceId to be 32 lowercase hex digits, not all zeros, received string "ABCDEF78901234567890123456789012".]`,
    );
    expect(() =>
      formatTraceParent({ traceId: TRACE, spanId: "0".repeat(16), traceFlags: 1 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: core-context: formatTraceParent() expects spanId to be 16 lowercase hex digits, not all zeros, received string "0000000000000000".]`,
    );
    expect(() =>
      formatTraceParent({ traceId: TRACE, spanId: SPAN, traceFlags: 256 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: core-context: formatTraceParent() expects traceFlags to be an integer from 0 to 255, received number 256.]`,
    );
  });
});

describe(parseTraceState.name, () => {
  it.for([
    ["one member", "rojo=00f067aa0ba902b7", "rojo=00f067aa0ba902b7"],
    ["two members in order", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"],
    ["headers joined by Headers", "foo=1,bar=2, rojo=1,congo=2, baz=3", "foo=1,bar=2,rojo=1,congo=2,baz=3"],
    ["spaces and tabs around members", "foo=1 \t , \t bar=2, \t baz=3", "foo=1,bar=2,baz=3"],
    ["empty members", ",foo=1,, ,bar=2,", "foo=1,bar=2"],
    ["a multi-tenant key", `${"t".repeat(241)}@${"v".repeat(14)}=1`, `${"t".repeat(241)}@${"v".repeat(14)}=1`],
    ["a 256-character key", `${"z".repeat(256)}=1`, `${"z".repeat(256)}=1`],
    [
      "every allowed character",
      "a0_-*/@a0_-*/=  !\"#$%&'()*+-./0123456789:;<>?@AZ[\\]^_`az{|}~",
      "a0_-*/@a0_-*/=  !\"#$%&'()*+-./0123456789:;<>?@AZ[\\]^_`az{|}~",
    ],
    [
      "32 members",
      Array.from({ length: 32 }, (_, i) => `k${i}=${i}`).join(","),
      Array.from({ length: 32 }, (_, i) => `k${i}=${i}`).join(","),
    ],
  ] as const)("keeps %s", ([, header, expected]) => {
    expect(parseTraceState(header)).toBe(expected);
  });

  it.for([
    ["absent", undefined],
    ["empty", ""],
    ["only separators and spaces", " , ,\t"],
    ["33 members", Array.from({ length: 33 }, (_, i) => `k${i}=${i}`).join(",")],
    ["a key twice", "foo=1,foo=2"],
    ["a member without =", "foo"],
    ["an empty value", "foo=,bar=3"],
    ["a value with =", "foo=bar=baz"],
    ["an uppercase key", "FOO=1"],
    ["a space in the key", "foo =1"],
    ["a dot in the key", "foo.bar=1"],
    ["a key starting with @", "@foo=1,bar=2"],
    ["a key ending with @", "foo@=1,bar=2"],
    ["a key with two @", "foo@bar@baz=1,bar=2"],
    ["a 257-character key", `foo=1,${"z".repeat(257)}=1`],
    ["a 242-character tenant", `foo=1,${"t".repeat(242)}@v=1`],
    ["a 15-character system id", `foo=1,t@${"v".repeat(15)}=1`],
    ["a 257-character value", `foo=${"v".repeat(257)}`],
    ["a non-ASCII value", "foo=é"],
  ] as const)("drops %s", ([, header]) => {
    expect(parseTraceState(header)).toBeUndefined();
  });

  it("passes on 512 characters at most, dropping long members first, then from the end", () => {
    const long = `long=${"x".repeat(124)}`; // 129 characters
    const short = (i: number): string => `k${String(i).padStart(2, "0")}=${"y".repeat(55)}`; // 60 characters
    const members = [short(0), long, short(1), short(2), short(3), short(4), short(5), short(6), short(7), short(8)];
    const kept = parseTraceState(members.join(","))!;
    // Without the long member: 9 × 60 + 8 commas = 548 > 512; the last one goes too.
    expect(kept).toBe([0, 1, 2, 3, 4, 5, 6, 7].map(short).join(","));
    expect(kept.length).toBeLessThanOrEqual(512);
    const exactly = [short(0), short(1), short(2), short(3), short(4), short(5), short(6), `k07=${"z".repeat(88)}`];
    expect(exactly.join(",").length).toBe(512);
    expect(parseTraceState(exactly.join(","))).toBe(exactly.join(","));
  });
});
