import { readFileSync } from "node:fs";
import { packageConfig } from "../../tooling/tsup/base";

const { version } = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8")) as { version: string };

// The instrumentation scope carries the published version.
export default packageConfig({ define: { __PACKAGE_VERSION__: JSON.stringify(version) } });
