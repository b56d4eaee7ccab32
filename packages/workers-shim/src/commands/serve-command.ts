import { Console } from "node:console";
import { createRuntime, type Runtime, type RuntimeOptions } from "../runtime";
import { ListenError, startHttpServer, type HttpServer } from "../serve-server";
import { TAIL_FORMATS, createPrintingTail, type TailFormat } from "../serve-tail";
import type { CompatProfile } from "../compat/tracing-gate";
import { parseProfile } from "./flags-command";
import { CommandError, type CommandIo } from "./command";
import { writeFileSync } from "node:fs";
import { renderTraceReport } from "../report/html-report";
import { startTraceUi, type TraceUi } from "../report/live-ui";
import { OTLP_USAGE, combineTails, createOtlpExporter, parseOtlpArg } from "./otlp-option";
import { loadCommandConfig, parseConfigOption } from "./project-config";
import { TRACE_CONTEXT_USAGE, parseTraceContextArg } from "./trace-context-option";
import type { TraceContextConfig } from "../config/schema";
import { watchProject } from "./serve-watch";

/** The port `serve` listens on when none is given. */
export const DEFAULT_PORT = 8787;

/** The only address `serve` listens on. */
export const SERVE_HOST = "127.0.0.1";

/** How long requests in flight may run on after SIGINT/SIGTERM before their connections drop. */
const SHUTDOWN_GRACE_MS = 2000;

/** `workers-shim serve --help`. */
export const SERVE_USAGE = `usage: workers-shim serve [--experimental] [--profile seed] [--confine-modules] [--port N] [--tail pretty|jsonl]
                          [--otlp [URL]] [--ui [PORT]] [--html FILE] [--trace-context[=POLICY]]
                          [--watch] [<config> | -c <wrangler config>... [--env <name>]]

<config> is a config.json, a wrangler.json, wrangler.jsonc or wrangler.toml, or a folder holding
one; without one, the wrangler config of the current directory is used. Several wrangler configs
(-c a/wrangler.jsonc -c b/wrangler.toml) run together, the first as the primary worker; their
TypeScript or JavaScript entry points are bundled with esbuild first.

Loads every service of the config and serves HTTP on ${SERVE_HOST}: each request goes to the
fetch() handler of the first service's default export, its body and the response's streamed.
A handler that throws gives a bare 500 response (the error goes to stderr). Once listening,
it prints "workers-shim: listening on http://${SERVE_HOST}:<port>" on stderr. SIGINT (Ctrl-C)
or SIGTERM stops the server and the runtime; requests in flight get ${SHUTDOWN_GRACE_MS / 1000} s to finish.

options:
  --port N         port to listen on, 0 to 65535 (default ${DEFAULT_PORT}; 0 picks a free port)
  --tail FORMAT    also print every invocation's tail events on stdout, besides the config's
                   streamingTails; the worker's console output then goes to stderr. FORMAT is
                   "pretty" (per request, once its outcome arrived: an event tree with spans,
                   durations, attributes, logs, exceptions and outcome; callees nested under
                   the caller) or "jsonl" (one JSON event per line)
${OTLP_USAGE}
${TRACE_CONTEXT_USAGE}
  --ui [PORT]      serve a live trace waterfall page on ${SERVE_HOST}:PORT (default 8788; 0 picks
                   a free port); its address is printed on stderr
  --html FILE      on shutdown, write the traces of the run (the newest 500) to FILE as a
                   self-contained HTML report
  --experimental   allow experimental compatibility flags (like workerd --experimental)
  --profile NAME   registry profile: head (default) or seed (ctx.tracing only with the
                   experimental flag); overrides the config's compatibilityProfile
  --confine-modules
                   refuse module files (in the config or imported) whose real path is outside
                   the config file's folder
  -c, --config FILE
                   a config file (repeatable for wrangler configs)
  -e, --env NAME   apply the env.NAME section of the wrangler configs
  --watch          (wrangler configs) rebuild and reload when a source file changes; requests
                   in flight finish on the code they started with
  --test-scheduled answer GET /__scheduled?cron=<cron> by running the first service's
                   scheduled() handler (as wrangler dev --test-scheduled does)
  -h, --help       show this help`;

interface ServeArgs {
  readonly configs: readonly string[];
  readonly env: string | undefined;
  readonly watch: boolean;
  readonly testScheduled: boolean;
  readonly experimental: boolean;
  readonly profile: CompatProfile | undefined;
  readonly confineModules: boolean;
  readonly port: number;
  readonly tail: TailFormat | undefined;
  /** `--otlp`: the endpoint given, if any. */
  readonly otlp: { readonly endpoint: string | undefined } | undefined;
  /** `--ui`: the port of the trace page. */
  readonly ui: number | undefined;
  /** `--html`: where the report goes on shutdown. */
  readonly html: string | undefined;
  /** `--trace-context`: every service's W3C trace context setting. */
  readonly traceContext: TraceContextConfig | undefined;
}

/** The port of the `--ui` page when none is given. */
export const DEFAULT_UI_PORT = 8788;

const HINT = `Run "workers-shim serve --help".`;

