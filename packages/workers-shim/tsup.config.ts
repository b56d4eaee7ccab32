import { packageConfig } from "../../tooling/tsup/base";

// cli.ts keeps its own `#!/usr/bin/env node` line; tsup preserves a leading shebang
// and marks the output executable.
// vitest.ts is the `./vitest` entry: it registers the trace matchers (vitest stays external).
export default packageConfig({ entry: ["src/index.ts", "src/cli.ts", "src/vitest.ts"], external: ["vitest"] });
