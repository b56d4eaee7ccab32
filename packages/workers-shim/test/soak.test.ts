import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SOAK = fileURLToPath(new URL("../../../bench/soak.mjs", import.meta.url));
const TAILS = fileURLToPath(new URL("../../../bench/tails.mjs", import.meta.url));

interface SoakSummary {
  readonly invocations: number;
  readonly outcomes: number;
  readonly growthMb: number;
  readonly warnings: number;
  readonly ok: boolean;
}

describe("memory soak", () => {
  // The short version of `pnpm soak`: abandoned and unended spans on one Durable Object must not
  // accumulate. 20,000 invocations leaking even 200 bytes each would exceed the bound.
  it("keeps the heap flat over 20,000 Durable Object invocations that leave spans open", { timeout: 120000 }, () => {
    const run = spawnSync(
      process.execPath,
      [
        "--expose-gc",
        "--experimental-vm-modules",
        "--disable-warning=ExperimentalWarning",
        SOAK,
        "--invocations=20000",
        "--warmup=5000",
        "--every=5000",
        "--max-growth-mb=4",
        "--json",
      ],
      { encoding: "utf8", timeout: 110000 },
    );
    expect(run.signal, run.stderr).toBeNull();
    const summary = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as SoakSummary;
    expect(summary.invocations).toBe(20000);
    expect(summary.outcomes).toBe(20000);
    expect(summary.warnings).toBe(0);
    expect(summary.growthMb, run.stderr).toBeLessThanOrEqual(4);
    expect(summary.ok).toBe(true);
    expect(run.status, run.stderr).toBe(0);
  });
});

describe("misbehaving tails under load", () => {
  // The short version of `pnpm bench:tails`, without its latency check (timings are for the
  // benchmark, not for tests): every response stays correct, a hung tail's heap stays bounded,
  // a looping tail is stopped, hostile values thrown by a tail change nothing.
  it(
    "keeps serving correct responses with hung, looping and hostile tails, within a bounded heap",
    { timeout: 240000 },
    () => {
      const run = spawnSync(
        process.execPath,
        [
          "--expose-gc",
          "--experimental-vm-modules",
          "--disable-warning=ExperimentalWarning",
          TAILS,
          "--only=hung,loop,hostile",
          "--requests=5",
          "--heap-requests=1500",
          "--json",
        ],
        { encoding: "utf8", timeout: 230000 },
      );
      expect(run.signal, run.stderr).toBeNull();
      const report = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as {
        checks: { name: string; pass: boolean; value: string }[];
      };
      const names = report.checks.map((check) => check.name);
      expect(names).toEqual([
        "noop: every response correct",
        "hung: every response correct",
        "loop: every response correct",
        "hostile: every response correct",
        "hung: heap after 1500 requests",
        "loop: stopped, warned",
      ]);
      for (const check of report.checks) expect(check.pass, `${check.name}: ${check.value}`).toBe(true);
      expect(run.status, run.stderr).toBe(0);
    },
  );
});
