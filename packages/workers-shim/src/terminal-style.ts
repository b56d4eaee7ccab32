import type { EventTreeStyle } from "@workers-tracing/core-context";

const sgr =
  (open: string, close: string) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

/**
 * The colours `serve --tail pretty` gives an event tree on a terminal (ANSI SGR escapes): pass it
 * as `formatEventTree(events, { style: TERMINAL_TREE_STYLE })`.
 * @example
 * ```ts
 * import { formatEventTree } from "@workers-tracing/core-context";
 * console.log(formatEventTree(events, process.stdout.isTTY ? { style: TERMINAL_TREE_STYLE } : {}));
 * ```
 * @public
 */
export const TERMINAL_TREE_STYLE: EventTreeStyle = Object.freeze({
  detail: sgr("2", "22"),
  name: sgr("1", "22"),
  invocation: sgr("1;35", "39;22"),
  failure: sgr("31", "39"),
  success: sgr("32", "39"),
  warning: sgr("33", "39"),
  info: sgr("34", "39"),
  key: sgr("36", "39"),
});
