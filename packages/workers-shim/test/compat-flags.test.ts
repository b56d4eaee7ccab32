import { describe, expect, it, vi } from "vitest";
import {
  COMPAT_FLAG_REGISTRY,
  SUPPORTED_COMPATIBILITY_DATE,
  formatFlagTable,
  isTracingEnabled,
  resolveCompatibilityFlags,
} from "../src/compat/index";
import type { CompatibilityInput } from "../src/compat/index";
import { resolveWithRegistry } from "../src/compat/resolve";
import type { CompatFlagDefinition } from "../src/compat/registry";
import { WorkersShimError } from "../src/config/errors";

// A fixed clock for every test that does not test the clock itself.
const TODAY = "2026-11-23";

function resolve(input: CompatibilityInput) {
  return resolveCompatibilityFlags({ today: TODAY, ...input });
}

/** Runs `fn`, checks it threw a one-line ERR_COMPAT_FLAGS error and returns the message. */
function compatError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkersShimError);
    const shimError = error as WorkersShimError;
    expect(shimError.code).toBe("ERR_COMPAT_FLAGS");
    expect(shimError.message).not.toContain("\n");
    return shimError.message;
  }
  throw new Error("expected a WorkersShimError, but nothing was thrown");
}

describe(resolveCompatibilityFlags.name, () => {
  describe("compatibility date text (step 1)", () => {
    it.for(["2026-02-30", "2000-01-01", "2026-01-31", "2026-12-31", "2026-11-23"])("accepts %s", (date) => {
      const result = resolve({ compatibilityDate: date, today: "2999-12-31", maxDate: "2999-12-31" });
      expect(result.warnings).toEqual([]);
    });

    it.for([
      "2026-4-1",
      "1999-01-01",
      "3000-01-01",
      "2026-13-01",
      "2026-00-10",
      "20x6-01-01",
      "2026-01-32",
      "2026-01-00",
      "2026/01/01",
      "2026-01-1-",
      "2026--1-01",
      " 2026-01-01",
      "2026-01-01 ",
      "2026-01-01T00:00:00Z",
      "",
    ])("rejects %j", (date) => {
      const message = compatError(() =>
        resolve({ compatibilityDate: date, today: "2999-12-31", maxDate: "2999-12-31" }),
      );
      expect(message).toBe(`Invalid compatibility date: ${date}`);
    });
  });

  describe("date limits (step 2)", () => {
    it("rejects a date beyond the newest supported date", () => {
      expect(() =>
        resolve({ compatibilityDate: "2099-01-01", today: "2999-12-31" }),
      ).toThrowErrorMatchingInlineSnapshot(`[WorkersShimError: This Worker requires compatibility date "2099-01-01", but the newest date supported by this server binary is "2026-11-23".]`);
    });

    it("rejects a date in the future", () => {
      expect(() =>
        resolve({ compatibilityDate: "2026-11-02", today: "2026-11-01" }),
      ).toThrowErrorMatchingInlineSnapshot(`[WorkersShimError: Can't set compatibility date in the future: "2026-11-02". Today's date (UTC) is "2026-11-01".]`);
    });

    it("reports the newest supported date first when both limits are exceeded", () => {
      expect(compatError(() => resolve({ compatibilityDate: "2099-01-01" }))).toBe(
        `This Worker requires compatibility date "2099-01-01", but the newest date supported by this server binary is "${SUPPORTED_COMPATIBILITY_DATE}".`,
      );
    });

    it("accepts today's date and the newest supported date", () => {
      expect(resolve({ compatibilityDate: "2026-11-01", today: "2026-11-01" }).flags.userTracing).toBe(true);
      expect(resolve({ compatibilityDate: "2026-12-01", today: "2026-12-01", maxDate: "2026-12-01" }).warnings).toEqual(
        [],
      );
    });

    it("uses the UTC day of a Date given as today", () => {
      expect(
        compatError(() => resolve({ compatibilityDate: "2026-11-02", today: new Date("2026-11-01T23:59:59.999Z") })),
      ).toBe(`Can't set compatibility date in the future: "2026-11-02". Today's date (UTC) is "2026-11-01".`);
      expect(() =>
        resolve({ compatibilityDate: "2026-11-02", today: new Date("2026-11-02T00:00:00.000Z") }),
      ).not.toThrow();
    });

    it("reads the current time when today is not given", () => {
      vi.useFakeTimers();
      try {
        vi.setSystemTime(new Date("2026-06-01T12:00:00Z"));
        expect(compatError(() => resolveCompatibilityFlags({ compatibilityDate: "2026-06-02" }))).toBe(
          `Can't set compatibility date in the future: "2026-06-02". Today's date (UTC) is "2026-06-01".`,
        );
        expect(resolveCompatibilityFlags({ compatibilityDate: "2026-06-01" }).flags.userTracing).toBe(true);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  describe("flag names (step 3)", () => {
    it("rejects an unknown flag", () => {
      expect(() =>
        resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["nodejs_compat", "no_such_flag"] }),
      ).toThrowErrorMatchingInlineSnapshot(`[WorkersShimError: No such compatibility flag: no_such_flag]`);
    });

    it("rejects a flag listed twice", () => {
      expect(() =>
        resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["nodejs_compat", "nodejs_compat"] }),
      ).toThrowErrorMatchingInlineSnapshot(`[WorkersShimError: Compatibility flag specified multiple times: nodejs_compat]`);
    });

    it("reports a duplicate before an unknown flag listed earlier, as workerd does", () => {
      expect(
        compatError(() =>
          resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["no_such_flag", "user_tracing", "user_tracing"] }),
        ),
      ).toBe("Compatibility flag specified multiple times: user_tracing");
    });

    it("treats flag names as case-sensitive", () => {
      expect(
        compatError(() => resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["NodeJS_Compat"] })),
      ).toBe("No such compatibility flag: NodeJS_Compat");
    });
  });

  describe("field values (step 4)", () => {
    it("rejects an enable flag together with its disable flag", () => {
      expect(() =>
        resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["no_nodejs_compat", "nodejs_compat"] }),
      ).toThrowErrorMatchingInlineSnapshot(`[WorkersShimError: Compatibility flags are mutually contradictory: nodejs_compat vs no_nodejs_compat]`);
    });

    it("rejects the experimental flag without --experimental", () => {
      expect(() =>
        resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["experimental"] }),
      ).toThrowErrorMatchingInlineSnapshot(`[WorkersShimError: The compatibility flag experimental is experimental and may break or be removed in a future version of workerd. To use this flag, you must pass --experimental on the command line.]`);
    });

    it.for(["service_binding_extra_handlers", "streaming_tail_worker", "tail_worker_user_spans"])(
      "rejects the experimental flag %s without --experimental",
      (flag) => {
        expect(compatError(() => resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: [flag] }))).toBe(
          `The compatibility flag ${flag} is experimental and may break or be removed in a future version of workerd. To use this flag, you must pass --experimental on the command line.`,
        );
      },
    );

    it("accepts experimental flags with --experimental", () => {
      const { flags, warnings } = resolve({
        compatibilityDate: "2026-11-01",
        compatibilityFlags: ["experimental", "service_binding_extra_handlers", "streaming_tail_worker", "tail_worker_user_spans"],
        experimental: true,
      });
      expect(flags).toMatchObject({
        workerdExperimental: true,
        serviceBindingExtraHandlers: true,
        streamingTailWorker: true,
        tailWorkerUserSpans: true,
      });
      expect(warnings).toEqual([]);
    });

    it("warns about an enable flag that the date already turns on", () => {
      expect(
        resolve({ compatibilityDate: "2026-08-04", compatibilityFlags: ["nodejs_compat_v2", "user_tracing"] }).warnings,
      ).toMatchInlineSnapshot(`
        [
          "The compatibility flag nodejs_compat_v2 became the default as of 2026-08-04 so does not need to be specified anymore.",
          "The compatibility flag user_tracing became the default as of 2026-05-29 so does not need to be specified anymore.",
        ]
      `);
    });

    it("does not warn about an enable flag before its date", () => {
      const { flags, warnings } = resolve({ compatibilityDate: "2026-08-03", compatibilityFlags: ["nodejs_compat_v2"] });
      expect(flags.nodejsCompatV2).toBe(true);
      expect(warnings).toEqual([]);
    });

    it("does not warn about a redundant disable flag", () => {
      const { flags, warnings } = resolve({ compatibilityDate: "2024-01-01", compatibilityFlags: ["no_nodejs_compat_v2"] });
      expect(flags.nodejsCompatV2).toBe(false);
      expect(warnings).toEqual([]);
    });

    it("lets the disable flag override the date", () => {
      const { flags } = resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["no_nodejs_compat_v2"] });
      expect(flags.nodejsCompatV2).toBe(false);
      expect(resolve({ compatibilityDate: "2026-11-01" }).flags.nodejsCompatV2).toBe(true);
    });

    it("uses the all-dates wording for a field on at every date", () => {
      const registry: CompatFlagDefinition<"always">[] = [
        { field: "always", enableFlag: "always_on", enableAllDates: true, description: "On at every date." },
      ];
      const result = resolveWithRegistry(registry, {
        compatibilityDate: "2020-01-01",
        compatibilityFlags: ["always_on"],
        today: TODAY,
      });
      expect(result.flags.always).toBe(true);
      expect(result.warnings).toEqual([
        "The compatibility flag always_on is the default, so does not need to be specified anymore.",
      ]);
    });

    it("reports the first problem in declaration order", () => {
      // nodejsCompat is declared before serviceBindingExtraHandlers.
      expect(
        compatError(() =>
          resolve({
            compatibilityDate: "2026-11-01",
            compatibilityFlags: ["service_binding_extra_handlers", "nodejs_compat", "no_nodejs_compat"],
          }),
        ),
      ).toBe("Compatibility flags are mutually contradictory: nodejs_compat vs no_nodejs_compat");
    });
  });

  describe("implications (step 5)", () => {
    it("turns nodejs_compat_v2 on with nodejs_compat from 2024-09-23", () => {
      const on = resolve({ compatibilityDate: "2024-09-23", compatibilityFlags: ["nodejs_compat"] });
      expect(on.flags).toMatchObject({ nodejsCompat: true, nodejsCompatV2: true });
      expect(on.warnings).toEqual([]);
      const before = resolve({ compatibilityDate: "2024-09-22", compatibilityFlags: ["nodejs_compat"] });
      expect(before.flags).toMatchObject({ nodejsCompat: true, nodejsCompatV2: false });
    });

    it("does not imply a field whose disable flag is listed", () => {
      const { flags } = resolve({
        compatibilityDate: "2025-01-01",
        compatibilityFlags: ["nodejs_compat", "no_nodejs_compat_v2"],
      });
      expect(flags).toMatchObject({ nodejsCompat: true, nodejsCompatV2: false });
    });

    it("makes one pass in declaration order, so only earlier fields can imply later ones", () => {
      const implied = { date: "2020-01-01" };
      const registry: CompatFlagDefinition<"a" | "b" | "c" | "d">[] = [
        { field: "a", enableFlag: "flag_a", description: "Root." },
        { field: "b", enableFlag: "flag_b", impliedByAfterDate: { ...implied, names: ["a"] }, description: "From a." },
        // c is implied by d, which is declared (and implied) after it: the chain stops here.
        { field: "c", enableFlag: "flag_c", impliedByAfterDate: { ...implied, names: ["d"] }, description: "From d." },
        { field: "d", enableFlag: "flag_d", impliedByAfterDate: { ...implied, names: ["b"] }, description: "From b." },
      ];
      const { flags } = resolveWithRegistry(registry, {
        compatibilityDate: "2026-01-01",
        compatibilityFlags: ["flag_a"],
        today: TODAY,
      });
      expect(flags).toEqual({ a: true, b: true, c: false, d: true });
    });
  });

  it("returns frozen flags and warnings in registry order", () => {
    const result = resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["user_tracing"] });
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.flags)).toBe(true);
    expect(Object.isFrozen(result.warnings)).toBe(true);
    expect(() => {
      (result.flags as { userTracing: boolean }).userTracing = false;
    }).toThrow(TypeError);
    expect(Object.keys(result.flags)).toEqual(COMPAT_FLAG_REGISTRY.map((entry) => entry.field));
    expect(result.flags).toMatchInlineSnapshot(`
      {
        "nodejsCompat": false,
        "nodejsCompatV2": true,
        "serviceBindingExtraHandlers": false,
        "streamingTailWorker": false,
        "tailWorkerUserSpans": false,
        "userTracing": true,
        "workerdExperimental": false,
      }
    `);
  });

  it("resolves everything off at an old date with no flags", () => {
    const { flags } = resolve({ compatibilityDate: "2021-05-01" });
    expect(Object.values(flags).every((value) => !value)).toBe(true);
  });
});

