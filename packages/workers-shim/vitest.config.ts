import { defineProject } from "vitest/config";
import { sharedTest } from "../../tooling/vitest/shared.ts";

export default defineProject({
  test: {
    ...sharedTest,
    // Hands the fixture workers' channel to the tests (see the file).
    setupFiles: ["./test/setup.ts"],
  },
});
