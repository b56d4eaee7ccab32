import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSequentialIds, traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { Span, tracing } from "../src/index";

/**
 * Fuzzing of names, keys and values against an independent model of spec §2.6–§2.8: every call
 * either throws exactly the error workerd throws or stores exactly the coerced value, within the
 * 64 KiB budget; nothing pollutes Object.prototype. PROPERTY_SEED / PROPERTY_PATH replay a
 * failure (both printed), PROPERTY_RUNS scales the number of cases.
 */
const SEED = Number(process.env["PROPERTY_SEED"] ?? 20261127);
const PATH = process.env["PROPERTY_PATH"];
const SCALE = Number(process.env["PROPERTY_RUNS"] ?? 1);

async function assertProperty<T>(
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  predicate: (value: T) => Promise<void>,
): Promise<void> {
  const parameters: fc.Parameters<[T]> = {
    numRuns: Math.max(1, Math.round(numRuns * SCALE)),
    seed: SEED,
    endOnFailure: true,
    ...(PATH === undefined ? {} : { path: PATH }),
  };
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), parameters);
  if (details.failed) {
    const error = details.errorInstance;
    throw new Error(
      `property failed after ${details.numRuns} cases; replay with PROPERTY_SEED=${details.seed} PROPERTY_PATH=${details.counterexamplePath ?? ""}\n${error instanceof Error ? error.message : String(error)}\ncounterexample: ${fc.stringify(details.counterexample).slice(0, 3000)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The model

/** workerd's byte length of a string: UTF-8, a lone surrogate counting 3 bytes. */
function wtf8(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
      c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return bytes;
}

/** What the tail receives for a string (spec Appendix B: decode workerd's bytes). */
function received(text: string, maxBytes = Infinity): string {
  const bytes = wtf8(text);
  return new TextDecoder().decode(Uint8Array.from(bytes.slice(0, maxBytes)));
}

type Outcome = { readonly error: string } | { readonly value: unknown };

/** Spec §2.6: JavaScript ToString for names and keys. */
function toName(input: unknown): Outcome {
  if (typeof input === "symbol") return { error: "TypeError: Cannot convert a Symbol value to a string" };
  try {
    return { value: String(input) };
  } catch (error) {
    return { error: errorText(error) };
  }
}

/** Spec §2.6: booleans and numbers kept, undefined skipped, BigInt and Symbol rejected. */
function toValue(input: unknown): Outcome {
  switch (typeof input) {
    case "string":
    case "number":
    case "boolean":
    case "undefined":
      return { value: input };
    case "bigint":
      return { error: "TypeError: Cannot convert a BigInt value to a number" };
    case "symbol":
      return { error: "TypeError: Cannot convert a Symbol value to a string" };
    default:
      return toName(input);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : `thrown ${String(error)}`;
}

const LIMIT = 65536;

/** Spec §2.5 and §2.8: a span's attributes after a sequence of calls. */
class ModelSpan {
  readonly attributes = new Map<string, unknown>();
  bytes = 0;
  exhausted = false;

  set(key: string, value: unknown): void {
    if (value === undefined || this.exhausted) return;
    const keyBytes = wtf8(key).length;
    const size = typeof value === "string" ? wtf8(value).length : 8;
    this.bytes += keyBytes + size;
    if (this.bytes > LIMIT) {
      this.exhausted = true;
      const shown = keyBytes > 64 ? `${received(key, 64)}..." (key length ${keyBytes})` : `${received(key)}"`;
      this.attributes.set("cloudflare.warning.type", "span_data_limit_exceeded");
      this.attributes.set(
        "cloudflare.warning.message",
        `exceeded span data limit while trying to record attribute "${shown} of size ${size}`,
      );
      return;
    }
    this.attributes.set(received(key), typeof value === "string" ? received(value) : value);
  }
}

/** An attribute as `name=value` with long strings cut, for readable failures. */
function shortAttribute(attribute: { name: string; value: unknown }): string {
  const short = (text: string): string =>
    text.length > 48 ? `${JSON.stringify(text.slice(0, 40))}…(${text.length})` : JSON.stringify(text);
  const value =
    typeof attribute.value === "string"
      ? short(attribute.value)
      : `${typeof attribute.value} ${String(attribute.value)}`;
  return `${short(attribute.name)}=${value}`;
}

// ---------------------------------------------------------------------------------------------
// Inputs

