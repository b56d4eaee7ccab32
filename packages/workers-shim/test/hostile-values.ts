import fc from "fast-check";
import * as build from "./fixtures/hostile-fuzz/build.js";

/*
 * fast-check arbitraries of hostile values: what worker code can throw, reject with or log to
 * make the runtime's own code fail (revoked Proxies, throwing traps and getters, non-string error
 * fields, cyclic causes, null prototypes, huge strings...).
 *
 * The arbitraries generate serialisable recipes, not the values: a recipe crosses into a worker
 * (as a request header) and is built there by `fixtures/hostile-fuzz/build.js` with the worker's
 * own constructors, and a failing case prints as a small recipe that a regression test can build
 * again. `hostileValue` builds the values in the test's own realm.
 */

/** A string, given as a prefix and a piece repeated: huge strings stay small recipes. */
export interface StringSpec {
  readonly prefix: string;
  readonly text: string;
  readonly repeat: number;
}

/** How a field of a built value is defined. */
export type Access =
  /** A data property holding the value. */
  | { readonly how: "value"; readonly v: HostileRecipe }
  /** A getter returning the value. */
  | { readonly how: "getter"; readonly v: HostileRecipe }
  /** A getter that throws the value (a plain Error when absent). */
  | { readonly how: "throw"; readonly v?: HostileRecipe }
  /** A getter that returns the value on the first read and throws on every later one. */
  | { readonly how: "flip"; readonly v: HostileRecipe }
  /** The field is deleted (an Error's own `message` or `stack`, say). */
  | { readonly how: "delete" };

/** Field names; `toPrimitive`, `toStringTag` and `inspect` stand for their well-known symbols. */
export type FieldName = string;

/** A field of a built value and how it is defined. */
export type Field = readonly [FieldName, Access];

/** Proxy traps that can be made to throw. */
export type Trap =
  | "get"
  | "getPrototypeOf"
  | "ownKeys"
  | "has"
  | "getOwnPropertyDescriptor"
  | "set"
  | "defineProperty"
  | "apply"
  | "construct";

/** A recipe of one hostile value (built by `buildHostile`). */
export type HostileRecipe =
  | { readonly k: "prim"; readonly v: "undefined" | "null" | "true" | "NaN" | "Infinity" | "-0" | number }
  | { readonly k: "string"; readonly s: StringSpec }
  | { readonly k: "bigint"; readonly v: string }
  | { readonly k: "symbol"; readonly d: StringSpec; readonly registered: boolean }
  | {
      readonly k: "function";
      readonly kind: "arrow" | "async" | "class" | "bound" | "generator" | "throwing-name";
      readonly fields: readonly Field[];
    }
  | { readonly k: "revoked"; readonly callable: boolean }
  | {
      readonly k: "proxy";
      readonly target: HostileRecipe;
      readonly callable: boolean;
      readonly traps: readonly Trap[];
      readonly thrown?: HostileRecipe;
    }
  | {
      readonly k: "error";
      readonly ctor:
        "Error" | "TypeError" | "RangeError" | "SyntaxError" | "AggregateError" | "DOMException" | "subclass" | "fake";
      readonly message: StringSpec;
      readonly members: readonly HostileRecipe[];
      readonly fields: readonly Field[];
      readonly cycle: boolean;
      readonly proto: "normal" | "null" | "throwing-proxy";
      readonly frozen: boolean;
    }
  | {
      readonly k: "object";
      readonly proto:
        | "object"
        | "null"
        | "array"
        | "error-proto"
        | "map"
        | "set"
        | "date"
        | "invalid-date"
        | "promise"
        | "regexp"
        | "throwing-proxy";
      readonly fields: readonly Field[];
      readonly cycle: boolean;
      readonly frozen: boolean;
    }
  | { readonly k: "array"; readonly items: readonly HostileRecipe[]; readonly cycle: boolean }
  | { readonly k: "deep"; readonly depth: number };

/** Short pieces of text, with the characters that break naive code (ESC, NUL, lone surrogates). */
const piece: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 4 }),
  fc.constantFrom(
    "\ud800",
    "\udc00",
    "\u001b[2J",
    "\u0000",
    "\u009b",
    "😀",
    "é",
    "\n",
    '"\\',
    "    at x (y:1:1)\n",
    "Error: ",
  ),
);

