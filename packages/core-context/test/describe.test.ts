import { describe, expect, it } from "vitest";
import { describeReceived } from "../src/index";

describe(describeReceived.name, () => {
  it("names the kind of value and shows primitives", () => {
    expect(describeReceived(null)).toBe("null");
    expect(describeReceived(undefined)).toBe("undefined");
    expect(describeReceived(42)).toBe("number 42");
    expect(describeReceived(10n)).toBe("bigint 10");
    expect(describeReceived(Symbol("s"))).toBe("symbol Symbol(s)");
    expect(describeReceived(() => {})).toBe("a function");
    expect(describeReceived([1])).toBe("an array");
    expect(describeReceived({})).toBe("an object");
    expect(describeReceived({ a: 1, b: 2 })).toBe("an object with keys [a, b]");
    expect(describeReceived({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 })).toBe("an object with keys [a, b, c, d, e, …]");
  });

  it("quotes strings and cuts long ones after 70 characters", () => {
    expect(describeReceived('say "hi"')).toBe('string "say \\"hi\\""');
    expect(describeReceived("x".repeat(71))).toBe(`string "${"x".repeat(70)}…"`);
    expect(describeReceived("x".repeat(70))).toBe(`string "${"x".repeat(70)}"`);
  });

  it("never throws, also for a revoked Proxy or throwing traps", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(describeReceived(proxy)).toBe("an object");
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("no keys");
        },
      },
    );
    expect(describeReceived(hostile)).toBe("an object");
  });
});