describe(isTracingEnabled.name, () => {
  it.for([
    { date: "2026-05-28", flags: [], experimental: false, enabled: false },
    { date: "2026-05-29", flags: [], experimental: false, enabled: true },
    { date: "2026-11-01", flags: [], experimental: false, enabled: true },
    { date: "2024-01-01", flags: [], experimental: true, enabled: false },
    { date: "2026-05-28", flags: ["user_tracing"], experimental: false, enabled: true },
    { date: "2024-01-01", flags: ["user_tracing"], experimental: false, enabled: true },
    { date: "2026-05-28", flags: ["experimental"], experimental: true, enabled: true },
    { date: "2026-05-29", flags: ["experimental"], experimental: true, enabled: true },
    { date: "2026-05-29", flags: ["user_tracing"], experimental: false, enabled: true },
  ])("is $enabled at $date with flags $flags", ({ date, flags, experimental, enabled }) => {
    const resolved = resolve({ compatibilityDate: date, compatibilityFlags: flags, experimental });
    expect(isTracingEnabled(resolved.flags)).toBe(enabled);
  });

  it("flags user_tracing as redundant from 2026-05-29", () => {
    expect(resolve({ compatibilityDate: "2026-05-29", compatibilityFlags: ["user_tracing"] }).warnings).toEqual([
      "The compatibility flag user_tracing became the default as of 2026-05-29 so does not need to be specified anymore.",
    ]);
    expect(resolve({ compatibilityDate: "2026-05-28", compatibilityFlags: ["user_tracing"] }).warnings).toEqual([]);
  });
});

