// The one ESLint configuration of the monorepo (flat config). The root eslint.config.js re-exports
// it; packages have no ESLint config of their own. Why each rule is on or off: tooling/README.md.
import js from "@eslint/js";
import comments from "@eslint-community/eslint-plugin-eslint-comments/configs";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

const root = new URL("../..", import.meta.url).pathname;

const unusedVars = {
  argsIgnorePattern: "^_",
  varsIgnorePattern: "^_",
  caughtErrorsIgnorePattern: "^_",
  ignoreRestSiblings: true,
};

export default defineConfig(
  // Build output, generated code, and worker sources that tests and goldens load as they are.
  globalIgnores([
    "**/dist/",
    "**/temp/",
    "**/coverage/",
    "**/test/fixtures/",
    "conformance/scenarios/",
    "conformance/goldens/",
    "packages/workers-shim/src/compat/registry-data.ts",
  ]),
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  js.configs.recommended,
  comments.recommended,
  {
    rules: {
      // Every disable comment says why: `// eslint-disable-next-line rule -- reason`.
      "@eslint-community/eslint-comments/require-description": ["error", { ignore: ["eslint-enable"] }],
      "@eslint-community/eslint-comments/disable-enable-pair": ["error", { allowWholeFile: true }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "ExportAllDeclaration",
          message: "Re-export by name, so that every change of a surface shows in index.ts.",
        },
      ],
      "no-unused-vars": ["error", unusedVars],
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unreachable-loop": "error",
      "no-useless-assignment": "error",
      "no-constructor-return": "error",
      "prefer-const": ["error", { destructuring: "all", ignoreReadBeforeAssign: true }],
      eqeqeq: ["error", "always", { null: "ignore" }],
    },
  },
  // TypeScript: the type-checked rule set, with type information from each package's tsconfig.
  {
    files: ["**/*.ts", "**/*.mts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", unusedVars],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-import-type-side-effects": "error",
      "@typescript-eslint/explicit-module-boundary-types": "error",
      "@typescript-eslint/return-await": ["error", "in-try-catch"],
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      // Off on purpose; the reasons are in tooling/README.md.
      "@typescript-eslint/no-base-to-string": "off",
      "@typescript-eslint/unbound-method": "off",
      "@typescript-eslint/prefer-promise-reject-errors": "off",
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["packages/*/src/**"],
    rules: { "no-console": "error" },
  },
  {
    files: ["**/test/**"],
    rules: {
      "@typescript-eslint/await-thenable": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    files: ["packages/workers-shim/src/globals/**"],
    rules: { "@typescript-eslint/explicit-module-boundary-types": "off" },
  },
  // TypeScript that no package tsconfig includes (config files, tooling, the example's test): the
  // syntactic rules only.
  {
    files: ["*.ts", "**/*.config.ts", "tooling/**/*.ts", "**/*.d.mts", "examples/**/*.ts"],
    extends: [tseslint.configs.disableTypeChecked],
  },
  // Plain JavaScript (scripts, benchmarks, example workers) runs on Node or as a worker.
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: {
      globals: { ...globals.node, ...globals.serviceworker },
    },
  },
);