function parsePort(value: string, option = "--port"): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new CommandError(`${option} expects an integer from 0 to 65535, received ${JSON.stringify(value)}. ${HINT}`);
  }
  return Number(value);
}

function parseTail(value: string): TailFormat {
  if (!(TAIL_FORMATS as readonly string[]).includes(value)) {
    throw new CommandError(
      `--tail expects ${TAIL_FORMATS.map((f) => `"${f}"`).join(" or ")}, received ${JSON.stringify(value)}. ${HINT}`,
    );
  }
  return value as TailFormat;
}

/** Parses the arguments of `serve`; `undefined` means `--help`. */
export function parseServeArgs(args: readonly string[]): ServeArgs | undefined {
  let experimental = false;
  const configArgs: { configs: string[]; env: string | undefined } = { configs: [], env: undefined };
  let watch = false;
  let testScheduled = false;
  let port = DEFAULT_PORT;
  let tail: TailFormat | undefined;
  let profile: CompatProfile | undefined;
  let confineModules = false;
  let otlp: ServeArgs["otlp"];
  let ui: number | undefined;
  let html: string | undefined;
  let traceContext: TraceContextConfig | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") return undefined;
    const traceContextArg = parseTraceContextArg("serve", arg);
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
    if (arg === "--ui") {
      // The port is optional: a following number is taken as it.
      const next = args[i + 1];
      ui = next !== undefined && /^\d+$/.test(next) ? parsePort(next, "--ui") : DEFAULT_UI_PORT;
      if (next !== undefined && /^\d+$/.test(next)) i++;
      continue;
    }
    if (arg === "--html" || arg.startsWith("--html=")) {
      const value = arg === "--html" ? args[++i] : arg.slice("--html=".length);
      if (value === undefined || value === "" || value.startsWith("-")) {
        throw new CommandError(
          `--html expects a file to write the report to, received ${value === undefined ? "nothing" : JSON.stringify(value)}. ${HINT}`,
        );
      }
      html = value;
      continue;
    }
    const used = parseConfigOption("serve", args, i, configArgs);
    if (used > 0) {
      i += used - 1;
      continue;
    }
    if (arg === "--watch") {
      watch = true;
      continue;
    }
    if (arg === "--test-scheduled") {
      testScheduled = true;
      continue;
    }
    if (arg === "--confine-modules") {
      confineModules = true;
      continue;
    }
    if (arg === "--experimental") {
      experimental = true;
      continue;
    }
    if (arg === "--profile") {
      profile = parseProfile("serve", args[++i]);
      continue;
    }
    const option = /^(--port|--tail)(?:=(.*))?$/s.exec(arg);
    if (option !== null) {
      const name = option[1]!;
      let value = option[2];
      if (value === undefined) {
        value = args[++i];
        if (value === undefined) {
          const expected =
            name === "--port" ? "an integer from 0 to 65535" : TAIL_FORMATS.map((f) => `"${f}"`).join(" or ");
          throw new CommandError(`${name} expects ${expected}, received nothing. ${HINT}`);
        }
      }
      if (name === "--port") port = parsePort(value);
      else tail = parseTail(value);
      continue;
    }
    if (arg.startsWith("-")) throw new CommandError(`unknown option ${JSON.stringify(arg)} for "serve". ${HINT}`);
    configArgs.configs.push(arg);
  }
  return {
    ...configArgs,
    watch,
    testScheduled,
    experimental,
    profile,
    confineModules,
    port,
    tail,
    otlp,
    ui,
    html,
    traceContext,
  };
}

/** The route of `--test-scheduled`, as in wrangler dev. */
const SCHEDULED_PATH = "/__scheduled";

/** Runs the worker's scheduled() handler with `?cron=`; answers as wrangler dev does. */
async function runScheduled(runtime: Runtime, entry: string, request: Request): Promise<Response> {
  const cron = new URL(request.url).searchParams.get("cron") ?? "";
  const { outcome } = await runtime.dispatchScheduled(entry, cron);
  return outcome === "ok"
    ? new Response("Ran scheduled event")
    : new Response(`The scheduled event ended with outcome ${outcome}`, { status: 500 });
}

/** Whether the pretty output is coloured: FORCE_COLOR, then NO_COLOR, then a terminal on stdout. */
function useColor(): boolean {
  const force = process.env["FORCE_COLOR"];
  if (force !== undefined) return force !== "0" && force !== "false";
  if (process.env["NO_COLOR"] !== undefined && process.env["NO_COLOR"] !== "") return false;
  return process.stdout.isTTY === true;
}

const STDOUT_LEVELS = ["debug", "info", "log"] as const;

/**
 * Sends what the worker writes with console.debug/info/log to stderr, so that stdout carries
 * only the tail output; a worker's console prints through these methods (looked up at each call)
 * after reporting its log event. Returns the undo.
 */
function consoleToStderr(): () => void {
  const target = console as unknown as Record<string, (...args: unknown[]) => void>;
  const saved = STDOUT_LEVELS.map((level) => [level, target[level]!] as const);
  const quiet = new Console({ stdout: process.stderr, stderr: process.stderr });
  for (const level of STDOUT_LEVELS) target[level] = quiet[level].bind(quiet);
  return () => {
    for (const [level, method] of saved) target[level] = method;
  };
}

