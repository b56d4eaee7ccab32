import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index";
import {
  COLLECTOR,
  drainTails,
  fixtureConfig,
  invocations,
  resetRecords,
  results,
  service,
  start,
  summarize,
} from "./helpers";

beforeEach(resetRecords);

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe("a service that is its own streaming tail", () => {
  it("tails its other invocations, not its tail sessions; other tails see those sessions", async () => {
    const config = fixtureConfig(
      [service("main", "events/self-tail.js", { streamingTails: ["main", "tail"] }), COLLECTOR],
      true,
    );
    runtime = (await start(config)).runtime;
    expect((await runtime.runTests()).failed).toBe(0);
    await drainTails();
    expect(results()).toEqual(["onset custom", "log", "outcome"]);
    const all = invocations().map((invocation) => summarize(invocation.events));
    expect(all).toHaveLength(2);
    expect(all).toContainEqual(["onset custom", 'log ["hello"]', "outcome ok"]);
    expect(all).toContainEqual(["onset trace", 'log ["in the self tail"]', "return", "outcome ok"]);
  });
});