const CHARS = ["a", "é", "€", "😀", "\ud800", "\udfff", "\u0000", "_"];
const SIZES = [0, 1, 20, 21, 22, 63, 64, 65, 66, 100, 4096, 65500, 65535, 65536, 65537, 70000];

/** Strings around every limit: 64-byte names, the 64 KiB budget, multi-byte and lone surrogates. */
const limitString = fc
  .record({ size: fc.constantFrom(...SIZES), char: fc.constantFrom(...CHARS), prefix: fc.constantFrom("", "x", "ab") })
  .map(({ size, char, prefix }) => prefix + char.repeat(Math.ceil(size / Math.max(1, wtf8(char).length))));

const special = fc.constantFrom<unknown>(
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "prototype",
  "",
  null,
  undefined,
  0,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53 + 2,
  5e-324,
  true,
  false,
  10n,
  Symbol("s"),
  Symbol.iterator,
  [],
  [1, "b", null],
  {},
  { toString: () => "custom" },
  { valueOf: () => 5 },
  {
    toString() {
      throw new RangeError("toString throws");
    },
  },
  Object.create(null) as object,
  new Date(0),
  new String("boxed"),
  new Number(3),
  new Boolean(false),
  new Map([["a", 1]]),
  function named(a: number): number {
    return a;
  },
);

const anyInput: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: special },
  { weight: 2, arbitrary: limitString },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);

/** An object for setAttributes: own keys including `__proto__` (as JSON.parse makes them), symbols, inherited and non-enumerable members. */
const attributeObject = fc
  .record({
    entries: fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom("__proto__", "constructor", "0", "10", "k"),
          fc.string({ unit: "binary", maxLength: 6 }),
          limitString,
        ),
        anyInput,
      ),
      { maxLength: 5 },
    ),
    inherited: fc.boolean(),
    hidden: fc.boolean(),
    symbol: fc.boolean(),
  })
  .map(({ entries, inherited, hidden, symbol }) => {
    const object: Record<string, unknown> = Object.create(
      inherited ? { inheritedKey: "ignored" } : Object.prototype,
    ) as Record<string, unknown>;
    for (const [key, value] of entries)
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    if (hidden) Object.defineProperty(object, "hiddenKey", { value: "ignored", enumerable: false });
    if (symbol) (object as Record<symbol, unknown>)[Symbol("sym")] = "ignored";
    return object;
  });

type Call =
  | { readonly kind: "setAttribute"; readonly args: readonly unknown[] }
  | { readonly kind: "setAttributes"; readonly arg: unknown };

const callArb: fc.Arbitrary<Call> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(anyInput, anyInput).map(([key, value]): Call => ({ kind: "setAttribute", args: [key, value] })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.constant<unknown[]>([]),
        anyInput.map((key) => [key]),
      )
      .map((args): Call => ({ kind: "setAttribute", args })),
  },
  { weight: 2, arbitrary: attributeObject.map((arg): Call => ({ kind: "setAttributes", arg })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>(null, undefined, "text", [1], 5, new Map())
      .map((arg): Call => ({ kind: "setAttributes", arg })),
  },
);

/** Runs `fn`, returning what it threw as `Class: message` or its result. */
function attempt(fn: () => unknown): Outcome {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: errorText(error) };
  }
}

/** The model's prediction for one call, applied to `model` when it succeeds. */
function predict(model: ModelSpan, call: Call): Outcome {
  if (call.kind === "setAttribute") {
    if (call.args.length === 0)
      return { error: "TypeError: Failed to execute 'setAttribute' on 'Span': parameter 1 is not of type 'string'." };
    const key = toName(call.args[0]);
    if ("error" in key) return key;
    const value = toValue(call.args[1]);
    if ("error" in value) return value;
    model.set(key.value as string, value.value);
    return { value: "span" };
  }
  const object = call.arg;
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    return { error: "TypeError: Failed to execute 'setAttributes' on 'Span': parameter 1 is not of type 'object'." };
  }
  const entries: [string, unknown][] = [];
  for (const key of Object.keys(object)) {
    const value = toValue((object as Record<string, unknown>)[key]);
    if ("error" in value) return value;
    entries.push([key, value.value]);
  }
  for (const [key, value] of entries) model.set(key, value);
  return { value: "span" };
}

