import { describe, expectTypeOf, it } from "vitest";
import type { Span } from "@workers-tracing/user-tracing";
import { startActiveSpan, withSpan } from "../src/index";

// Type-level checks: tsc (pnpm typecheck) fails when an overload resolves differently; the
// calls run outside any invocation, so the spans are no-ops.
describe("withSpan types", () => {
  it("gives a generator function's generator type", () => {
    expectTypeOf(
      withSpan("x", function* () {
        yield 1;
      }),
    ).toEqualTypeOf<Generator<number, void, unknown>>();
    expectTypeOf(
      withSpan("x", function* (): Generator<number, string, number> {
        return String(yield 1);
      }),
    ).toEqualTypeOf<Generator<number, string, number>>();
  });

  it("gives an async generator function's async generator type", () => {
    expectTypeOf(
      withSpan("x", async function* () {
        yield "a";
        return 1;
      }),
    ).toEqualTypeOf<AsyncGenerator<string, number, unknown>>();
  });

  it("gives a plain function's result type", () => {
    expectTypeOf(withSpan("x", () => 5)).toEqualTypeOf<number>();
    expectTypeOf(withSpan("x", async (span: Span) => span)).toEqualTypeOf<Promise<Span>>();
    expectTypeOf(startActiveSpan("x", () => "s")).toEqualTypeOf<string>();
  });
});