/** Mostly short strings; about one in seven is 1000 to 300000 repeats of a piece (up to a few MB). */
export const stringSpec: fc.Arbitrary<StringSpec> = fc.oneof(
  { weight: 11, arbitrary: fc.record({ prefix: piece, text: piece, repeat: fc.integer({ min: 0, max: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      prefix: piece,
      text: piece.filter((text) => text.length > 0),
      repeat: fc.integer({ min: 1000, max: 300_000 }),
    }),
  },
  // Shaped like a stack: frame lines, then frames or multi-byte text repeated past the limits.
  {
    weight: 1,
    arbitrary: fc.record({
      prefix: fc.constantFrom("Error: m\n    at f (a.js:1:1)\n", "    at f (a.js:1:1)\n"),
      text: fc.constantFrom("é", "😀", "\u0001", '"', "    at g (b.js:2:2)\n", "\ud800"),
      repeat: fc.integer({ min: 1000, max: 300_000 }),
    }),
  },
);

const ERROR_FIELDS = [
  "name",
  "message",
  "stack",
  "cause",
  "errors",
  "constructor",
  "toString",
  "toPrimitive",
  "toJSON",
  "then",
  "inspect",
];
const OBJECT_FIELDS = [...ERROR_FIELDS, "toStringTag", "valueOf", "a", "__proto__", "length"];
const TRAPS: readonly Trap[] = [
  "get",
  "getPrototypeOf",
  "ownKeys",
  "has",
  "getOwnPropertyDescriptor",
  "set",
  "defineProperty",
  "apply",
  "construct",
];

const { recipe, error } = fc.letrec<{
  recipe: HostileRecipe;
  access: Access;
  leaf: HostileRecipe;
  error: HostileRecipe;
}>((tie) => {
  const fields = (names: readonly string[]): fc.Arbitrary<readonly Field[]> =>
    fc.array(fc.tuple(fc.constantFrom(...names), tie("access")), { maxLength: 3 });
  return {
    leaf: fc.oneof(
      fc.record({
        k: fc.constant("prim" as const),
        v: fc.oneof(
          fc.constantFrom(
            "undefined" as const,
            "null" as const,
            "true" as const,
            "NaN" as const,
            "Infinity" as const,
            "-0" as const,
          ),
          fc.double(),
        ),
      }),
      fc.record({ k: fc.constant("string" as const), s: stringSpec }),
      fc.record({ k: fc.constant("bigint" as const), v: fc.bigInt().map(String) }),
      fc.record({ k: fc.constant("symbol" as const), d: stringSpec, registered: fc.boolean() }),
      fc.record({ k: fc.constant("revoked" as const), callable: fc.boolean() }),
      fc.record({
        k: fc.constant("deep" as const),
        depth: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1000, max: 20000 })),
      }),
      // A native promise whose `constructor` getter throws: `Promise.resolve()` of it throws.
      fc.constant<HostileRecipe>({
        k: "object",
        proto: "promise",
        fields: [["constructor", { how: "throw" }]],
        cycle: false,
        frozen: false,
      }),
    ),
    access: fc.oneof(
      { depthSize: "small" },
      fc.record({ how: fc.constant("throw" as const) }),
      fc.record({ how: fc.constant("delete" as const) }),
      fc.record({ how: fc.constantFrom("value" as const, "getter" as const, "flip" as const), v: tie("recipe") }),
      fc.record({ how: fc.constant("throw" as const), v: tie("recipe") }),
    ),
    error: fc.record({
      k: fc.constant("error" as const),
      ctor: fc.constantFrom(
        "Error" as const,
        "TypeError" as const,
        "RangeError" as const,
        "SyntaxError" as const,
        "AggregateError" as const,
        "DOMException" as const,
        "subclass" as const,
        "fake" as const,
      ),
      message: stringSpec,
      members: fc.array(tie("recipe"), { maxLength: 2 }),
      fields: fields(ERROR_FIELDS),
      cycle: fc.boolean(),
      proto: fc.constantFrom("normal" as const, "normal" as const, "null" as const, "throwing-proxy" as const),
      frozen: fc.boolean(),
    }),
    recipe: fc.oneof(
      { depthSize: "small", maxDepth: 3 },
      tie("leaf"),
      tie("error"),
      fc.record({
        k: fc.constant("object" as const),
        proto: fc.constantFrom(
          "object" as const,
          "null" as const,
          "array" as const,
          "error-proto" as const,
          "map" as const,
          "set" as const,
          "date" as const,
          "invalid-date" as const,
          "promise" as const,
          "regexp" as const,
          "throwing-proxy" as const,
        ),
        fields: fields(OBJECT_FIELDS),
        cycle: fc.boolean(),
        frozen: fc.boolean(),
      }),
      fc.record(
        {
          k: fc.constant("proxy" as const),
          target: tie("recipe"),
          callable: fc.boolean(),
          traps: fc.subarray([...TRAPS], { minLength: 1 }),
          thrown: tie("recipe"),
        },
        { requiredKeys: ["k", "target", "callable", "traps"] },
      ),
      fc.record({
        k: fc.constant("function" as const),
        kind: fc.constantFrom(
          "arrow" as const,
          "async" as const,
          "class" as const,
          "bound" as const,
          "generator" as const,
          "throwing-name" as const,
        ),
        fields: fields(OBJECT_FIELDS),
      }),
      fc.record({
        k: fc.constant("array" as const),
        items: fc.array(tie("recipe"), { maxLength: 3 }),
        cycle: fc.boolean(),
      }),
    ),
  };
});

/** Recipes of hostile values, nested up to three levels. */
export const hostileRecipe: fc.Arbitrary<HostileRecipe> = recipe;

/** Recipes of hostile errors only (their fields still nest any recipe). */
export const hostileErrorRecipe: fc.Arbitrary<HostileRecipe> = error;

/** Hostile values built in the test's own realm (fast-check prints the recipe on failure). */
export const hostileValue: fc.Arbitrary<{ readonly recipe: HostileRecipe; readonly value: () => unknown }> = recipe.map(
  (r) => ({
    recipe: r,
    value: () => build.buildHostile(r),
  }),
);

/** Builds the hostile value a recipe describes, with the test realm's constructors. */
export const buildHostile: (recipe: HostileRecipe) => unknown = build.buildHostile;

/** The string a string spec describes. */
export const buildString: (spec: StringSpec) => string = build.buildString;

/** A recipe as ASCII JSON (non-ASCII characters escaped), for an HTTP header. */
export const encodeRecipe: (recipe: HostileRecipe) => string = build.encodeRecipe;
