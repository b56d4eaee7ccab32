// Tracing and Span assign both ways with @cloudflare/workers-types once its Span has addLink and
// addLinks, as workerd 2026-11-23 does: the augmentation below (the one the README shows) adds
// them. A program of its own (./tsconfig.json), as the augmentation changes workers-types' Span
// for every file that sees it. Compiled by `pnpm typecheck`, never run.
import type { Span as WtSpan, Tracing as WtTracing } from "@cloudflare/workers-types";
import type { Span, SpanLink, Tracing } from "../../../src/index";

declare module "@cloudflare/workers-types" {
  interface Span {
    addLink(link: SpanLink): this;
    addLinks(links: readonly SpanLink[]): this;
  }
}

/** Compiles only if `Ours` is assignable to `Theirs`. */
function toTheirs<O, T>(_assign: (ours: O) => T): void {}
/** Compiles only if `Theirs` is assignable to `Ours`. */
function toOurs<O, T>(_assign: (theirs: T) => O): void {}

toTheirs<Tracing, WtTracing>((ours) => ours);
toOurs<Tracing, WtTracing>((theirs) => theirs);
toTheirs<Span, WtSpan>((ours) => ours);
toOurs<Span, WtSpan>((theirs) => theirs);
toTheirs<typeof Span, typeof WtSpan>((ours) => ours);
toOurs<typeof Span, typeof WtSpan>((theirs) => theirs);
