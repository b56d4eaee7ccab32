import { describeErrorAt } from "../errors";
import { createRuntime } from "../runtime";
import type { CompatProfile } from "../compat/tracing-gate";
import { parseProfile } from "./flags-command";
import { CommandError, type CommandIo } from "./command";
import { writeFileSync } from "node:fs";
import type { TailEvent, TailStreamHandler } from "@workers-tracing/core-context";
import { renderTraceReport } from "../report/html-report";
import { OTLP_USAGE, combineTails, createOtlpExporter, parseOtlpArg } from "./otlp-option";
import { loadCommandConfig, parseConfigOption } from "./project-config";
import { TRACE_CONTEXT_USAGE, parseTraceContextArg } from "./trace-context-option";
import type { TraceContextConfig } from "../config/schema";

/** `workers-shim test --help`. */
export const TEST_USAGE = `usage: workers-shim test [--experimental] [--profile seed] [--predictable] [--timeout-ms <ms>]
                         [--confine-modules] [--otlp [URL]] [--html FILE] [--trace-context[=POLICY]]
                         [<config> | -c <wrangler config>... [--env <name>]]

<config> is a config.json, a wrangler.json, wrangler.jsonc or wrangler.toml, or a folder holding
one; without one, the wrangler config of the current directory is used. Several wrangler configs
(-c a/wrangler.jsonc -c b/wrangler.toml) run together, the first as the primary worker; their
TypeScript or JavaScript entry points are bundled with esbuild first.

Loads every service of the config and runs their test() handlers one at a time, as
\`workerd test\` does: services in config order; in each, the default export first, then named
exports with a test() method in alphabetical order. A failing test does not stop the run.
Streaming tail workers receive every traced invocation's events; the run ends when the tests are
done, without waiting for tail sessions. A test that hangs (nothing left could settle it) fails
with workerd's "canceled this request because it detected that your Worker's code had hung"
error, and the run goes on.

options:
  --experimental     allow experimental compatibility flags (like workerd --experimental)
  --profile NAME     registry profile: head (default) or seed (ctx.tracing only with the
                     experimental flag); overrides the config's compatibilityProfile
  --predictable      expose gc() to workers (like workerd test --predictable)
  --timeout-ms <ms>  fail a test still running after <ms> milliseconds (default: no limit)
  --confine-modules  refuse module files (in the config or imported) whose real path is
                     outside the config file's folder
${OTLP_USAGE}
${TRACE_CONTEXT_USAGE}
  --html FILE        write the traces of the run to FILE as a self-contained HTML report
  -c, --config FILE  a config file (repeatable for wrangler configs)
  -e, --env NAME     apply the env.NAME section of the wrangler configs
  -h, --help         show this help`;

/** Runs `workers-shim test`; resolves the exit status. */
export async function testCommand(args: readonly string[], io: CommandIo): Promise<number> {
  let experimental = false;
  let predictable = false;
  let timeoutMs: number | undefined;
  const configArgs: { configs: string[]; env: string | undefined } = { configs: [], env: undefined };
  let profile: CompatProfile | undefined;
  let confineModules = false;
  let otlp: { endpoint: string | undefined } | undefined;
  let html: string | undefined;
  let traceContext: TraceContextConfig | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") {
      io.stdout(TEST_USAGE);
      return 0;
    }
    const traceContextArg = parseTraceContextArg("test", arg);
    if (traceContextArg !== undefined) {
      traceContext = traceContextArg;
      continue;
    }
    const otlpArg = parseOtlpArg(args, i);
    if (otlpArg !== undefined) {
      otlp = { endpoint: otlpArg.endpoint };
      i += otlpArg.consumed - 1;
      continue;
    }
    if (arg === "--html" || arg.startsWith("--html=")) {
      const value = arg === "--html" ? args[++i] : arg.slice("--html=".length);
      if (value === undefined || value === "" || value.startsWith("-")) {
        throw new CommandError(
          `--html expects a file to write the report to, received ${value === undefined ? "nothing" : JSON.stringify(value)}. Run "workers-shim test --help".`,
        );
      }
      html = value;
      continue;
    }
    const used = parseConfigOption("test", args, i, configArgs);
    if (used > 0) i += used - 1;
    else if (arg === "--experimental") experimental = true;
    else if (arg === "--confine-modules") confineModules = true;
    else if (arg === "--profile") profile = parseProfile("test", args[++i]);
    else if (arg === "--predictable") predictable = true;
    else if (arg === "--timeout-ms" || arg.startsWith("--timeout-ms=")) {
      const value = arg === "--timeout-ms" ? args[++i] : arg.slice("--timeout-ms=".length);
      timeoutMs = parseTimeout(value);
    } else if (arg.startsWith("-"))
      throw new CommandError(`unknown option "${arg}" for "test". Run "workers-shim test --help".`);
    else configArgs.configs.push(arg);
  }

  const loaded = await loadCommandConfig("test", configArgs, {
    experimental,
    confineModules,
    ...(profile !== undefined ? { profile } : {}),
    ...(traceContext !== undefined ? { traceContext } : {}),
  });
  for (const warning of loaded.warnings) io.stderr(`workers-shim: warning: ${warning}`);
  const warn = (message: string): void => io.stderr(`workers-shim: ${message}`);
  const exporter = otlp === undefined ? undefined : createOtlpExporter(otlp.endpoint, warn);
  const reported: TailEvent[] = [];
  const tails: TailStreamHandler[] = [
    ...(exporter === undefined ? [] : [exporter]),
    ...(html === undefined ? [] : [collectingTail(reported)]),
  ];
  let runtime;
  try {
    runtime = await createRuntime(loaded.config, {
      onWarning: warn,
      predictable,
      ...(tails.length === 0 ? {} : { tail: combineTails(tails) }),
    });
  } catch (error) {
    await loaded.project?.dispose();
    throw error;
  }
  try {
    const summary = await runtime.runTests({
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      onTestEnd: (result) => {
        io.stderr(
          result.passed ? `[ PASS ] ${result.name}` : `[ FAIL ] ${result.name}: ${describeErrorAt(result.error)}`,
        );
      },
    });
    const total = summary.results.length;
    io.stderr(
      `workers-shim: ${total} ${total === 1 ? "test" : "tests"}: ${summary.passed} passed, ${summary.failed} failed`,
    );
    return summary.failed === 0 ? 0 : 1;
  } finally {
    await runtime.close();
    // The exporter sends what the tails gave it last.
    await exporter?.shutdown();
    if (html !== undefined) {
      writeFileSync(html, renderTraceReport(reported));
      io.stderr(`workers-shim: wrote the trace report to ${html}`);
    }
    await loaded.project?.dispose();
  }
}

function parseTimeout(value: string | undefined): number {
  const ms = value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!(Number.isSafeInteger(ms) && ms > 0)) {
    throw new CommandError(
      `--timeout-ms expects a positive whole number of milliseconds, received ${value === undefined ? "nothing" : `"${value}"`}. Run "workers-shim test --help".`,
    );
  }
  return ms;
}

/** A streaming tail that keeps every event it is given. */
function collectingTail(events: TailEvent[]): TailStreamHandler {
  return {
    tailStream(onset) {
      events.push(onset);
      return (event: TailEvent) => void events.push(event);
    },
  };
}
