import vm from "node:vm";

/** The Node.js option that enables `vm.SourceTextModule`, which the shim loads workers with. */
export const VM_MODULES_FLAG = "--experimental-vm-modules";

/** Whether this process runs with {@link VM_MODULES_FLAG}. */
export function hasVmModules(): boolean {
  return typeof (vm as { SourceTextModule?: unknown }).SourceTextModule === "function";
}
