#!/usr/bin/env node
import { spawn } from "node:child_process";
import { VM_MODULES_FLAG, hasVmModules } from "./loader/vm-modules";

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Workers are loaded as vm modules, which Node.js 20 offers only with --experimental-vm-modules:
 * without it, the CLI runs itself again with the flag (its warning silenced), passing stdio,
 * signals and the exit status through.
 * @remarks The child runs in a process group of its own, so that a signal sent to this process's
 * group (Ctrl-C) reaches it once, through this process; it exits when this process is gone
 * (its IPC channel closes), so that it never outlives a killed parent.
 */
function rerunWithVmModules(): void {
  const args = [
    ...process.execArgv,
    VM_MODULES_FLAG,
    "--disable-warning=ExperimentalWarning",
    ...process.argv.slice(1),
  ];
  const child = spawn(process.execPath, args, { stdio: ["inherit", "inherit", "inherit", "ipc"], detached: true });
  const forward = (signal: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  child.once("error", (error) => {
    process.stderr.write(`workers-shim: cannot start Node.js with ${VM_MODULES_FLAG}: ${error.message}\n`);
    process.exit(1);
  });
  child.once("exit", (code, signal) => {
    for (const name of FORWARDED_SIGNALS) process.off(name, forward);
    if (signal !== null) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

async function run(): Promise<void> {
  // Started by rerunWithVmModules: end with the parent.
  if (process.channel !== undefined && process.channel !== null) {
    process.channel.unref();
    process.once("disconnect", () => process.exit(1));
  }
  // Loaded here, not at the top: the process that only starts its flagged twin stays cheap.
  const { main } = await import("./commands/main");
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

  const flush = (stream: NodeJS.WriteStream): Promise<void> =>
    new Promise((resolve) => stream.write("", () => resolve()));

  const status = await main(process.argv.slice(2), io);
  // Exit now: streaming tail sessions that are still busy (or hung) must not keep the process.
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(status);
}

if (hasVmModules()) await run();
else rerunWithVmModules();
