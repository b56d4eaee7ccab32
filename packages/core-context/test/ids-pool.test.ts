import type * as Crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";

// The pool's random bytes, made predictable: every fill starts with 8 zero bytes (an id that
// must be skipped), then counts up from the fill number.
let fills = 0;
vi.mock("node:crypto", async (importOriginal) => ({
  ...(await importOriginal<typeof Crypto>()),
  getRandomValues<T extends ArrayBufferView>(array: T): T {
    fills++;
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i < 8 ? 0 : (fills * 16 + i) & 0xff;
    return array;
  },
}));

const { RANDOM_IDS } = await import("../src/index");

describe("RANDOM_IDS over its random pool", () => {
  it("formats each 8 bytes as 16 lowercase hex digits, skipping all-zero words", () => {
    expect(RANDOM_IDS.spanId()).toBe("18191a1b1c1d1e1f");
    expect(RANDOM_IDS.spanId()).toBe("2021222324252627");
    expect(fills).toBe(1);
  });

  it("skips all-zero words at the start of a refilled pool too", () => {
    // Drain the 64 KiB pool: the next id comes from the second fill, after its zero word.
    for (let i = 0; i < 65536 / 8 - 3; i++) RANDOM_IDS.spanId();
    expect(fills).toBe(1);
    expect(RANDOM_IDS.spanId()).toBe("28292a2b2c2d2e2f");
    expect(fills).toBe(2);
  });

  it("builds 32-digit ids from two non-zero words", () => {
    expect(RANDOM_IDS.traceId()).toMatch(/^[0-9a-f]{32}$/);
    expect(RANDOM_IDS.traceId()).not.toContain("0000000000000000");
  });
});
