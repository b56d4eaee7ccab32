import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { WorkersShimError } from "../config/errors";
import type { ProjectBuild, WranglerProject } from "../config/wrangler-project";
import { describeError } from "../errors";
import { createRuntime, type Runtime, type RuntimeOptions } from "../runtime";

/** How long after a change the rebuild starts, so that a save that touches several files rebuilds once. */
const SETTLE_MS = 100;

/** How often a replaced runtime is checked for invocations still running. */
const RETIRE_POLL_MS = 50;

/** What {@link watchProject} reports to `serve`. */
export interface WatchHooks {
  /** A new build runs: requests go to `runtime` from now on. */
  onReload(runtime: Runtime): void;
  /** A line for stderr. */
  print(line: string): void;
}

/**
 * `serve --watch`: rebuilds the project when one of its source files changes and hands the
 * requests to a runtime of the new build. The replaced runtime keeps running the requests it
 * has until none is left (their traces end as usual), then closes and its bundles are deleted.
 * A build that fails is reported and the running code stays.
 */
export function watchProject(
  project: WranglerProject,
  first: ProjectBuild,
  runtime: Runtime,
  options: RuntimeOptions,
  hooks: WatchHooks,
): { close(): Promise<void> } {
  let current = { runtime, build: first };
  const watchers = new Map<string, FSWatcher>();
  let inputs = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> | undefined;
  let again = false;
  let closed = false;
  const retiring = new Set<{ runtime: Runtime; done: Promise<void>; stop: () => void }>();

  const watchInputs = (files: readonly string[]): void => {
    inputs = new Set(files.filter((file) => !file.split(path.sep).includes("node_modules")));
    const dirs = new Set([...inputs].map((file) => path.dirname(file)));
    for (const [dir, watcher] of watchers) {
      if (!dirs.has(dir)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        // The folder, not the file: editors that save by renaming replace the file watched.
        const watcher = watch(dir, (_event, name) => {
          if (name === null || inputs.has(path.join(dir, name.toString()))) schedule();
        });
        watcher.on("error", () => watchers.delete(dir));
        watchers.set(dir, watcher);
      } catch (error) {
        hooks.print(`workers-shim: warning: cannot watch ${dir}: ${describeError(error)}`);
      }
    }
  };

  const schedule = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (reloading !== undefined) again = true;
      else reloading = reload();
    }, SETTLE_MS);
  };

  const retire = (old: { runtime: Runtime; build: ProjectBuild }): void => {
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const done = (async () => {
      while (old.runtime.liveInvocationCount > 0) {
        const poll = new Promise<void>((resolve) => setTimeout(resolve, RETIRE_POLL_MS).unref());
        if ((await Promise.race([poll.then(() => false), stopped.then(() => true)])) === true) break;
      }
      await old.runtime.close();
      project.release(old.build.bundles);
    })();
    const entry = { runtime: old.runtime, done, stop };
    retiring.add(entry);
    void done.finally(() => retiring.delete(entry));
  };

  const reload = async (): Promise<void> => {
    do {
      again = false;
      let build: ProjectBuild;
      try {
        build = await project.build();
      } catch (error) {
        hooks.print(
          error instanceof WorkersShimError ? error.message : `workers-shim: rebuild failed: ${describeError(error)}`,
        );
        continue;
      }
      if (closed) {
        project.release(build.bundles);
        break;
      }
      let next: Runtime;
      try {
        next = await createRuntime(build.config, options);
      } catch (error) {
        project.release(build.bundles);
        hooks.print(
          error instanceof WorkersShimError ? error.message : `workers-shim: reload failed: ${describeError(error)}`,
        );
        continue;
      }
      const old = current;
      current = { runtime: next, build };
      hooks.onReload(next);
      watchInputs(build.inputs);
      retire(old);
      hooks.print("workers-shim: reloaded");
    } while (again && !closed);
    reloading = undefined;
  };

  watchInputs(first.inputs);
  return {
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      await reloading;
      // Shutting down: the replaced runtimes stop waiting for their requests.
      for (const entry of retiring) entry.stop();
      await Promise.all([...retiring].map((entry) => entry.done));
    },
  };
}
