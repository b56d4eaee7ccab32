import { describe, expect, it, vi } from "vitest";
import {
  createStorageKey,
  currentRecordingSpan,
  type TailEvent,
  traceInvocation,
  runningInvocation,
} from "../src/index";
import { version } from "../package.json";
import { openRegistry, registryKeyName } from "../src/storage";
import { settle } from "./helpers";

/** The warnings `process.emitWarning` was asked for, as `[code, message]`, with the warning type checked. */
function spyWarnings(): () => [string, string][] {
  const spy = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
  return () =>
    spy.mock.calls.map(([message, options]) => {
      expect(options).toMatchObject({ type: "WorkersTracingWarning" });
      return [(options as { code: string }).code, String(message)];
    });
}

describe("tail callback warnings", () => {
  it("warns once when a tail callback throws, not per event nor per invocation, outside any invocation", async () => {
    const warnings = spyWarnings();
    let frame: unknown = "not called";
    vi.mocked(process.emitWarning).mockImplementation(() => {
      frame = runningInvocation();
    });
    const seen: string[] = [];
    const callback = (event: TailEvent): void => {
      seen.push(event.event.type);
      throw new Error("callback\nbroke");
    };
    for (let run = 0; run < 2; run++) {
      const result = await traceInvocation({ tail: callback, kind: "test" }, () => {
        currentRecordingSpan()!.startChild("child").end();
        return "worker result";
      });
      expect(result).toBe("worker result");
    }
    expect(seen).toEqual(["onset", "onset"]);
    expect(warnings()).toMatchInlineSnapshot(`
      [
        [
          "WORKERS_TRACING_TAIL_CALLBACK_THREW",
          "core-context: a tail callback threw and receives no further events of this invocation: Error: callback\\nbroke",
        ],
      ]
    `);
    expect(frame).toBeUndefined();
  });

  it("warns again for another callback", async () => {
    const warnings = spyWarnings();
    const throwing = (): never => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a tail may throw any value
      throw "plain string";
    };
    await traceInvocation({ tail: [throwing, () => {}, (): never => throwing()], kind: "test" }, () => {});
    expect(warnings().map(([code]) => code)).toEqual([
      "WORKERS_TRACING_TAIL_CALLBACK_THREW",
      "WORKERS_TRACING_TAIL_CALLBACK_THREW",
    ]);
  });

  it("warns once when a tailStream() handler's sessions fail", async () => {
    const warnings = spyWarnings();
    const handler = {
      tailStream: () => () => {
        throw new TypeError("handler broke");
      },
    };
    for (let run = 0; run < 2; run++) {
      await traceInvocation({ tail: handler, kind: "test" }, () => currentRecordingSpan()!.startChild("child").end());
      await settle();
    }
    expect(warnings()).toMatchInlineSnapshot(`
      [
        [
          "WORKERS_TRACING_TAIL_SESSION_FAILED",
          "core-context: a tail session of a tailStream() handler ended early: TypeError: handler broke",
        ],
      ]
    `);
  });

  it("warns with workerd's text when a tailStream() handler returns an unusable value", async () => {
    const warnings = spyWarnings();
    await traceInvocation({ tail: { tailStream: () => 42 }, kind: "test" }, () => {});
    await settle();
    expect(warnings()).toMatchInlineSnapshot(`
      [
        [
          "WORKERS_TRACING_TAIL_SESSION_FAILED",
          "core-context: a tail session of a tailStream() handler ended early: tailStream() handler returned an unusable value. The tailStream() handler is expected to return either a function, an object, or undefined. Received number",
        ],
      ]
    `);
  });

  it("stays quiet when a tailStream() handler returns undefined", async () => {
    const warnings = spyWarnings();
    await traceInvocation({ tail: { tailStream: () => undefined }, kind: "test" }, () => {});
    await settle();
    expect(warnings()).toEqual([]);
  });
});

describe(registryKeyName.name, () => {
  it.for([
    ["0.0.0", "@workers-tracing/core-context@0.0"],
    ["0.3.1", "@workers-tracing/core-context@0.3"],
    ["1.2.3", "@workers-tracing/core-context@1"],
    ["2.0.0-beta.1", "@workers-tracing/core-context@2"],
  ])("names the registry of version %s %s", ([version, name]) => {
    expect(registryKeyName(version!)).toBe(name);
  });

  it("is the key, derived from the package version, this copy's storage keys live under", () => {
    const key = createStorageKey<string>("warnings-test-purpose");
    const holder = globalThis as Record<symbol, { storages: Map<string, unknown>; version: string }>;
    const registry = holder[Symbol.for(registryKeyName(version))]!;
    expect(registry.storages.has(key.purpose)).toBe(true);
    expect(registry.version).toBe(version);
  });
});

describe(openRegistry.name, () => {
  function collect(): { warn: (code: string, message: string) => void; warnings: [string, string][] } {
    const warnings: [string, string][] = [];
    return { warn: (code, message) => warnings.push([code, message]), warnings };
  }

  it("creates the registry once and shares it with compatible copies, without a warning", () => {
    const holder = {};
    const { warn, warnings } = collect();
    const first = openRegistry(holder, "0.4.0", warn);
    expect(first).toMatchObject({ tracedLive: 0, version: "0.4.0" });
    expect(openRegistry(holder, "0.4.7", warn)).toBe(first);
    expect(warnings).toEqual([]);
  });

  it("gives up the traced count, with a warning, when an older copy made the registry", () => {
    const holder = { [Symbol.for(registryKeyName("0.4.0"))]: { storages: new Map() } };
    const { warn, warnings } = collect();
    expect(openRegistry(holder, "0.4.0", warn).tracedLive).toBe(Number.POSITIVE_INFINITY);
    expect(warnings).toMatchInlineSnapshot(`
      [
        [
          "WORKERS_TRACING_INCOMPATIBLE_COPY",
          "core-context 0.4.0: another copy of @workers-tracing/core-context (an older version) shares this process's async context but does not count its traced invocations; span lookups can no longer skip the async context while nothing is traced (slower, still correct). Install one version of the @workers-tracing packages.",
        ],
      ]
    `);
  });

  it("warns when a copy of an incompatible version keeps its own registry", () => {
    const holder = {};
    openRegistry(holder, "0.3.2");
    const { warn, warnings } = collect();
    const registry = openRegistry(holder, "0.4.0", warn);
    expect(registry.tracedLive).toBe(0);
    expect(warnings).toMatchInlineSnapshot(`
      [
        [
          "WORKERS_TRACING_SEPARATE_COPY",
          "core-context 0.4.0: another copy of @workers-tracing/core-context (0.3.2) is loaded in this process; their versions are incompatible, so spans opened through one are not current in the other. Install one version of the @workers-tracing packages.",
        ],
      ]
    `);
  });

  it("emits its warnings as process warnings by default", () => {
    const warnings = spyWarnings();
    openRegistry({ [Symbol.for(registryKeyName("1.0.0"))]: { storages: new Map(), tracedLive: "n/a" } }, "1.0.0");
    expect(warnings().map(([code]) => code)).toEqual(["WORKERS_TRACING_INCOMPATIBLE_COPY"]);
  });
});
