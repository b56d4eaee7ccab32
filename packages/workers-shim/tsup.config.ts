import { packageConfig } from "../../tooling/tsup/base";

// cli.ts keeps its own `#!/usr/bin/env node` line; tsup preserves a leading shebang
// and marks the output executable.
export default packageConfig({ entry: ["src/index.ts", "src/cli.ts"] });
