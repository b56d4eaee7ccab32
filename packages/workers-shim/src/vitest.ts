/**
 * Registers the trace matchers and the trace snapshot serializer with vitest: import it once,
 * e.g. in a `setupFiles` module or at the top of a test file.
 * @example
 * ```ts
 * import "@workers-tracing/workers-shim/vitest";
 * expect(trace).toHaveSpan("load-cart", { attributes: { "cart.items": 3 } });
 * ```
 * @packageDocumentation
 */
import { expect } from "vitest";
import type { AttributeValue } from "@workers-tracing/core-context";
import { traceMatchers, traceSnapshotSerializer, type SpanTreeShape } from "./testing/matchers";

export type { SpanTreeShape };

expect.extend(traceMatchers as unknown as Parameters<typeof expect.extend>[0]);
expect.addSnapshotSerializer(traceSnapshotSerializer);

/**
 * The trace assertions this entry adds to vitest's `expect`.
 * @public
 */
export interface TraceAssertions<R = unknown> {
  /** Asserts that a span named `name` exists with (at least) the given attributes. */
  toHaveSpan(name: string, expected?: { readonly attributes?: Record<string, AttributeValue> }): R;
  /** Asserts the names of the trace's first root and, where given, of its children in order. */
  toHaveSpanTree(shape: SpanTreeShape): R;
  /** Asserts that no span nor invocation of the trace was left open. */
  toHaveNoOpenSpans(): R;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any -- vitest's own augmentation pattern
  interface Assertion<T = any> extends TraceAssertions<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- vitest's own augmentation pattern
  interface AsymmetricMatchersContaining extends TraceAssertions {}
}