describe("COMPAT_FLAG_REGISTRY", () => {
  it("declares each field and flag name once", () => {
    const fields = COMPAT_FLAG_REGISTRY.map((entry) => entry.field);
    expect(new Set(fields).size).toBe(fields.length);
    const names = COMPAT_FLAG_REGISTRY.flatMap((entry) =>
      entry.disableFlag === undefined ? [entry.enableFlag] : [entry.enableFlag, entry.disableFlag],
    );
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    for (const entry of COMPAT_FLAG_REGISTRY) {
      if (entry.disableFlag !== undefined) expect(entry.disableFlag).toBe(`no_${entry.enableFlag}`);
    }
  });

  it("implies fields only from fields declared earlier, with valid dates", () => {
    COMPAT_FLAG_REGISTRY.forEach((entry, index) => {
      const dates = [entry.enableDate, entry.impliedByAfterDate?.date].filter((date) => date !== undefined);
      for (const date of dates) {
        expect(() => resolve({ compatibilityDate: date, today: "2999-12-31", maxDate: "2999-12-31" })).not.toThrow();
      }
      const earlier = COMPAT_FLAG_REGISTRY.slice(0, index).map((other) => other.field);
      for (const name of entry.impliedByAfterDate?.names ?? []) expect(earlier).toContain(name);
    });
  });

  it("gates ctx.tracing with user_tracing, on by default from 2026-05-29", () => {
    expect(COMPAT_FLAG_REGISTRY.find((entry) => entry.field === "userTracing")).toMatchObject({
      enableFlag: "user_tracing",
      enableDate: "2026-05-29",
    });
    expect(COMPAT_FLAG_REGISTRY.find((entry) => entry.field === "workerdExperimental")).toEqual({
      field: "workerdExperimental",
      enableFlag: "experimental",
      experimental: true,
      description: expect.any(String),
    });
  });

  it("is frozen", () => {
    expect(Object.isFrozen(COMPAT_FLAG_REGISTRY)).toBe(true);
    for (const entry of COMPAT_FLAG_REGISTRY) {
      expect(Object.isFrozen(entry)).toBe(true);
      if (entry.impliedByAfterDate !== undefined) expect(Object.isFrozen(entry.impliedByAfterDate.names)).toBe(true);
    }
  });
});

