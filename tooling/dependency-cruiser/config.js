// dependency-cruiser rules for the packages' own code (src and test). Run from the repository root
// with `pnpm deps:check`; what each rule means: tooling/README.md.

/**
 * The layers, lowest first: a package may import only packages of a lower layer. Packages of one
 * layer (tracing-helpers and a future opentelemetry bridge) do not import each other.
 */
const LAYERS = [["core-context"], ["user-tracing"], ["tracing-helpers", "opentelemetry"], ["workers-shim"]];

const alternation = (names) => `(${names.join("|")})`;

/** One rule per layer: its packages import nothing from their own layer's siblings or from above. */
const layerRules = LAYERS.flatMap((layer, index) => {
  const above = LAYERS.slice(index + 1).flat();
  return layer.map((name) => {
    const forbidden = [...above, ...layer.filter((other) => other !== name)];
    return {
      name: `layer-${name}`,
      comment: `${name} may import only ${LAYERS.slice(0, index).flat().join(", ") || "no other package"}: the layering is core-context <- user-tracing <- tracing-helpers/opentelemetry <- workers-shim.`,
      severity: "error",
      from: { path: `^packages/${name}/` },
      to: { path: `^packages/${alternation(forbidden)}/` },
    };
  });
}).filter((rule) => !rule.to.path.includes("()"));

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    {
      name: "no-circular",
      comment:
        "Modules import each other in a circle. Break it with a narrower interface or by moving the shared part into its own module.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-package-internals",
      comment:
        "Another package is imported by a file path. Import it by its name (@workers-tracing/<package>), which resolves to what its exports publish.",
      severity: "error",
      from: { path: "^packages/([^/]+)/" },
      to: { path: "^packages/([^/]+)/", pathNot: ["^packages/$1/", "^packages/[^/]+/dist/index\\.(js|d\\.ts)$"] },
    },
    {
      name: "no-unresolvable",
      comment:
        "An import that resolves to no file. For a workspace package, build it first (pnpm build): its name resolves to its dist.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-dev-dependency-in-src",
      comment:
        "Published code imports a devDependency, which users of the package do not install. List it under dependencies (or peerDependencies, for a package the user brings, such as vitest for the ./vitest entry), or keep the import in test/.",
      severity: "error",
      from: { path: "^packages/[^/]+/src/" },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only", "npm-peer"] },
    },
    ...layerRules,
  ],
  options: {
    // Type-only imports count: a circle or a layer crossed through types is one all the same.
    tsPreCompilationDeps: true,
    // Workers' built-in modules, which example and bench workers import.
    builtInModules: { add: ["cloudflare:workers", "cloudflare:sockets"] },
    // A workspace package resolves to its built dist: a leaf here, like anything installed.
    doNotFollow: { path: ["node_modules", "^packages/[^/]+/dist/"] },
    // Worker sources tests load as they are, and the projects the packed-install test installs
    // its dependencies into (they import packages the workspace does not have).
    exclude: { path: ["/test/fixtures/", "^tooling/pack/fixtures/"] },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["types", "import", "node", "default"],
      mainFields: ["types", "module", "main"],
      extensions: [".ts", ".d.ts", ".mts", ".js", ".mjs", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
