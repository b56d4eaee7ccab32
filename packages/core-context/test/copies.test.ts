import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it, vi } from "vitest";
import { version } from "../package.json";
import { createSequentialIds, currentRecordingSpan, IoContext, runInInvocation, toTailSink } from "../src/index";
import { registryKeyName } from "../src/storage";

import type * as CoreContext from "../src/index";

type Copy = typeof CoreContext;

/** The registry every copy of the package shares through `globalThis`. */
function registry(): { tracedLive: number } {
  return (globalThis as Record<symbol, { tracedLive: number }>)[Symbol.for(registryKeyName(version))]!;
}

/** A second, separately loaded copy of this package, as a second install would give. */
async function otherCopy(): Promise<Copy> {
  vi.resetModules();
  const copy = await import("../src/index");
  expect(copy.currentRecordingSpan).not.toBe(currentRecordingSpan);
  return copy;
}

describe(currentRecordingSpan.name, () => {
  it("returns undefined without reading the async context while no traced invocation is live", () => {
    expect(registry().tracedLive).toBe(0);
    const untraced = new IoContext().startInvocation({ kind: "test" });
    const seen = runInInvocation(untraced, () => {
      const getStore = vi.spyOn(AsyncLocalStorage.prototype, "getStore");
      return [currentRecordingSpan(), getStore.mock.calls.length];
    });
    expect(seen).toEqual([undefined, 0]);
    untraced.finish();
  });

  it("returns the current span of a traced invocation, and nothing once it finished", () => {
    const invocation = new IoContext({ ids: createSequentialIds() }).startInvocation({
      kind: "test",
      sink: toTailSink([]),
    });
    const child = runInInvocation(invocation, () => currentRecordingSpan()!.startChild("child"));
    expect(runInInvocation(invocation, () => currentRecordingSpan())).toBe(invocation.root);
    invocation.finish();
    expect(runInInvocation(invocation, () => currentRecordingSpan())).toBeUndefined();
    expect(child.isOpen).toBe(false);
  });

  it("counts the traced invocations of every copy of the package", async () => {
    const other = await otherCopy();
    const before = registry().tracedLive;
    const invocation = new other.IoContext({ ids: other.createSequentialIds() }).startInvocation({
      kind: "test",
      sink: other.toTailSink([]),
    });
    const untraced = new other.IoContext().startInvocation({ kind: "test" });
    expect(registry().tracedLive).toBe(before + 1);
    // This copy finds the other copy's span through the shared storage and the shared count.
    expect(runInInvocation(invocation, () => currentRecordingSpan())).toBe(invocation.root);
    invocation.finish();
    invocation.finish();
    untraced.finish();
    expect(registry().tracedLive).toBe(before);
    expect(runInInvocation(invocation, () => currentRecordingSpan())).toBeUndefined();
  });
});
