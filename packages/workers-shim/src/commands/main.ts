import { WorkersShimError } from "../config/index";
import { describeError } from "../errors";
import { CommandError, type CommandIo } from "./command";
import { flagsCommand } from "./flags-command";
import { serveCommand } from "./serve-command";
import { testCommand } from "./test-command";
import { packageVersion } from "../version";

type Command = (args: readonly string[], io: CommandIo) => Promise<number>;

/** The commands, by name. */
const COMMANDS: Readonly<Record<string, Command>> = {
  test: testCommand,
  serve: serveCommand,
  flags: flagsCommand,
};

/** `workers-shim --help`. */
export const USAGE = `usage: workers-shim [--cwd DIR] <command> [options]
       workers-shim --version

commands:
  test [--experimental] [--profile seed] [--predictable] [--timeout-ms N] [--confine-modules]
       [<config> | -c <wrangler config>... [--env NAME]]
                                        run the config's test() handlers like \`workerd test\`
  serve [--experimental] [--profile seed] [--confine-modules] [--port N] [--tail pretty|jsonl]
        [--watch] [<config> | -c <wrangler config>... [--env NAME]]
                                        serve HTTP on 127.0.0.1 to the first service's fetch()
  flags [--json] [--profile seed] [config.json | -c <wrangler config>... [--env NAME]]
                                        list the compatibility flags, or a config's resolved flags

<config> is a config.json, a wrangler.json/wrangler.jsonc/wrangler.toml, or a folder holding one;
without one, test and serve use the wrangler config of the current directory. Paths are relative
to the current directory; --cwd DIR runs as if started in DIR.
Run "workers-shim <command> --help" for a command's options.

Worker code runs with this process's privileges: each service has its own global scope, but
workers-shim is not a sandbox (see "Security model" in its README).`;

/**
 * Runs the CLI with `args` (without the node and script paths); resolves the exit status.
 * Usage and config problems are printed as one line on stderr, never as a stack trace.
 */
export async function main(args: readonly string[], io: CommandIo): Promise<number> {
  let start = 0;
  while (args[start] === "--cwd" || args[start]?.startsWith("--cwd=") === true) {
    const arg = args[start]!;
    const dir = arg === "--cwd" ? args[start + 1] : arg.slice("--cwd=".length);
    start += arg === "--cwd" ? 2 : 1;
    if (dir === undefined || dir === "") {
      io.stderr(`workers-shim: --cwd expects a folder, received nothing. Run "workers-shim --help".`);
      return 1;
    }
    try {
      process.chdir(dir);
    } catch (error) {
      io.stderr(`workers-shim: --cwd: cannot change to ${JSON.stringify(dir)}: ${describeError(error)}`);
      return 1;
    }
  }
  const [name, ...rest] = args.slice(start);
  if (name === "--version" || name === "-v") {
    io.stdout(packageVersion());
    return 0;
  }
  if (name === undefined) {
    io.stderr(USAGE);
    return 1;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    io.stdout(USAGE);
    return 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (command === undefined) {
      throw new CommandError(
        `unknown command "${name}"; expected one of: ${Object.keys(COMMANDS).join(", ")}. Run "workers-shim --help".`,
      );
    }
    return await command(rest, io);
  } catch (error) {
    if (error instanceof CommandError) {
      io.stderr(`workers-shim: ${error.message}`);
      return 1;
    }
    if (error instanceof WorkersShimError) {
      io.stderr(error.message);
      return 1;
    }
    io.stderr(`workers-shim: ${describeError(error)}`);
    return 1;
  }
}
