import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import type { SourceMapPayload } from "node:module";
import * as esbuild from "esbuild";
import { WorkersShimError } from "../config/errors";
import { registerSourceMap, unregisterSourceMap } from "./source-maps";

/** What {@link WorkerBundler} builds: one worker's entry point and everything it imports. */
export interface BundleOptions {
  /** The worker's name (for messages and the output folder). */
  readonly name: string;
  /** Absolute path of the entry point (`main`). */
  readonly entry: string;
  /** Folder the bundles are written to (`.wrangler/tmp/workers-shim/<name>` of the project). */
  readonly outDir: string;
  /** Whether the worker has `nodejs_compat` or `nodejs_compat_v2`: Node's built-ins stay imports. */
  readonly nodeCompat: boolean;
  /** Variables replaced at build time (wrangler's `define`). */
  readonly define?: Readonly<Record<string, string>>;
  /** wrangler's `tsconfig`: the tsconfig.json esbuild reads instead of the nearest one. */
  readonly tsconfig?: string;
  /** wrangler's `jsx_factory` and `jsx_fragment`. */
  readonly jsxFactory?: string;
  readonly jsxFragment?: string;
}

/** One finished build. */
export interface BuiltBundle {
  /** Absolute path of the bundled ES module. */
  readonly file: string;
  /** Absolute paths of the files the bundle was built from (for `--watch`). */
  readonly inputs: readonly string[];
}

/**
 * wrangler's export conditions, in its order: packages resolve to their Workers builds
 * (`workerd`, `worker`), then their browser builds.
 */
export const BUILD_CONDITIONS = ["workerd", "worker", "browser"] as const;

/** wrangler's default module rules: files imported as text, as an ArrayBuffer, or as a compiled WebAssembly module. */
export const MODULE_RULES = [
  { type: "Text", extensions: [".txt", ".html", ".sql"] },
  { type: "Data", extensions: [".bin"] },
  { type: "CompiledWasm", extensions: [".wasm"] },
] as const;

function ruleOf(file: string): (typeof MODULE_RULES)[number]["type"] | undefined {
  const extension = path.extname(file).toLowerCase();
  return MODULE_RULES.find((rule) => (rule.extensions as readonly string[]).includes(extension))?.type;
}

/** Gives imported `.txt`/`.html`/`.sql`, `.bin` and `.wasm` files the default export wrangler's module rules give them. */
const moduleRulesPlugin: esbuild.Plugin = {
  name: "workers-shim-module-rules",
  setup(build) {
    build.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice(0, -"?module".length)),
      namespace: "file",
    }));
    build.onLoad({ filter: /\.(txt|html|sql|bin|wasm)$/i }, (args) => {
      const type = ruleOf(args.path);
      const bytes = readFileSync(args.path);
      if (type === "Text")
        return { contents: `export default ${JSON.stringify(bytes.toString("utf8"))};`, loader: "js" };
      const decode = `const text = atob(${JSON.stringify(bytes.toString("base64"))});
const bytes = new Uint8Array(text.length);
for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);`;
      return {
        contents:
          type === "CompiledWasm"
            ? `${decode}\nexport default new WebAssembly.Module(bytes);`
            : `${decode}\nexport default bytes.buffer;`,
        loader: "js",
      };
    });
  },
};

