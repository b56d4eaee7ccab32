import { describe, expect, it } from "vitest";
import { RANDOM_IDS, createSequentialIds } from "../src/index";

const HEX16 = /^[0-9a-f]{16}$/;
const HEX32 = /^[0-9a-f]{32}$/;

describe("RANDOM_IDS", () => {
  it("draws distinct 16-hex-digit span ids, across refills of its random pool", () => {
    // More ids than one pool of random words holds.
    const ids = Array.from({ length: 20000 }, () => RANDOM_IDS.spanId());
    expect(ids.filter((id) => !HEX16.test(id))).toEqual([]);
    expect(ids.filter((id) => id === "0".repeat(16))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    // About one id in 16 starts with a zero digit: kept, not dropped.
    expect(ids.some((id) => id.startsWith("0"))).toBe(true);
  });

  it("draws distinct 32-hex-digit trace and invocation ids", () => {
    const ids = Array.from({ length: 5000 }, (_, i) =>
      i % 2 === 0 ? RANDOM_IDS.traceId() : RANDOM_IDS.invocationId(),
    );
    expect(ids.filter((id) => !HEX32.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(RANDOM_IDS)).toBe(true);
  });
});

describe(createSequentialIds.name, () => {
  it("counts span ids apart from trace and invocation ids", () => {
    const ids = createSequentialIds();
    expect([ids.spanId(), ids.traceId(), ids.spanId(), ids.invocationId()]).toEqual([
      "0000000000000001",
      "00000000000000000000000000000001",
      "0000000000000002",
      "00000000000000000000000000000001",
    ]);
  });
});
