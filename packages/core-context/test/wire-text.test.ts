import { describe, expect, it } from "vitest";
import { cutWireText, toWireText, wireByteLength } from "../src/index";

describe("wire text", () => {
  it("measures UTF-8 bytes with a lone surrogate as 3, in the short and the long path", () => {
    for (const pad of ["", "x".repeat(40)]) {
      expect(wireByteLength(`${pad}a`)).toBe(pad.length + 1);
      expect(wireByteLength(`${pad}é`)).toBe(pad.length + 2);
      expect(wireByteLength(`${pad}€`)).toBe(pad.length + 3);
      expect(wireByteLength(`${pad}😀`)).toBe(pad.length + 4);
      expect(wireByteLength(`${pad}\ud800`)).toBe(pad.length + 3);
      expect(wireByteLength(`${pad}\udc00x`)).toBe(pad.length + 4);
    }
  });

  it("delivers a lone surrogate as three U+FFFD and leaves well-formed text as is", () => {
    expect(toWireText("a\ud800b")).toBe("a\ufffd\ufffd\ufffdb");
    expect(toWireText("\udc00")).toBe("\ufffd\ufffd\ufffd");
    const text = "ok 😀";
    expect(toWireText(text)).toBe(text);
  });

  it("cuts at a byte count, a split character becoming one U+FFFD", () => {
    expect(cutWireText("ab€", 3)).toBe("ab\ufffd");
    expect(cutWireText("ab€", 5)).toBe("ab€");
    expect(cutWireText("😀😀", 6)).toBe("😀\ufffd");
    expect(cutWireText("a".repeat(70), 64)).toBe("a".repeat(64));
    // A lone surrogate is 3 bytes on the wire: cut inside it, one U+FFFD; whole, three.
    expect(cutWireText("a\ud800", 2)).toBe("a\ufffd");
    expect(cutWireText("a\ud800", 4)).toBe("a\ufffd\ufffd\ufffd");
  });
});
