import type { AttributeValue } from "@workers-tracing/core-context";
import type { TraceSpan, TraceTree } from "./trace-tree";

/**
 * The shape `toHaveSpanTree` compares a span with: its name and, optionally,
 * its children (all of them, in order).
 * @public
 */
export interface SpanTreeShape {
  /** The span's name. */
  readonly name: string;
  /** Its children, all of them in order; omit to leave them unchecked. */
  readonly children?: readonly SpanTreeShape[];
}

/**
 * What a matcher returns (the shape `expect.extend` expects).
 * @public
 */
export interface TraceMatcherResult {
  /** Whether the assertion holds. */
  readonly pass: boolean;
  /** The failure message. */
  readonly message: () => string;
}

/**
 * Assertions on a {@link TraceTree}, for `expect.extend` (see `@workers-tracing/workers-shim/vitest`).
 * @public
 */
export interface TraceMatchers {
  /** Passes if a span named `name` exists with (at least) the given attributes. */
  toHaveSpan(
    received: unknown,
    name: string,
    expected?: { readonly attributes?: Record<string, AttributeValue> },
  ): TraceMatcherResult;
  /** Passes if the trace's first root matches `shape`: names and, where given, children in order. */
  toHaveSpanTree(received: unknown, shape: SpanTreeShape): TraceMatcherResult;
  /** Passes if no span nor invocation of the trace was left open. */
  toHaveNoOpenSpans(received: unknown): TraceMatcherResult;
}

function treeOf(received: unknown, matcher: string): TraceTree {
  if (
    received === null ||
    typeof received !== "object" ||
    typeof (received as Partial<TraceTree>).spans !== "function" ||
    !Array.isArray((received as Partial<TraceTree>).roots)
  ) {
    throw new TypeError(
      `${matcher}() expects a trace (from createTestRuntime() or traceTree()) as the received value.`,
    );
  }
  return received as TraceTree;
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
}

function shapeOf(span: TraceSpan, like: SpanTreeShape): SpanTreeShape {
  if (like.children === undefined) return { name: span.name };
  return {
    name: span.name,
    children: span.children.map((child, i) => shapeOf(child, like.children![i] ?? { name: child.name })),
  };
}

function sameShape(span: TraceSpan, shape: SpanTreeShape): boolean {
  if (span.name !== shape.name) return false;
  const children = shape.children;
  if (children === undefined) return true;
  return span.children.length === children.length && span.children.every((child, i) => sameShape(child, children[i]!));
}

/**
 * The trace matchers, to register with `expect.extend(traceMatchers)` (the
 * `@workers-tracing/workers-shim/vitest` entry does it, with types).
 * @example
 * ```ts
 * expect.extend(traceMatchers);
 * expect(trace).toHaveSpan("load-cart", { attributes: { "cart.items": 3 } });
 * ```
 * @public
 */
export const traceMatchers: TraceMatchers = {
  toHaveSpan(received, name, expected = {}) {
    const tree = treeOf(received, "toHaveSpan");
    const named = tree.findAll(name);
    const wanted = expected.attributes ?? {};
    const matches = (span: TraceSpan): boolean =>
      Object.entries(wanted).every(([key, value]) => Object.is(span.attributes[key], value));
    const pass = named.some(matches);
    return {
      pass,
      message: () => {
        if (pass) return `expected no span ${show(name)} with attributes ${show(wanted)}, but there is one`;
        if (named.length === 0) {
          const names = [...new Set(tree.spans().map((span) => span.name))];
          return `expected a span ${show(name)}; the trace has ${names.length === 0 ? "no spans" : names.map((n) => show(n)).join(", ")}`;
        }
        return `expected a span ${show(name)} with attributes ${show(wanted)}; its attributes are ${named.map((span) => show(span.attributes)).join(" and ")}`;
      },
    };
  },

  toHaveSpanTree(received, shape) {
    const tree = treeOf(received, "toHaveSpanTree");
    const root = tree.roots[0];
    const pass = root !== undefined && sameShape(root, shape);
    return {
      pass,
      message: () =>
        pass
          ? `expected the trace not to have the span tree ${show(shape)}`
          : `expected the span tree ${show(shape)}, received ${root === undefined ? "an empty trace" : show(shapeOf(root, shape))}`,
    };
  },

  toHaveNoOpenSpans(received) {
    const open = treeOf(received, "toHaveNoOpenSpans").openSpans();
    return {
      pass: open.length === 0,
      message: () =>
        open.length === 0
          ? "expected a span left open, but every span closed"
          : `expected every span to close; left open: ${open.map((span) => show(span.name)).join(", ")}`,
    };
  },
};

/**
 * A snapshot serializer for traces: `toMatchInlineSnapshot()` of a trace prints its tree as the
 * pretty tail does, without durations.
 * @example
 * ```ts
 * expect.addSnapshotSerializer(traceSnapshotSerializer);
 * ```
 * @public
 */
export const traceSnapshotSerializer = {
  /** Whether `value` is a trace. */
  test(value: unknown): boolean {
    return (
      value !== null &&
      typeof value === "object" &&
      Array.isArray((value as Partial<TraceTree>).roots) &&
      typeof (value as Partial<TraceTree>).spans === "function"
    );
  },
  /** The trace's text, its lines indented as deep as the value is nested. */
  serialize(value: TraceTree, _config?: unknown, indentation = ""): string {
    return value.toString().split("\n").join(`\n${indentation}`);
  },
};
