import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index";
import { HANG_MESSAGE as HUNG_MESSAGE } from "../src/hang";
import {
  COLLECTOR,
  drainTails,
  events,
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

describe("an RPC method returning a ReadableStream", () => {
  it("keeps the callee's invocation until the stream is done, pulling in the callee one chunk ahead", async () => {
    const config = fixtureConfig(
      [
        service("main", "events/rpc-stream.js", {
          bindings: [
            { name: "producer", service: { name: "main", entrypoint: "Producer" } },
            { name: "objects", durableObjectNamespace: "Streamer" },
          ],
          durableObjectNamespaces: [{ className: "Streamer", uniqueKey: "streamer" }],
          durableObjectStorage: { inMemory: true },
          streamingTails: ["tail"],
        }),
        COLLECTOR,
      ],
      true,
    );
    runtime = (await start(config)).runtime;
    const summary = await runtime.runTests();
    await drainTails();
    expect(summary.failed).toBe(0);
    expect(results()).toEqual(["entry1;entry2;", "object1;"]);

    const [caller, entry, cancelled, object] = invocations();
    // A stateless callee whose stream was pumped to its end: workerd's "hung" exception.
    expect(summarize(entry!.events).slice(-6)).toEqual([
      "return",
      'log ["entry","pull",1]',
      'log ["entry","pull",2]',
      'log ["entry","pull",3]',
      `exception Error: ${HUNG_MESSAGE}`,
      "outcome exception",
    ]);
    // Cancelled after one chunk: the pump had read one more, then the outcome is "ok".
    expect(summarize(cancelled!.events).slice(-4)).toEqual([
      "return",
      'log ["entry","pull",1]',
      'log ["entry","pull",2]',
      "outcome ok",
    ]);
    expect(summarize(object!.events).slice(-4)).toEqual([
      "return",
      'log ["object","pull",1]',
      'log ["object","pull",2]',
      "outcome ok",
    ]);

    // The caller's jsRpcSession of each call closes only after the callee's outcome.
    const sessions = caller!.events.filter((e) => e.event.type === "spanOpen" && e.event.name === "jsRpcSession");
    expect(sessions).toHaveLength(3);
    for (const [i, callee] of [entry, cancelled, object].entries()) {
      const sessionId = (sessions[i]!.event as { spanId: string }).spanId;
      const close = caller!.events.find((e) => e.event.type === "spanClose" && e.spanContext.spanId === sessionId)!;
      const outcome = callee!.events.at(-1)!;
      expect(outcome.event.type).toBe("outcome");
      expect(events().indexOf(close)).toBeGreaterThan(events().indexOf(outcome));
    }
  });

  it('is cancelled when the calling invocation ends without reading it; the callee ends "ok"', async () => {
    const config = fixtureConfig(
      [
        service("main", "events/rpc-stream-unread.js", {
          bindings: [{ name: "producer", service: { name: "main", entrypoint: "Producer" } }],
          streamingTails: ["tail"],
        }),
        COLLECTOR,
      ],
      true,
    );
    runtime = (await start(config)).runtime;
    expect((await runtime.runTests()).failed).toBe(0);
    await drainTails();
    const [caller, callee] = invocations();
    expect(summarize(caller!.events).slice(-3)).toEqual(["spanClose", "spanClose", "outcome ok"]);
    expect(summarize(callee!.events).slice(-2)).toEqual(["return", "outcome ok"]);
  });
});
