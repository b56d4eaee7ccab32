export const sharedTest = {
  include: ["test/**/*.test.ts"],
  restoreMocks: true,
  // workers-shim loads workers as vm modules (vm.SourceTextModule), which Node.js 20 offers only
  // with this flag.
  execArgv: ["--experimental-vm-modules", "--disable-warning=ExperimentalWarning"],
};
