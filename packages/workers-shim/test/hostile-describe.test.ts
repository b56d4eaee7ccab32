import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_LOG_MESSAGE_BYTES, describeException, serializeLogArguments } from "@workers-tracing/core-context";
import { describeError, describeErrorWithStack, describeMicrotaskError, escapeControl } from "../src/errors";
import { buildHostile, buildString, hostileErrorRecipe, hostileRecipe, stringSpec } from "./hostile-values";

/*
 * The functions that describe what worker code threw or logged are total: for any hostile value
 * they return, never throw, and keep to their documented cuts. fast-check's default random seed
 * is used (it prints the seed and the shrunk recipe on failure).
 */

/** Cases per property; a few are megabytes long, so a busy machine takes seconds. */
const RUNS = 200;

/** A terminal control character other than tab and newline (what escapeControl removes). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** workerd's cuts: name, message and stack 4096 UTF-8 bytes each (so well within 262144 together). */
function assertExceptionCuts(value: unknown): void {
  const event = describeException(value);
  expect(event.type).toBe("exception");
  expect(typeof event.name).toBe("string");
  expect(typeof event.message).toBe("string");
  expect(bytes(event.name)).toBeLessThanOrEqual(4096);
  expect(bytes(event.message)).toBeLessThanOrEqual(4096);
  if (event.stack !== undefined) {
    expect(typeof event.stack).toBe("string");
    expect(event.stack).not.toBe("");
    expect(bytes(event.stack)).toBeLessThanOrEqual(4096);
  }
  expect(Object.keys(event).every((key) => ["type", "name", "message", "stack"].includes(key))).toBe(true);
  expect(bytes(event.name) + bytes(event.message) + bytes(event.stack ?? "")).toBeLessThanOrEqual(262144);
}

describe(describeException.name, () => {
  it("returns an exception event within the per-event limit for any value", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(hostileRecipe, (recipe) => assertExceptionCuts(buildHostile(recipe))),
      { numRuns: RUNS },
    );
  });
});

describe(`${describeException.name} of errors`, () => {
  it("keeps name, message and stack within their cuts for hostile errors", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(hostileErrorRecipe, (recipe) => assertExceptionCuts(buildHostile(recipe))),
      { numRuns: RUNS },
    );
  });

  it("keeps name, message and stack within their cuts for any strings in them", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(stringSpec, stringSpec, stringSpec, (name, message, stack) => {
        const error = new Error(buildString(message));
        error.name = buildString(name);
        error.stack = buildString(stack);
        assertExceptionCuts(error);
      }),
      { numRuns: RUNS },
    );
  });
});

describe(serializeLogArguments.name, () => {
  it("returns a JSON-serialisable log payload within the message limit for any arguments", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.array(hostileRecipe, { maxLength: 4 }), (recipes) => {
        const args = recipes.map((recipe) => buildHostile(recipe));
        // Nested in an object and an array too, as workers log them.
        args.push({ nested: args[0] }, [args[1]]);
        const result = serializeLogArguments(args);
        const json = JSON.stringify(result);
        expect(typeof json).toBe("string");
        if (result.truncated === true) {
          // The raw first 262144 bytes of the JSON text: a character cut in two decodes to one
          // U+FFFD, as workerd's UTF-8 conversion does.
          expect(typeof result.message).toBe("string");
          const message = result.message;
          expect(bytes(message.endsWith("\ufffd") ? message.slice(0, -1) : message)).toBeLessThanOrEqual(
            MAX_LOG_MESSAGE_BYTES,
          );
        } else {
          expect(Array.isArray(result.message)).toBe(true);
          expect(bytes(JSON.stringify(result.message))).toBeLessThanOrEqual(MAX_LOG_MESSAGE_BYTES);
        }
        if (result.errorInfo !== undefined) expect(result.errorInfo).toHaveLength(args.length);
      }),
      { numRuns: RUNS },
    );
  });
});

describe(describeMicrotaskError.name, () => {
  it("returns an exception event within the per-event limit for any value", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(hostileRecipe, (recipe) => {
        const event = describeMicrotaskError(buildHostile(recipe));
        expect(event.type).toBe("exception");
        expect(event.name).toBe("Error");
        expect(typeof event.message).toBe("string");
        expect(event).not.toHaveProperty("stack");
        // The raw first bytes that fit: a character cut in two decodes to one U+FFFD.
        const message = event.message.endsWith("\ufffd") ? event.message.slice(0, -1) : event.message;
        expect(bytes(event.name) + bytes(message)).toBeLessThanOrEqual(262144);
      }),
      { numRuns: RUNS },
    );
  });
});

describe(describeError.name, () => {
  it("returns one line without control characters for any value", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(hostileRecipe, (recipe) => {
        const text = describeError(buildHostile(recipe));
        expect(typeof text).toBe("string");
        expect(text).not.toMatch(/[\r\n]/);
        expect(text).not.toMatch(CONTROL);
      }),
      { numRuns: RUNS },
    );
  });

  it("describes with the stack, without control characters, for any value", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(hostileRecipe, (recipe) => {
        const text = describeErrorWithStack(buildHostile(recipe));
        expect(typeof text).toBe("string");
        expect(text).not.toMatch(CONTROL);
      }),
      { numRuns: RUNS },
    );
  });
});

describe(escapeControl.name, () => {
  it("leaves no control character but tab and newline in any text", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(stringSpec, (spec) => {
        expect(escapeControl(buildString(spec))).not.toMatch(CONTROL);
      }),
      { numRuns: RUNS },
    );
  });
});
