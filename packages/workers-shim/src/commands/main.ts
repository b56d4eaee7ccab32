import { WorkersShimError } from "../config/index";
import { describeError } from "../errors";
import { CommandError, type CommandIo } from "./command";
import { flagsCommand } from "./flags-command";
import { serveCommand } from "./serve-command";
import { testCommand } from "./test-command";

type Command = (args: readonly string[], io: CommandIo) => Promise<number>;

/** The commands, by name. */
const COMMANDS: Readonly<Record<string, Command>> = {
  test: testCommand,
  serve: serveCommand,
  flags: flagsCommand,
};

/** `workers-shim --help`. */
export const USAGE = `usage: workers-shim <command> [options]

commands:
  test [--experimental] [--profile seed] [--predictable] [--timeout-ms N] [--confine-modules] <config.json>
                                        run the config's test() handlers like \`workerd test\`
  serve [--experimental] [--profile seed] [--confine-modules] <config.json> [--port N] [--tail pretty|jsonl]
                                        serve HTTP on 127.0.0.1 to the first service's fetch()
  flags [--json] [--profile seed] [config.json]
                                        list the compatibility flags, or a config's resolved flags

Run "workers-shim <command> --help" for a command's options.

Worker code runs with this process's privileges: each service has its own global scope, but
workers-shim is not a sandbox (see "Security model" in its README).`;

/**
 * Runs the CLI with `args` (without the node and script paths); resolves the exit status.
 * Usage and config problems are printed as one line on stderr, never as a stack trace.
 */
export async function main(args: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = args;
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
