import type { TraceContextConfig } from "../config/schema";
import { parseTraceContextSwitch } from "../config/trace-context";
import { CommandError } from "./command";

/** The help text of `--trace-context`, shared by `serve` and `test`. */
export const TRACE_CONTEXT_USAGE = `  --trace-context[=POLICY]
                   W3C trace context for every service, in place of the config's: a request
                   with a valid traceparent header continues its trace, and the workers'
                   fetch() calls send traceparent (and tracestate) per POLICY: all (default),
                   same-origin, none, or hosts separated by commas (api.example.com,*.internal)`;

/** `--trace-context` or `--trace-context=POLICY` at `args[i]`: the setting, or `undefined` for another argument. */
export function parseTraceContextArg(command: string, arg: string): TraceContextConfig | undefined {
  if (arg !== "--trace-context" && !arg.startsWith("--trace-context=")) return undefined;
  const setting = parseTraceContextSwitch(arg === "--trace-context" ? undefined : arg.slice("--trace-context=".length));
  if (typeof setting === "string") throw new CommandError(`${setting}. Run "workers-shim ${command} --help".`);
  return setting;
}