describe(formatFlagTable.name, () => {
  it("lists every flag with its date, experimental mark, disable flag and description", () => {
    expect(formatFlagTable()).toMatchInlineSnapshot(`
      "FLAG                            DEFAULT ON  EXPERIMENTAL  DISABLE FLAG         DESCRIPTION
      experimental                    -           yes           -                    Turns on workerd's experimental features; also makes ctx.tracing a Tracing object at any compatibility date.
      nodejs_compat                   -           no            no_nodejs_compat     Enables the Node.js compatibility layer (node:* built-in modules).
      nodejs_compat_v2                2026-08-04  no            no_nodejs_compat_v2  Enables version 2 of the Node.js compatibility layer (adds Node.js globals such as process and Buffer). Implied by nodejs_compat from 2024-09-23.
      service_binding_extra_handlers  -           yes           -                    Gives service bindings .scheduled() and .queue() methods that call the target's scheduled() and queue() handlers.
      streaming_tail_worker           -           yes           -                    Obsolete, has no effect: streaming tail workers need no flag; kept so old configs still load.
      tail_worker_user_spans          -           yes           -                    Obsolete, has no effect: user spans reach streaming tail workers without a flag; kept so old configs still load.
      user_tracing                    2026-05-29  no            -                    Makes ctx.tracing a Tracing object; without it ctx.tracing is undefined (the cloudflare:workers tracing export is never gated)."
    `);
  });

  it("has one line per field plus a header and no trailing spaces", () => {
    const lines = formatFlagTable().split("\n");
    expect(lines).toHaveLength(COMPAT_FLAG_REGISTRY.length + 1);
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });
});
