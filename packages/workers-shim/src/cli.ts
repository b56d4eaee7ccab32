#!/usr/bin/env node
import { main } from "./commands/main";

const io = {
  stdout: (line: string) => void process.stdout.write(`${line}\n`),
  stderr: (line: string) => void process.stderr.write(`${line}\n`),
};

// A closed stdout (`workers-shim test ... | head`) is not an error of the run.
const ignoreBrokenPipe = (error: NodeJS.ErrnoException): void => {
  if (error.code !== "EPIPE") throw error;
};
process.stdout.on("error", ignoreBrokenPipe);
process.stderr.on("error", ignoreBrokenPipe);

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

const status = await main(process.argv.slice(2), io);
// Exit now: streaming tail sessions that are still busy (or hung) must not keep the process.
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(status);
