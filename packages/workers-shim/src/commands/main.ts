import { WorkersShimError } from "../config/index";
import { describeError } from "../errors";
import { CommandError, type CommandIo } from "./command";
import { flagsCommand } from "./flags-command";
import { testCommand } from "./test-command";

type Command = (args: readonly string[], io: CommandIo) => Promise<number>;

/** The commands, by name. */
const COMMANDS: Readonly<Record<string, Command>> = {
  test: testCommand,
  flags: flagsCommand,
  // serve: a future `workers-shim serve <config.json>` (HTTP front end over Runtime.dispatchFetch)
  // goes here, with its usage line added to USAGE below.
};

/** `workers-shim --help`. */
export const USAGE = `usage: workers-shim <command> [options]

commands:
  test [--experimental] <config.json>   run the config's test() handlers like \`workerd test\`
  flags                                 list the compatibility flags the shim knows

Run "workers-shim <command> --help" for a command's options.`;

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
