import { loadConfig } from "../config/index";
import { describeError } from "../errors";
import { createRuntime } from "../runtime";
import type { CompatProfile } from "../compat/tracing-gate";
import { parseProfile } from "./flags-command";
import { CommandError, type CommandIo } from "./command";
import { OTLP_USAGE, createOtlpExporter, parseOtlpArg } from "./otlp-option";

/** `workers-shim test --help`. */
export const TEST_USAGE = `usage: workers-shim test [--experimental] [--profile seed] [--predictable] [--timeout-ms <ms>]
                         [--confine-modules] [--otlp [URL]] <config.json>

Loads every service of <config.json> and runs their test() handlers one at a time, as
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
  -h, --help         show this help`;

/** Runs `workers-shim test`; resolves the exit status. */
export async function testCommand(args: readonly string[], io: CommandIo): Promise<number> {
  let experimental = false;
  let predictable = false;
  let timeoutMs: number | undefined;
  let configPath: string | undefined;
  let profile: CompatProfile | undefined;
  let confineModules = false;
  let otlp: { endpoint: string | undefined } | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") {
      io.stdout(TEST_USAGE);
      return 0;
    }
    const otlpArg = parseOtlpArg(args, i);
    if (otlpArg !== undefined) {
      otlp = { endpoint: otlpArg.endpoint };
      i += otlpArg.consumed - 1;
      continue;
    }
    if (arg === "--experimental") experimental = true;
    else if (arg === "--confine-modules") confineModules = true;
    else if (arg === "--profile") profile = parseProfile("test", args[++i]);
    else if (arg === "--predictable") predictable = true;
    else if (arg === "--timeout-ms" || arg.startsWith("--timeout-ms=")) {
      const value = arg === "--timeout-ms" ? args[++i] : arg.slice("--timeout-ms=".length);
      timeoutMs = parseTimeout(value);
    } else if (arg.startsWith("-"))
      throw new CommandError(`unknown option "${arg}" for "test". Run "workers-shim test --help".`);
    else if (configPath !== undefined) {
      throw new CommandError(
        `"test" takes one config file, received "${configPath}" and "${arg}". Run "workers-shim test --help".`,
      );
    } else configPath = arg;
  }
  if (configPath === undefined) throw new CommandError(`"test" needs a config file. Run "workers-shim test --help".`);

  const config = loadConfig(configPath, {
    experimental,
    confineModules,
    ...(profile !== undefined ? { profile } : {}),
  });
  for (const warning of config.warnings) io.stderr(`workers-shim: warning: ${warning}`);
  const warn = (message: string): void => io.stderr(`workers-shim: ${message}`);
  const exporter = otlp === undefined ? undefined : createOtlpExporter(otlp.endpoint, warn);
  const runtime = await createRuntime(config, {
    onWarning: warn,
    predictable,
    ...(exporter === undefined ? {} : { tail: exporter }),
  });
  try {
    const summary = await runtime.runTests({
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      onTestEnd: (result) => {
        io.stderr(
          result.passed ? `[ PASS ] ${result.name}` : `[ FAIL ] ${result.name}: ${describeError(result.error)}`,
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
