import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

describe("examples/node-basic", () => {
  it("runs the traced order on plain Node and prints its event tree, the payment call nested", () => {
    const run = spawnSync(process.execPath, ["examples/node-basic/demo.mjs"], { cwd: REPO, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^fetch POST https:\/\/shop\.example\/orders\/42 {2}ok {2}\d+ms {2}entrypoint="OrderWorker"$/,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^│ {2}└─ jsrpc charge {2}ok {2}\d+ms {2}entrypoint="Payments"$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^│ {5}├─ authorize-card {2}\d+ms {2}payment\.amount=67\.97/));
    expect(lines.at(-1)).toBe("└─ return 201");
    // Not a terminal: no escapes.
    expect(run.stdout).not.toContain("\u001b");
  });
});
