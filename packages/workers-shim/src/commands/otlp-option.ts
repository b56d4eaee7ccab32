import type { Onset, TailEvent, TailStreamHandler } from "@workers-tracing/core-context";
import { OtlpExporter } from "@workers-tracing/opentelemetry";
import { CommandError } from "./command";

/** The help text of `--otlp`, shared by `serve` and `test`. */
export const OTLP_USAGE = `  --otlp [URL]     also export every invocation as OpenTelemetry spans over OTLP/HTTP, with
                   service.name = the service's name. URL is the full traces URL (e.g.
                   http://127.0.0.1:4318/v1/traces); without it the OTEL_EXPORTER_OTLP_* variables
                   decide (default http://localhost:4318/v1/traces, protobuf)`;

/** `--otlp`, `--otlp URL` or `--otlp=URL` at `args[i]`: the endpoint and how many args it took. */
export function parseOtlpArg(
  args: readonly string[],
  i: number,
): { readonly endpoint: string | undefined; readonly consumed: number } | undefined {
  const arg = args[i]!;
  if (arg.startsWith("--otlp=")) return { endpoint: arg.slice("--otlp=".length), consumed: 1 };
  if (arg !== "--otlp") return undefined;
  // The URL is optional: only an http(s) URL is taken as one (a config file path is not).
  const next = args[i + 1];
  return next !== undefined && /^https?:\/\//i.test(next)
    ? { endpoint: next, consumed: 2 }
    : { endpoint: undefined, consumed: 1 };
}

/** The exporter of `--otlp`; a bad URL or `OTEL_*` variable is a usage error. */
export function createOtlpExporter(endpoint: string | undefined, warn: (message: string) => void): OtlpExporter {
  if (endpoint !== undefined && !(/^https?:\/\//i.test(endpoint) && URL.canParse(endpoint))) {
    throw new CommandError(`--otlp expects an http(s) URL, received ${JSON.stringify(endpoint)}.`);
  }
  try {
    return new OtlpExporter({ ...(endpoint === undefined ? {} : { endpoint }), onDiagnostic: warn });
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new CommandError(`--otlp: ${error.message.replace(/^opentelemetry: /, "")}`);
    }
    throw error;
  }
}

/** One runtime-wide tail that hands every session to each of `tails` (handler functions only). */
export function combineTails(tails: readonly TailStreamHandler[]): TailStreamHandler {
  if (tails.length === 1) return tails[0]!;
  return {
    tailStream(onset: TailEvent<Onset>, info?: unknown) {
      const handlers = tails.map((tail) =>
        (tail.tailStream as (onset: TailEvent<Onset>, info: unknown) => unknown).call(tail, onset, info),
      );
      return (event: TailEvent) => {
        for (const handler of handlers) if (typeof handler === "function") (handler as (e: TailEvent) => void)(event);
      };
    },
  };
}
