import { describe, expect, it } from "vitest";
import { MAX_LOG_MESSAGE_BYTES, describeException, serializeLogArguments } from "../src/index";

function namedFunction(a: number): number {
  return a + 1;
}

/** Compares long strings without printing them when they differ. */
function expectSameText(actual: unknown, expected: string): void {
  const text = typeof actual === "string" ? actual : "";
  expect({ type: typeof actual, length: text.length, equal: text === expected }).toEqual({
    type: "string",
    length: expected.length,
    equal: true,
  });
}

const circular: Record<string, unknown> = { name: "loop" };
circular["self"] = circular;

describe(serializeLogArguments.name, () => {
  // Spec §4.4, one row per line of the table.
  it.for<[string, unknown, unknown]>([
    ["a string as is", "hello", "hello"],
    ["an empty string as is", "", ""],
    ["a finite number as is", 42.5, 42.5],
    ["a boolean as is", false, false],
    ["null as is", null, null],
    ["undefined as null", undefined, null],
    ["NaN as null", Number.NaN, null],
    ["Infinity as null", Number.POSITIVE_INFINITY, null],
    ["-Infinity as null", Number.NEGATIVE_INFINITY, null],
    ["a plain object as its JSON value, dropping undefined members", { a: 1, b: undefined, c: "x" }, { a: 1, c: "x" }],
    ["an array as its JSON value, undefined as null", [1, undefined, "x"], [1, null, "x"]],
    ["an object with toJSON as toJSON's value", { toJSON: () => ({ replaced: true }) }, { replaced: true }],
    ["a Date as its ISO string", new Date(0), "1970-01-01T00:00:00.000Z"],
    ["a BigInt as its decimal string", 1n, "1"],
    ["a function as its source text", namedFunction, namedFunction.toString()],
    ["a Map as [object Map]", new Map([["k", 1]]), "[object Map]"],
    ["a Set as [object Set]", new Set([1]), "[object Set]"],
    ["an Error as Name: message", new TypeError("bad input"), "TypeError: bad input"],
    ["an Error with an empty message as its name alone", new Error(""), "Error"],
    ["a Symbol as {}", Symbol("s"), {}],
    ["a circular object as {}", circular, {}],
  ])("serialises %s", ([, argument, expected]) => {
    expect(serializeLogArguments([argument]).message).toStrictEqual([expected]);
  });

  it("serialises no arguments as an empty array", () => {
    expect(serializeLogArguments([])).toStrictEqual({ message: [] });
  });

  it("keeps the argument order", () => {
    expect(serializeLogArguments(["n", 1n, undefined, { x: [1, 2] }])).toStrictEqual({
      message: ["n", "1", null, { x: [1, 2] }],
    });
  });

  it("adds errorInfo with one slot per argument when an argument is an Error", () => {
    const error = new RangeError("out of range");
    const result = serializeLogArguments(["before", error, 3]);
    expect(result.message).toEqual(["before", "RangeError: out of range", 3]);
    expect(result.errorInfo).toHaveLength(3);
    expect(result.errorInfo![0]).toBeNull();
    expect(result.errorInfo![2]).toBeNull();
    const info = result.errorInfo![1]!;
    expect(Object.keys(info)).toEqual(["name", "message", "stack"]);
    expect(info.name).toBe("RangeError");
    expect(info.message).toBe("out of range");
    // Only the frame lines, without the leading "Name: message" line.
    expect(info.stack).toMatch(/^ {4}at /);
    expect(info.stack).not.toContain("out of range");
    expect(info.stack!.split("\n").every((line) => /^\s+at /.test(line))).toBe(true);
  });

  it("leaves out the stack of an Error that has no frames", () => {
    const error = new Error("no frames");
    error.stack = "Error: no frames";
    expect(serializeLogArguments([error])).toStrictEqual({
      message: ["Error: no frames"],
      errorInfo: [{ name: "Error", message: "no frames" }],
    });
  });

  // Hostile errors, as workerd 1.20261117.1 reports them (recorded with a streaming tail worker).
  function withThrowingGetter<E extends Error>(error: E, key: "name" | "message" | "stack"): E {
    Object.defineProperty(error, key, {
      get() {
        throw new Error(`${key} getter`);
      },
    });
    return error;
  }

  it("gives a null errorInfo slot to an Error whose stack getter throws", () => {
    const ok = new Error("ok");
    const result = serializeLogArguments([ok, withThrowingGetter(new Error("stack boom"), "stack"), 3]);
    expect(result.message).toEqual(["Error: ok", "Error: stack boom", 3]);
    expect(result.errorInfo).toEqual([expect.objectContaining({ name: "Error", message: "ok" }), null, null]);
  });

  it("leaves errorInfo out when no Error's info can be read", () => {
    expect(serializeLogArguments([withThrowingGetter(new Error("stack boom"), "stack")])).toStrictEqual({
      message: ["Error: stack boom"],
    });
  });

  it.for(["name", "message"] as const)("writes {} for an Error whose %s getter throws", (key) => {
    const result = serializeLogArguments([withThrowingGetter(new TypeError("x"), key), new Error("ok")]);
    expect(result.message).toEqual([{}, "Error: ok"]);
    expect(result.errorInfo).toEqual([null, expect.objectContaining({ name: "Error", message: "ok" })]);
  });

  it("converts a non-string name, message and stack with String()", () => {
    const error = new Error("m");
    error.name = 42 as unknown as string;
    (error as { message: unknown }).message = { a: 1 };
    delete error.stack;
    expect(serializeLogArguments([error])).toStrictEqual({
      message: ["42: [object Object]"],
      errorInfo: [{ name: "42", message: "[object Object]" }],
    });
    const other = new Error("numstack");
    other.stack = 42 as unknown as string;
    expect(serializeLogArguments([other]).errorInfo).toEqual([{ name: "Error", message: "numstack", stack: "42" }]);
    other.stack = null as unknown as string;
    expect(serializeLogArguments([other]).errorInfo).toEqual([{ name: "Error", message: "numstack", stack: "null" }]);
  });

  it.for<[string, string, string, string]>([
    ["strips name, separator, message and newline", "Error", "m", "Error: m\n    at f (a.js:1:1)"],
    ["keeps what follows a name whose message changed", "Error", "[object Object]", "Error: m\n    at f (a.js:1:1)"],
    ["strips the message after an empty name", "", "nameless", "nameless\n    at f (a.js:1:1)"],
  ])("%s from an errorInfo stack", ([, name, message, stack]) => {
    const error = new Error(message);
    error.name = name;
    error.stack = stack;
    const expected = message === "[object Object]" ? "m\n    at f (a.js:1:1)" : "    at f (a.js:1:1)";
    expect(serializeLogArguments([error]).errorInfo).toEqual([{ name, message, stack: expected }]);
  });

  it("has no errorInfo when no argument is an Error", () => {
    expect(serializeLogArguments(["x", { message: "not an error" }])).not.toHaveProperty("errorInfo");
  });

  it("keeps a message of exactly 262144 serialised bytes whole", () => {
    // JSON: ["<text>"] adds 4 bytes.
    const text = "x".repeat(MAX_LOG_MESSAGE_BYTES - 4);
    const result = serializeLogArguments([text]);
    expect(Object.keys(result)).toEqual(["message"]);
    expect(Array.isArray(result.message)).toBe(true);
    expectSameText((result.message as string[])[0], text);
  });

  it("cuts a larger message to the raw first 262144 bytes of its JSON text", () => {
    const text = "x".repeat(MAX_LOG_MESSAGE_BYTES - 3);
    const result = serializeLogArguments([text]);
    expect(MAX_LOG_MESSAGE_BYTES).toBe(262144);
    expect(Object.keys(result)).toEqual(["message", "truncated"]);
    expect(result.truncated).toBe(true);
    // The cut keeps the closing quote but not the closing bracket.
    expectSameText(result.message, `["${text}"`);
  });

  it("cuts a message made of many small arguments", () => {
    const args = Array.from({ length: 30000 }, (_, i) => `item-${i}`);
    const json = JSON.stringify(args);
    const result = serializeLogArguments(args);
    expect(result.truncated).toBe(true);
    expectSameText(result.message, json.slice(0, MAX_LOG_MESSAGE_BYTES));
  });

  it("cuts a message whose JSON escapes make it larger than its text", () => {
    // Each control character becomes a 6-byte \u00XX escape in the JSON text.
    const text = "\u0001".repeat(50000);
    const result = serializeLogArguments([text]);
    expect(result.truncated).toBe(true);
    expectSameText(result.message, JSON.stringify([text]).slice(0, MAX_LOG_MESSAGE_BYTES));
  });

  it("cuts a message whose large part is deeply nested", () => {
    let nested: unknown = "y".repeat(MAX_LOG_MESSAGE_BYTES);
    for (let i = 0; i < 12; i++) nested = [nested];
    const result = serializeLogArguments([nested]);
    expect(result.truncated).toBe(true);
    expectSameText(result.message, JSON.stringify([nested]).slice(0, MAX_LOG_MESSAGE_BYTES));
  });

  it("keeps errorInfo on a cut message", () => {
    const result = serializeLogArguments(["z".repeat(MAX_LOG_MESSAGE_BYTES), new Error("e")]);
    expect(result.truncated).toBe(true);
    expect(result.errorInfo).toEqual([null, expect.objectContaining({ name: "Error", message: "e" })]);
  });
});

