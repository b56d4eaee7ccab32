import { readFileSync } from "node:fs";
import { defineProject } from "vitest/config";
import { sharedTest } from "../../tooling/vitest/shared.ts";

const { version } = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8")) as { version: string };

export default defineProject({
  define: { __PACKAGE_VERSION__: JSON.stringify(version) },
  test: {
    ...sharedTest,
  },
});
