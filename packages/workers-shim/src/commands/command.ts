/** Where a command writes: one line per call, without the trailing newline. */
export interface CommandIo {
  stdout(line: string): void;
  stderr(line: string): void;
}

/** A usage problem; the CLI prints its message on one line and exits with status 1. */
export class CommandError extends Error {
  override readonly name = "CommandError";
}