describe(`${Span.name} bad input`, () => {
  it(
    "throws exactly workerd's errors or stores exactly the coerced attributes, within the budget",
    { timeout: 120000 },
    async () => {
      const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
      await assertProperty(fc.array(callArb, { minLength: 1, maxLength: 8 }), 600, async (calls) => {
        const model = new ModelSpan();
        const events: TailEvent[] = [];
        const results: [Outcome, Outcome][] = [];
        await traceInvocation({ tail: events, ids: createSequentialIds(), kind: "test" }, () => {
          const span = tracing.startSpan("fuzzed");
          for (const call of calls) {
            const expected = predict(model, call);
            const actual = attempt(() =>
              call.kind === "setAttribute"
                ? Reflect.apply(span.setAttribute, span, call.args) === span
                  ? "span"
                  : "not the span"
                : span.setAttributes(call.arg as Record<string, string>) === span
                  ? "span"
                  : "not the span",
            );
            results.push([actual, expected]);
          }
          span.end();
        });
        for (const [actual, expected] of results) {
          if (JSON.stringify(actual) !== JSON.stringify(expected))
            throw new Error(`call gave ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
        }
        const reported = events.find((event) => event.event.type === "attributes");
        const expectedList = [...model.attributes].map(([name, value]) => ({ name, value }));
        if (expectedList.length === 0) expect(reported).toBeUndefined();
        else {
          expect(reported?.event.type).toBe("attributes");
          const info = reported?.event.type === "attributes" ? reported.event.info : [];
          // Compared compactly first (long strings make unreadable diffs), then exactly.
          const [got, want] = [info.map(shortAttribute), expectedList.map(shortAttribute)];
          if (JSON.stringify(got) !== JSON.stringify(want))
            throw new Error(`attributes ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
          expect(info).toEqual(expectedList);
        }
        expect(events.map((event) => event.sequence)).toEqual(events.map((_, i) => i));
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
      });
    },
  );

  it.for([
    { key: "k\ud800", shown: 'k\ufffd\ufffd\ufffd"' },
    { key: `x${"\udfff".repeat(30)}`, shown: `x${"\ufffd".repeat(63)}..." (key length 91)` },
  ])(
    "shows a key with lone surrogates in the budget warning as the tail receives it ($shown)",
    async ({ key, shown }) => {
      const events: TailEvent[] = [];
      await traceInvocation({ tail: events, kind: "test" }, () => {
        tracing.startSpan("budget").setAttribute(key, "v".repeat(65536)).end();
      });
      const reported = events.find((event) => event.event.type === "attributes");
      expect(reported?.event).toEqual({
        type: "attributes",
        info: [
          { name: "cloudflare.warning.type", value: "span_data_limit_exceeded" },
          {
            name: "cloudflare.warning.message",
            value: `exceeded span data limit while trying to record attribute "${shown} of size 65536`,
          },
        ],
      });
    },
  );

  it(
    "names spans as ToString and the 64-byte cut say, or throws workerd's TypeError",
    { timeout: 120000 },
    async () => {
      await assertProperty(
        fc.record({
          method: fc.constantFrom("enterSpan", "startActiveSpan", "startSpan"),
          args: fc.oneof(
            fc.constant<unknown[]>([]),
            anyInput.map((name) => [name]),
          ),
        }),
        600,
        async ({ method, args }) => {
          const events: TailEvent[] = [];
          let actual: Outcome = { value: undefined };
          await traceInvocation({ tail: events, ids: createSequentialIds(), kind: "test" }, () => {
            actual = attempt(() => {
              if (method === "startSpan") return void (Reflect.apply(tracing.startSpan, tracing, args) as Span).end();
              return void Reflect.apply(tracing[method], tracing, [...args, ...(args.length === 0 ? [] : [() => {}])]);
            });
          });
          let expected: Outcome;
          if (args.length === 0)
            expected = {
              error: `TypeError: Failed to execute '${method}' on 'Tracing': parameter 1 is not of type 'string'.`,
            };
          else {
            const name = toName(args[0]);
            expected = "error" in name ? name : { value: undefined };
            if (!("error" in name)) {
              const opened = events.find((event) => event.event.type === "spanOpen");
              expect(opened?.event).toEqual({
                type: "spanOpen",
                name: received(name.value as string, 64),
                spanId: "0000000000000002",
              });
            }
          }
          expect(actual).toEqual(expected);
          if ("error" in expected) expect(events.map((event) => event.event.type)).toEqual(["onset", "outcome"]);
        },
      );
    },
  );
});
