import { Console } from "node:console";
import { loadConfig } from "../config/index";
import { createRuntime, type Runtime } from "../runtime";
import { ListenError, startHttpServer, type HttpServer } from "../serve-server";
import { TAIL_FORMATS, createPrintingTail, type TailFormat } from "../serve-tail";
import type { CompatProfile } from "../compat/tracing-gate";
import { parseProfile } from "./flags-command";
import { CommandError, type CommandIo } from "./command";
import { OTLP_USAGE, combineTails, createOtlpExporter, parseOtlpArg } from "./otlp-option";

/** The port `serve` listens on when none is given. */
export const DEFAULT_PORT = 8787;

/** The only address `serve` listens on. */
export const SERVE_HOST = "127.0.0.1";

/** How long requests in flight may run on after SIGINT/SIGTERM before their connections drop. */
const SHUTDOWN_GRACE_MS = 2000;

/** `workers-shim serve --help`. */
export const SERVE_USAGE = `usage: workers-shim serve [--experimental] [--profile seed] [--confine-modules] <config.json> [--port N] [--tail pretty|jsonl]
                          [--otlp [URL]]

Loads every service of <config.json> and serves HTTP on ${SERVE_HOST}: each request goes to the
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
  --experimental   allow experimental compatibility flags (like workerd --experimental)
  --profile NAME   registry profile: head (default) or seed (ctx.tracing only with the
                   experimental flag); overrides the config's compatibilityProfile
  --confine-modules
                   refuse module files (in the config or imported) whose real path is outside
                   the config file's folder
  -h, --help       show this help`;

interface ServeArgs {
  readonly configPath: string;
  readonly experimental: boolean;
  readonly profile: CompatProfile | undefined;
  readonly confineModules: boolean;
  readonly port: number;
  readonly tail: TailFormat | undefined;
  /** `--otlp`: the endpoint given, if any. */
  readonly otlp: { readonly endpoint: string | undefined } | undefined;
}

const HINT = `Run "workers-shim serve --help".`;

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new CommandError(`--port expects an integer from 0 to 65535, received ${JSON.stringify(value)}. ${HINT}`);
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
  let configPath: string | undefined;
  let port = DEFAULT_PORT;
  let tail: TailFormat | undefined;
  let profile: CompatProfile | undefined;
  let confineModules = false;
  let otlp: ServeArgs["otlp"];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") return undefined;
    const otlpArg = parseOtlpArg(args, i);
    if (otlpArg !== undefined) {
      otlp = { endpoint: otlpArg.endpoint };
      i += otlpArg.consumed - 1;
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
    if (configPath !== undefined) {
      throw new CommandError(
        `"serve" takes one config file, received ${JSON.stringify(configPath)} and ${JSON.stringify(arg)}. ${HINT}`,
      );
    }
    configPath = arg;
  }
  if (configPath === undefined) throw new CommandError(`"serve" needs a config file. ${HINT}`);
  return { configPath, experimental, profile, confineModules, port, tail, otlp };
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
  const config = loadConfig(parsed.configPath, {
    experimental: parsed.experimental,
    confineModules: parsed.confineModules,
    ...(parsed.profile !== undefined ? { profile: parsed.profile } : {}),
  });
  for (const warning of config.warnings) io.stderr(`workers-shim: warning: ${warning}`);
  const entry = config.services[0]!.name;
  const warn = (message: string): void => io.stderr(`workers-shim: ${message}`);
  const exporter = parsed.otlp === undefined ? undefined : createOtlpExporter(parsed.otlp.endpoint, warn);

  const undo: (() => void)[] = [];
  let runtime: Runtime | undefined;
  let server: HttpServer | undefined;
  const signals = waitForStopSignal(() => server?.destroyConnections());
  undo.push(signals.dispose);
  try {
    if (parsed.tail !== undefined) undo.push(consoleToStderr());
    const tails = [
      ...(parsed.tail === undefined
        ? []
        : [createPrintingTail(parsed.tail, { print: (text) => io.stdout(text), color: useColor() })]),
      ...(exporter === undefined ? [] : [exporter]),
    ];
    runtime = await createRuntime(config, {
      onWarning: warn,
      ...(tails.length === 0 ? {} : { tail: combineTails(tails) }),
    });
    const running = runtime;
    try {
      server = await startHttpServer({
        host: SERVE_HOST,
        port: parsed.port,
        fetch: (request) => running.dispatchFetch(entry, request),
        onError: warn,
      });
    } catch (error) {
      if (error instanceof ListenError) throw new CommandError(error.message);
      throw error;
    }
    io.stderr(`workers-shim: listening on http://${SERVE_HOST}:${server.port}`);
    await signals.stopped;
    await server.close(SHUTDOWN_GRACE_MS);
    return 0;
  } finally {
    // Invocations the close ended deliver their final events to the tails (the --tail printer
    // among them); the close waits for the tails to take them.
    await runtime?.close();
    // The exporter sends what the tails gave it last.
    await exporter?.shutdown();
    for (const fn of undo.reverse()) fn();
  }
}