describe(describeException.name, () => {
  it("describes an Error by name, message and frame lines", () => {
    const event = describeException(new TypeError("broken"));
    expect(Object.keys(event)).toEqual(["type", "name", "message", "stack"]);
    expect(event).toMatchObject({ type: "exception", name: "TypeError", message: "broken" });
    expect(event.stack).toMatch(/^ {4}at /);
  });

  it("describes a thrown non-Error value by its string form", () => {
    expect(describeException("plain")).toStrictEqual({ type: "exception", name: "Error", message: "plain" });
  });

  // Measured on workerd 1.20261117.1 and 1.20261123.1: name and message are each cut to 4096
  // UTF-8 bytes, at a character boundary.
  it.for([
    { what: "ASCII", name: "N".repeat(10000), message: "m".repeat(1000000), nameLength: 4096, messageLength: 4096 },
    {
      what: "two-byte characters",
      name: "ab" + "é".repeat(10000),
      message: "é".repeat(5000),
      nameLength: 2049,
      messageLength: 2048,
    },
    {
      what: "a character across the limit",
      name: "n",
      message: "a" + "😀".repeat(10000),
      nameLength: 1,
      messageLength: 2047,
    },
  ])("cuts name and message to 4096 bytes each ($what)", ({ name, message, nameLength, messageLength }) => {
    const error = new Error(message);
    error.name = name;
    const event = describeException(error);
    expect(event.name.length).toBe(nameLength);
    expect(event.message.length).toBe(messageLength);
    expect(Buffer.byteLength(event.message)).toBeLessThanOrEqual(4096);
    expect(event.message.endsWith("\ud83d")).toBe(false);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(262144);
  });

  // Measured on workerd 1.20261123.1 (each row a thrown Error with that message and stack): the
  // stack is cut to its first 4096 UTF-8 bytes, at a character boundary, and then loses its
  // leading name, ": ", message and newline where they are found; nothing left, no stack. The
  // hostile-value fuzz tests found the stack cut by UTF-16 units to the whole per-event limit
  // (a stack of two-byte characters made a 524 KB event).
  const FRAME = "    at f (a.js:1:1)\n";
  it.for([
    {
      what: "a standard header",
      message: "short",
      stack: `Error: short\n${FRAME}${"a".repeat(300000)}`,
      bytes: 4083,
      start: FRAME,
    },
    {
      what: "an unknown first line",
      message: "short",
      stack: `H\n${FRAME}${"a".repeat(300000)}`,
      bytes: 4096,
      start: `H\n${FRAME}`,
    },
    {
      what: "another message",
      message: "m".repeat(100),
      stack: `Error: short\n${FRAME}${"a".repeat(300000)}`,
      bytes: 4089,
      start: `short\n${FRAME}`,
    },
    {
      what: "a long header",
      message: "m".repeat(100),
      stack: `Error: ${"m".repeat(100)}\n${FRAME}${"a".repeat(300000)}`,
      bytes: 3988,
      start: FRAME,
    },
    { what: "no frames", message: "short", stack: "a".repeat(300000), bytes: 4096, start: "aaaa" },
    {
      what: "two-byte characters",
      message: "short",
      stack: `Error: short\n${FRAME}${"é".repeat(200000)}`,
      bytes: 4082,
      start: `${FRAME}éé`,
    },
    {
      what: "four-byte characters",
      message: "short",
      stack: `Error: short\n${FRAME}${"😀".repeat(100000)}`,
      bytes: 4080,
      start: `${FRAME}😀`,
    },
    {
      what: "a header past the cut",
      message: "m".repeat(5000),
      stack: `Error: ${"m".repeat(5000)}\n${FRAME}`,
      bytes: undefined,
      start: "",
    },
    { what: "the header alone", message: "short", stack: "Error: short", bytes: undefined, start: "" },
  ])("cuts the stack to its first 4096 bytes, header removed after ($what)", ({ message, stack, bytes, start }) => {
    const error = new Error(message);
    error.stack = stack;
    const event = describeException(error);
    if (bytes === undefined) {
      expect(event).not.toHaveProperty("stack");
    } else {
      expect(Buffer.byteLength(event.stack!)).toBe(bytes);
      expect(event.stack!.startsWith(start)).toBe(true);
      expect(event.stack!.endsWith("\ud83d")).toBe(false);
    }
  });

  it("cuts the string form of a thrown non-Error value too", () => {
    expect(describeException("x".repeat(10_000_000)).message).toHaveLength(4096);
  });

  it("reports an Error it cannot read as workerd does, and never throws", () => {
    const unreadable = { type: "exception", name: "Error", message: "Promise will never complete." };
    for (const key of ["name", "message", "stack"]) {
      const error = new Error("kept");
      Object.defineProperty(error, key, {
        get() {
          throw new Error(`${key} getter`);
        },
      });
      expect(describeException(error)).toStrictEqual(unreadable);
    }
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(describeException(proxy)).toStrictEqual(unreadable);
  });

  // workerd 1.20261117.1 / 1.20261123.1 (conformance scenario exception-values).
  it.for([
    { what: "a plain object", value: { a: 1 }, message: "#<Object>" },
    { what: "a class instance", value: new (class Custom {})(), message: "#<Custom>" },
    { what: "a null-prototype object", value: Object.create(null) as object, message: "[object Object]" },
    { what: "an object with its own toString", value: { toString: () => "custom" }, message: "[object Object]" },
    { what: "an array", value: [1, 2], message: "[object Array]" },
    {
      what: "a Proxy whose getPrototypeOf trap throws",
      value: new Proxy(
        {},
        {
          getPrototypeOf: () => {
            throw new Error("trap");
          },
        },
      ),
      message: "#<Object>",
    },
    { what: "a symbol", value: Symbol("sym"), message: "Symbol(sym)" },
    { what: "a number", value: 42, message: "42" },
    { what: "undefined", value: undefined, message: "undefined" },
  ])("describes $what without running its code", ({ value, message }) => {
    expect(describeException(value)).toStrictEqual({ type: "exception", name: "Error", message });
  });
});