function relativeToCwd(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/** One line per esbuild error: `src/index.ts:3:7: Expected ";" but found "x"`. */
export function formatBuildErrors(name: string, errors: readonly esbuild.Message[], cwd: string): string {
  const lines = errors.slice(0, 5).map((message) => {
    const location = message.location;
    if (location === null) return message.text;
    const file = relativeToCwd(path.resolve(cwd, location.file));
    return `${file}:${location.line}:${location.column + 1}: ${message.text}`;
  });
  const more = errors.length > 5 ? `; and ${errors.length - 5} more` : "";
  return `workers-shim: worker "${name}": build failed: ${lines.join("; ")}${more}`;
}

/**
 * Builds a worker's entry point into one ES module as wrangler does (esbuild, wrangler's export
 * conditions and module rules, TypeScript and JSX), with a source map that the shim uses to map
 * stacks back to the sources. Each build is written to a new file, so that a runtime still
 * running the previous one keeps its code and its source map until {@link WorkerBundler.release}.
 */
export class WorkerBundler {
  readonly #options: BundleOptions;
  readonly #context: Promise<esbuild.BuildContext<{ write: false; metafile: true }>>;
  #count = 0;

  constructor(options: BundleOptions) {
    this.#options = options;
    const external = ["cloudflare:*", "workerd:*", "node:*"];
    if (options.nodeCompat) external.push(...builtinModules.flatMap((name) => [name, `${name}/*`]));
    this.#context = esbuild.context({
      entryPoints: [options.entry],
      absWorkingDir: path.dirname(options.entry),
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      conditions: [...BUILD_CONDITIONS],
      mainFields: ["browser", "module", "main"],
      keepNames: true,
      sourcemap: "linked",
      sourcesContent: false,
      write: false,
      metafile: true,
      outdir: options.outDir,
      logLevel: "silent",
      external,
      loader: { ".js": "jsx", ".mjs": "jsx", ".cjs": "jsx" },
      define: { "navigator.userAgent": '"Cloudflare-Workers"', ...options.define },
      plugins: [moduleRulesPlugin],
      ...(options.tsconfig === undefined ? {} : { tsconfig: options.tsconfig }),
      ...(options.jsxFactory === undefined ? {} : { jsxFactory: options.jsxFactory }),
      ...(options.jsxFragment === undefined ? {} : { jsxFragment: options.jsxFragment }),
    });
  }

  /**
   * Builds the worker once more; resolves the bundle.
   * @throws WorkersShimError (`ERR_CONFIG`) naming `file:line:column` of each build error.
   */
  async build(): Promise<BuiltBundle> {
    const context = await this.#context;
    let result: esbuild.BuildResult<{ write: false; metafile: true }>;
    try {
      result = await context.rebuild();
    } catch (error) {
      const errors = (error as { errors?: esbuild.Message[] }).errors;
      if (errors === undefined) throw error;
      throw new WorkersShimError(
        "ERR_CONFIG",
        formatBuildErrors(this.#options.name, errors, path.dirname(this.#options.entry)),
        {
          cause: error,
        },
      );
    }
    const number = ++this.#count;
    const stem = path.basename(this.#options.entry).replace(/\.[^.]*$/, "");
    const file = path.join(this.#options.outDir, `${stem}.${number}.mjs`);
    mkdirSync(this.#options.outDir, { recursive: true });
    let code: string | undefined;
    let map: string | undefined;
    for (const output of result.outputFiles) {
      if (output.path.endsWith(".map")) map = output.text;
      else if (output.path.endsWith(".js") || output.path.endsWith(".mjs")) code = output.text;
    }
    if (code === undefined) throw new Error(`esbuild wrote no module for ${this.#options.entry}`);
    code = code.replace(/\/\/# sourceMappingURL=\S+\s*$/, `//# sourceMappingURL=${path.basename(file)}.map\n`);
    writeFileSync(file, code);
    if (map !== undefined) {
      writeFileSync(`${file}.map`, map);
      registerSourceMap(file, JSON.parse(map) as SourceMapPayload);
    }
    const cwd = path.dirname(this.#options.entry);
    const inputs = Object.keys(result.metafile.inputs)
      .filter((input) => !input.includes(":"))
      .map((input) => path.resolve(cwd, input));
    return { file, inputs };
  }

  /** Deletes a bundle that no runtime runs any more, and forgets its source map. */
  release(file: string): void {
    unregisterSourceMap(file);
    rmSync(file, { force: true });
    rmSync(`${file}.map`, { force: true });
  }

  /** Stops esbuild's service for this worker. */
  async dispose(): Promise<void> {
    await (await this.#context).dispose();
  }
}
