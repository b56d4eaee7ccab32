import { register } from "node:module";
import { Script, constants as vmConstants } from "node:vm";
import { HOOKS_SOURCE, type HooksData } from "./hooks-source";

const HOOKS_URL = `data:text/javascript,${encodeURIComponent(HOOKS_SOURCE)}`;

/**
 * Registers one layer of the module hooks for the given services (their module-name maps).
 * @remarks Each runtime registers its own layer; layers chain, and each one only maps the
 * module names of its own service keys.
 */
export function registerModuleHooks(data: HooksData): void {
  register(HOOKS_URL, { data });
}

/*
 * A dynamic import performed by Node's own ESM loader (and so through our hooks): a bundler or a
 * test runner may rewrite `import()` in our sources, but not inside a Function body.
 */
const functionImport = new Function("specifier", "return import(specifier);") as Importer;

type Importer = (specifier: string) => Promise<Record<string, unknown>>;

let vmImport: Importer | undefined;

/*
 * Code evaluated in a vm context without an import callback (a test runner's module runner) cannot
 * import from a Function body; a script compiled for the main context's default loader can.
 * Created only when needed: Node 20 flags that loader option as experimental.
 */
function mainContextImport(): Importer {
  vmImport ??= new Script("(specifier) => import(specifier)", {
    filename: "workers-shim:native-import",
    importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  }).runInThisContext() as Importer;
  return vmImport;
}

/** Imports a worker module through Node's own loader. */
export async function importWorkerModule(url: string): Promise<Record<string, unknown>> {
  if (vmImport !== undefined) return vmImport(url);
  try {
    return await functionImport(url);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== "ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING") throw error;
    return mainContextImport()(url);
  }
}
