// The benchmark entry points load: each one's imports resolve (a moved helper module breaks a
// script only when someone runs it), and each rejects an unknown option with its usage line
// before measuring anything. Needs the packages built (`pnpm check` builds first).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const BENCH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bench");
const ENTRIES = [
  "run.mjs",
  "otlp.mjs",
  "otel-bridge.mjs",
  "shared-harness.mjs",
  "soak.mjs",
  "tails.mjs",
  "serve/run.mjs",
];

for (const entry of ENTRIES) {
  test(`bench/${entry} loads and rejects an unknown option with its usage`, () => {
    const result = spawnSync(
      process.execPath,
      ["--experimental-vm-modules", path.join(BENCH, entry), "--no-such-option"],
      {
        cwd: BENCH,
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    assert.equal(result.status, 2, `exit status ${result.status}; stderr:\n${result.stderr}`);
    assert.match(result.stderr, /usage: node /);
    assert.doesNotMatch(result.stderr, /SyntaxError|ERR_MODULE_NOT_FOUND/);
  });
}
