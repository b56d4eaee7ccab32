import { formatFlagTable } from "../compat/index";
import { CommandError, type CommandIo } from "./command";

/** `workers-shim flags --help`. */
export const FLAGS_USAGE = `usage: workers-shim flags

Prints the compatibility flags the shim knows: enable flag, default-on date, whether it needs
--experimental, disable flag and what it changes.

options:
  -h, --help   show this help`;

/** Runs `workers-shim flags`; resolves the exit status. */
export function flagsCommand(args: readonly string[], io: CommandIo): Promise<number> {
  for (const arg of args) {
    if (arg === "--help" || arg === "-h") {
      io.stdout(FLAGS_USAGE);
      return Promise.resolve(0);
    }
    throw new CommandError(`"flags" takes no arguments, received "${arg}". Run "workers-shim flags --help".`);
  }
  io.stdout(formatFlagTable());
  return Promise.resolve(0);
}
