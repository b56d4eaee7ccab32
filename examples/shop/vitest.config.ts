import { defineProject } from "vitest/config";
import { sharedTest } from "../../tooling/vitest/shared.ts";

export default defineProject({
  test: {
    ...sharedTest,
  },
});
