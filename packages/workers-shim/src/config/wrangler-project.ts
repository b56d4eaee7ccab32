import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { WorkerBundler } from "../loader/bundle";
import type { ShimConfig } from "./schema";
import { createConfig, type ValidateConfigOptions } from "./validate";
import { readWranglerConfig, toShimConfig, type WranglerWorker } from "./wrangler";

/** Options of {@link WranglerProject.open}. */
export interface WranglerProjectOptions extends Omit<ValidateConfigOptions, "baseDir"> {
  /** The `env.<name>` section of every config (`--env`). */
  readonly env?: string;
}

/** One build of a project: the shim config that runs it, and the files it was built from. */
export interface ProjectBuild {
  readonly config: ShimConfig;
  /** The bundled modules this config runs (release them with {@link WranglerProject.release}). */
  readonly bundles: readonly string[];
  /** The source files of every worker, for `--watch`. */
  readonly inputs: readonly string[];
}

/**
 * The workers of one or more wrangler configs (the first one the primary worker), bundled with
 * esbuild and translated into the shim's config, which the runtime then runs like any other.
 */
export class WranglerProject {
  /** The workers, primary first. */
  readonly workers: readonly WranglerWorker[];
  /** Warnings about the configs: unsupported keys, keys an environment does not repeat. */
  readonly warnings: readonly string[];
  readonly #options: WranglerProjectOptions;
  readonly #bundlers: ReadonlyMap<string, WorkerBundler>;
  readonly #outDirs: readonly string[];

  private constructor(workers: readonly WranglerWorker[], options: WranglerProjectOptions) {
    this.workers = workers;
    this.warnings = workers.flatMap((worker) => worker.warnings);
    this.#options = options;
    const outDirs: string[] = [];
    const bundlers = new Map<string, WorkerBundler>();
    for (const worker of workers) {
      // One folder per run, as wrangler's .wrangler/tmp/bundle-*: two runs of a project never share bundles.
      const tmp = path.join(path.dirname(worker.configPath), ".wrangler", "tmp");
      mkdirSync(tmp, { recursive: true });
      const outDir = mkdtempSync(path.join(tmp, "workers-shim-"));
      outDirs.push(outDir);
      const nodeCompat = worker.compatibilityFlags.some(
        (flag) => flag === "nodejs_compat" || flag === "nodejs_compat_v2",
      );
      bundlers.set(
        worker.name,
        new WorkerBundler({
          name: worker.name,
          entry: worker.main,
          outDir,
          nodeCompat,
          define: worker.define,
          ...worker.build,
        }),
      );
    }
    this.#bundlers = bundlers;
    this.#outDirs = outDirs;
  }

  /**
   * Reads the wrangler configs at `paths` (the first is the primary worker).
   * @throws WorkersShimError (`ERR_CONFIG`) naming the file and key of a config problem.
   */
  static open(paths: readonly string[], options: WranglerProjectOptions = {}): WranglerProject {
    // The primary config must have the environment; the others use it when they have it.
    const env = options.env === undefined ? {} : { env: options.env };
    return new WranglerProject(
      paths.map((file, i) => readWranglerConfig(file, { ...env, envOptional: i > 0 })),
      options,
    );
  }

  /**
   * Bundles every worker and validates the resulting shim config.
   * @throws WorkersShimError (`ERR_CONFIG`) for a build error (`file:line:column`) or a config
   * problem, or (`ERR_COMPAT_FLAGS`) for a compatibility date or flag.
   */
  async build(): Promise<ProjectBuild> {
    const bundles = new Map<string, string>();
    const inputs = new Set<string>();
    const built: string[] = [];
    try {
      for (const worker of this.workers) {
        const bundle = await this.#bundlers.get(worker.name)!.build();
        bundles.set(worker.name, bundle.file);
        built.push(bundle.file);
        for (const input of bundle.inputs) inputs.add(input);
      }
      const primary = this.workers[0]!;
      const { env: _env, ...validateOptions } = this.#options;
      const config = createConfig(
        toShimConfig(this.workers, bundles),
        { ...validateOptions, baseDir: path.dirname(primary.configPath) },
        primary.configPath,
      );
      return { config, bundles: built, inputs: [...inputs] };
    } catch (error) {
      this.release(built);
      throw error;
    }
  }

  /** Deletes bundles that no runtime runs any more. */
  release(bundles: readonly string[]): void {
    for (const file of bundles) {
      for (const bundler of this.#bundlers.values()) bundler.release(file);
    }
  }

  /** Stops the bundlers and deletes this run's bundles. */
  async dispose(): Promise<void> {
    await Promise.all([...this.#bundlers.values()].map((bundler) => bundler.dispose()));
    for (const dir of this.#outDirs) rmSync(dir, { recursive: true, force: true });
  }
}