/** Resolves on the first SIGINT or SIGTERM; later ones call `onRepeat`. */
function waitForStopSignal(onRepeat: () => void): { stopped: Promise<void>; dispose: () => void } {
  let resolve!: () => void;
  const stopped = new Promise<void>((r) => (resolve = r));
  let count = 0;
  const onSignal = (): void => {
    if (count++ === 0) resolve();
    else onRepeat();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    stopped,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Runs `workers-shim serve` until SIGINT or SIGTERM; resolves the exit status. */
export async function serveCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseServeArgs(args);
  if (parsed === undefined) {
    io.stdout(SERVE_USAGE);
    return 0;
  }
  const loaded = await loadCommandConfig("serve", parsed, {
    experimental: parsed.experimental,
    confineModules: parsed.confineModules,
    ...(parsed.profile !== undefined ? { profile: parsed.profile } : {}),
    ...(parsed.traceContext !== undefined ? { traceContext: parsed.traceContext } : {}),
  });
  if (parsed.watch && loaded.project === undefined) {
    throw new CommandError(`--watch needs wrangler configs; a config.json names modules that are not built. ${HINT}`);
  }
  for (const warning of loaded.warnings) io.stderr(`workers-shim: warning: ${warning}`);
  const entry = loaded.config.services[0]!.name;
  const warn = (message: string): void => io.stderr(`workers-shim: ${message}`);
  const exporter = parsed.otlp === undefined ? undefined : createOtlpExporter(parsed.otlp.endpoint, warn);

  const undo: (() => void)[] = [];
  let watcher: { close(): Promise<void> } | undefined;
  let runtime: Runtime | undefined;
  let server: HttpServer | undefined;
  let ui: TraceUi | undefined;
  const signals = waitForStopSignal(() => server?.destroyConnections());
  undo.push(signals.dispose);
  try {
    if (parsed.tail !== undefined) undo.push(consoleToStderr());
    if (parsed.ui !== undefined || parsed.html !== undefined) {
      try {
        ui = await startTraceUi({ port: parsed.ui ?? 0 });
      } catch (error) {
        throw new CommandError(`--ui could not listen on ${SERVE_HOST}:${parsed.ui}: ${(error as Error).message}`);
      }
      if (parsed.ui !== undefined) io.stderr(`workers-shim: traces at ${ui.url}`);
    }
    const tails = [
      ...(parsed.tail === undefined
        ? []
        : [createPrintingTail(parsed.tail, { print: (text) => io.stdout(text), color: useColor() })]),
      ...(exporter === undefined ? [] : [exporter]),
      ...(ui === undefined ? [] : [ui.tail]),
    ];
    const runtimeOptions: RuntimeOptions = {
      onWarning: warn,
      ...(tails.length === 0 ? {} : { tail: combineTails(tails) }),
    };
    runtime = await createRuntime(loaded.config, runtimeOptions);
    if (loaded.project !== undefined && loaded.build !== undefined && parsed.watch) {
      watcher = watchProject(loaded.project, loaded.build, runtime, runtimeOptions, {
        onReload: (next) => (runtime = next),
        print: (line) => io.stderr(line),
      });
    }
    try {
      server = await startHttpServer({
        host: SERVE_HOST,
        port: parsed.port,
        // The runtime of the latest build (--watch replaces it).
        fetch: (request) =>
          parsed.testScheduled && new URL(request.url).pathname === SCHEDULED_PATH
            ? runScheduled(runtime!, entry, request)
            : runtime!.dispatchFetch(entry, request),
        onError: warn,
      });
    } catch (error) {
      if (error instanceof ListenError) throw new CommandError(error.message);
      throw error;
    }
    io.stderr(`workers-shim: listening on http://${SERVE_HOST}:${server.port}`);
    if (parsed.testScheduled) {
      const crons = loaded.project?.workers[0]?.crons ?? [];
      for (const cron of crons.length === 0 ? ["* * * * *"] : crons) {
        io.stderr(
          `workers-shim: scheduled: http://${SERVE_HOST}:${server.port}${SCHEDULED_PATH}?cron=${encodeURIComponent(cron)}`,
        );
      }
    }
    await signals.stopped;
    await server.close(SHUTDOWN_GRACE_MS);
    return 0;
  } finally {
    // Stops reloading, and closes the runtimes replaced by reloads.
    await watcher?.close();
    // Invocations the close ended deliver their final events to the tails (the --tail printer
    // among them); the close waits for the tails to take them.
    await runtime?.close();
    // The exporter sends what the tails gave it last.
    await exporter?.shutdown();
    if (ui !== undefined) {
      if (parsed.html !== undefined) {
        writeFileSync(parsed.html, renderTraceReport(ui.events()));
        io.stderr(`workers-shim: wrote the trace report to ${parsed.html}`);
      }
      await ui.close();
    }
    await loaded.project?.dispose();
    for (const fn of undo.reverse()) fn();
  }
}
