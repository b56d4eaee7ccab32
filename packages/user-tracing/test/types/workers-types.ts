// Tracing and Span against @cloudflare/workers-types (the devDependency pinned beside workerd, see
// tooling/workerd-upgrade.mjs). Compiled by `pnpm typecheck` (tsc), never run; a failing line
// names the type and the direction. linked/workers-types-linked.ts checks the other direction
// with workers-types' Span given addLink and addLinks.
import type {
  ExecutionContext,
  ExportedHandler,
  Span as WtSpan,
  Tracing as WtTracing,
  TracingSpanContext,
  TracingSpanStatus,
} from "@cloudflare/workers-types";
import {
  NOOP_SPAN,
  Span,
  createTracing,
  tracing,
  type SpanIdentity,
  type SpanStatus,
  type Tracing,
} from "../../src/index";

/** Compiles only if `Ours` is assignable to `Theirs`. */
function toTheirs<O, T>(_assign: (ours: O) => T): void {}
/** Compiles only if `Theirs` is assignable to `Ours`. */
function toOurs<O, T>(_assign: (theirs: T) => O): void {}

// Ours where workers-types' are expected: everything.
toTheirs<Tracing, WtTracing>((ours) => ours);
toTheirs<Span, WtSpan>((ours) => ours);
toTheirs<typeof Span, typeof WtSpan>((ours) => ours);
toTheirs<Tracing["Span"], WtTracing["Span"]>((ours) => ours);
toTheirs<SpanIdentity, TracingSpanContext>((ours) => ours);
toOurs<SpanIdentity, TracingSpanContext>((theirs) => theirs);
toTheirs<SpanStatus, TracingSpanStatus>((ours) => ours);
toOurs<SpanStatus, TracingSpanStatus>((theirs) => theirs);

// Theirs where ours are expected: all but addLink and addLinks, which workerd has since
// 2026-11-23 and workers-types 5.20261117.1 not yet.
type LinkMethods = Pick<Span, "addLink" | "addLinks">;
toOurs<Span, WtSpan & LinkMethods>((theirs) => theirs);
// Once workers-types has them, these fail as unused: make them positive checks.
// @ts-expect-error -- workers-types' Span has no addLink / addLinks yet.
toOurs<Span, WtSpan>((theirs) => theirs);
// @ts-expect-error -- workers-types' Span has no addLink / addLinks yet.
toOurs<typeof Span, typeof WtSpan>((theirs) => theirs);
// @ts-expect-error -- workers-types' Tracing hands out that Span.
toOurs<Tracing, WtTracing>((theirs) => theirs);

// The checks can fail: a span that lacks a member, or the class with its `#private` state as
// the public type was before.
// @ts-expect-error -- `end` is missing.
toTheirs<Omit<Span, "end">, WtSpan>((ours) => ours);
declare class NominalSpan {
  // eslint-disable-next-line no-unused-private-class-members -- the d.ts shape of a class with private state
  #record: unknown;
  end(): void;
}
// @ts-expect-error -- a class with private state admits no other type.
toOurs<NominalSpan, WtSpan & LinkMethods>((theirs) => theirs);

// A worker written against workers-types: its ctx.tracing and spans, run with our objects.
const worker = {
  async scheduled(_controller, _env, ctx: ExecutionContext): Promise<void> {
    const total = await ctx.tracing.enterSpan(
      "sum",
      async (span, a: number, b: number) => {
        span.setAttribute("a", a).setAttributes({ b });
        return Promise.resolve(a + b);
      },
      1,
      2,
    );
    const child = ctx.tracing.startSpan("after");
    child.setStatus({ code: "ok" });
    child.end();
    ctx.tracing.withActiveSpan(ctx.tracing.getActiveSpan() ?? child, () => total);
    if (child instanceof ctx.tracing.Span) child.updateName("renamed");
  },
} satisfies ExportedHandler;
declare const context: Omit<ExecutionContext, "tracing">;
void worker.scheduled(undefined as never, {}, { ...context, tracing: createTracing() });
void worker.scheduled(undefined as never, {}, { ...context, tracing });

// Our spans and `instanceof Span` where workers-types' spans are expected.
function annotate(span: WtSpan): void {
  span.setAttribute("annotated", true);
}
tracing.enterSpan("ours", (span) => annotate(span));
annotate(NOOP_SPAN);
declare const something: unknown;
if (something instanceof Span) annotate(something);
