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
      ).toThrowErrorMatchingInlineSnapshot(
        `[WorkersShimError: This Worker requires compatibility date "2099-01-01", but the newest date supported by this server binary is "2026-11-23".]`,
      );
    });

    it("rejects a date in the future", () => {
      expect(() =>
        resolve({ compatibilityDate: "2026-11-02", today: "2026-11-01" }),
      ).toThrowErrorMatchingInlineSnapshot(
        `[WorkersShimError: Can't set compatibility date in the future: "2026-11-02". Today's date (UTC) is "2026-11-01".]`,
      );
    });

    it("reports the newest supported date first when both limits are exceeded", () => {
      expect(compatError(() => resolve({ compatibilityDate: "2099-01-01" }))).toBe(
        `This Worker requires compatibility date "2099-01-01", but the newest date supported by this server binary is "${SUPPORTED_COMPATIBILITY_DATE}".`,
      );
    });

    it("accepts today's date and the newest supported date", () => {
      expect(resolve({ compatibilityDate: "2026-11-01", today: "2026-11-01" }).flags.nodeJsCompat).toBe(true);
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
        expect(resolveCompatibilityFlags({ compatibilityDate: "2026-06-01" }).flags.nodeJsCompat).toBe(false);
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
      ).toThrowErrorMatchingInlineSnapshot(
        `[WorkersShimError: Compatibility flag specified multiple times: nodejs_compat]`,
      );
    });

    it("reports a duplicate before an unknown flag listed earlier, as workerd does", () => {
      expect(
        compatError(() =>
          resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["no_such_flag", "rpc", "rpc"] }),
        ),
      ).toBe("Compatibility flag specified multiple times: rpc");
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
      ).toThrowErrorMatchingInlineSnapshot(
        `[WorkersShimError: Compatibility flags are mutually contradictory: nodejs_compat vs no_nodejs_compat]`,
      );
    });

    it("rejects the experimental flag without --experimental", () => {
      expect(() =>
        resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["experimental"] }),
      ).toThrowErrorMatchingInlineSnapshot(
        `[WorkersShimError: The compatibility flag experimental is experimental and may break or be removed in a future version of workerd. To use this flag, you must pass --experimental on the command line.]`,
      );
    });

    it.for(["service_binding_extra_handlers", "streaming_tail_worker", "tail_worker_user_spans", "precise_timers"])(
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
        compatibilityFlags: [
          "experimental",
          "service_binding_extra_handlers",
          "streaming_tail_worker",
          "tail_worker_user_spans",
        ],
        experimental: true,
      });
      expect(flags).toMatchObject({
        workerdExperimental: true,
        serviceBindingExtraHandlers: true,
        obsolete82: true,
        obsolete69: true,
      });
      expect(warnings).toEqual([]);
    });

    it("warns about an enable flag that the date already turns on", () => {
      expect(
        resolve({
          compatibilityDate: "2026-08-04",
          compatibilityFlags: ["nodejs_compat_v2", "rpc", "r2_public_beta_bindings"],
        }).warnings,
      ).toMatchInlineSnapshot(`
        [
          "The compatibility flag r2_public_beta_bindings is the default, so does not need to be specified anymore.",
          "The compatibility flag rpc became the default as of 2024-04-03 so does not need to be specified anymore.",
          "The compatibility flag nodejs_compat_v2 became the default as of 2026-08-04 so does not need to be specified anymore.",
        ]
      `);
    });

    it("does not warn about an enable flag before its date", () => {
      const { flags, warnings } = resolve({
        compatibilityDate: "2026-08-03",
        compatibilityFlags: ["nodejs_compat_v2"],
      });
      expect(flags.nodeJsCompatV2).toBe(true);
      expect(warnings).toEqual([]);
    });

    it("does not warn about a redundant disable flag", () => {
      const { flags, warnings } = resolve({
        compatibilityDate: "2024-01-01",
        compatibilityFlags: ["no_nodejs_compat_v2"],
      });
      expect(flags.nodeJsCompatV2).toBe(false);
      expect(warnings).toEqual([]);
    });

    it("lets the disable flag override the date", () => {
      const { flags } = resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["no_nodejs_compat_v2"] });
      expect(flags.nodeJsCompatV2).toBe(false);
      expect(resolve({ compatibilityDate: "2026-11-01" }).flags.nodeJsCompatV2).toBe(true);
    });

    it("uses the all-dates wording for a field on at every date", () => {
      const registry: CompatFlagDefinition<"always">[] = [
        { field: "always", owner: "workerd", enableFlag: "always_on", enableAllDates: true },
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
      // nodeJsCompat (@21) comes before serviceBindingExtraHandlers (@28).
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
      expect(on.flags).toMatchObject({ nodeJsCompat: true, nodeJsCompatV2: true });
      expect(on.warnings).toEqual([]);
      const before = resolve({ compatibilityDate: "2024-09-22", compatibilityFlags: ["nodejs_compat"] });
      expect(before.flags).toMatchObject({ nodeJsCompat: true, nodeJsCompatV2: false });
    });

    it("does not imply a field whose disable flag is listed", () => {
      const { flags } = resolve({
        compatibilityDate: "2025-01-01",
        compatibilityFlags: ["nodejs_compat", "no_nodejs_compat_v2"],
      });
      expect(flags).toMatchObject({ nodeJsCompat: true, nodeJsCompatV2: false });
    });

    it("makes one pass in declaration order, so only earlier fields can imply later ones", () => {
      const implied = { date: "2020-01-01" };
      const registry: CompatFlagDefinition<"a" | "b" | "c" | "d">[] = [
        { field: "a", owner: "workerd", enableFlag: "flag_a" },
        { field: "b", owner: "workerd", enableFlag: "flag_b", impliedByAfterDate: { ...implied, names: ["a"] } },
        // c is implied by d, which is declared (and implied) after it: the chain stops here.
        { field: "c", owner: "workerd", enableFlag: "flag_c", impliedByAfterDate: { ...implied, names: ["d"] } },
        { field: "d", owner: "workerd", enableFlag: "flag_d", impliedByAfterDate: { ...implied, names: ["b"] } },
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
    const result = resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["rpc"] });
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.flags)).toBe(true);
    expect(Object.isFrozen(result.warnings)).toBe(true);
    expect(() => {
      (result.flags as { fetcherRpc: boolean }).fetcherRpc = false;
    }).toThrow(TypeError);
    expect(Object.keys(result.flags)).toEqual(COMPAT_FLAG_REGISTRY.map((entry) => entry.field));
    expect(result.flags).toMatchObject({
      nodeJsCompat: true,
      nodeJsCompatV2: true,
      fetcherRpc: true,
      workerdExperimental: false,
      serviceBindingExtraHandlers: false,
    });
  });

  it("resolves only all-dates fields on at the oldest date with no flags", () => {
    const { flags } = resolve({ compatibilityDate: "2000-01-01" });
    const on = Object.entries(flags).flatMap(([field, value]) => (value ? [field] : []));
    expect(on).toEqual(
      COMPAT_FLAG_REGISTRY.filter((entry) => entry.enableAllDates === true).map((entry) => entry.field),
    );
    expect(on).toEqual(["r2PublicBetaApi"]);
  });

  it("accepts the flags of real configs that the first registry refused", () => {
    const { flags } = resolve({
      compatibilityDate: "2022-01-01",
      compatibilityFlags: [
        "rpc",
        "precise_timers",
        "streams_enable_constructors",
        "transformstream_enable_standard_constructor",
      ],
      experimental: true,
    });
    expect(flags).toMatchObject({
      fetcherRpc: true,
      preciseTimers: true,
      streamsJavaScriptControllers: true,
      transformStreamJavaScriptControllers: true,
    });
  });

  it("accepts an obsolete field's enable flag, with no field value of its own to honour", () => {
    const { flags, warnings } = resolve({
      compatibilityDate: "2026-01-01",
      compatibilityFlags: ["durable_object_alarms"],
    });
    expect(flags.obsolete14).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("leaves a field without an enable flag off, and no flag name can reach it", () => {
    const obsolete3 = COMPAT_FLAG_REGISTRY.find((entry) => entry.field === "obsolete3");
    expect(obsolete3).toEqual({ field: "obsolete3", owner: "workerd", obsolete: true });
    expect(resolve({ compatibilityDate: "2026-11-01" }).flags.obsolete3).toBe(false);
    expect(compatError(() => resolve({ compatibilityDate: "2026-11-01", compatibilityFlags: ["obsolete3"] }))).toBe(
      "No such compatibility flag: obsolete3",
    );
  });
});

describe(isTracingEnabled.name, () => {
  it.for([
    { date: "2026-05-28", flags: [], experimental: false, head: true, seed: false },
    { date: "2026-05-29", flags: [], experimental: false, head: true, seed: false },
    { date: "2024-01-01", flags: [], experimental: true, head: true, seed: false },
    { date: "2026-05-28", flags: ["experimental"], experimental: true, head: true, seed: true },
    { date: "2026-11-01", flags: ["experimental"], experimental: true, head: true, seed: true },
  ])("is $head (head) and $seed (seed) at $date with flags $flags", ({ date, flags, experimental, head, seed }) => {
    const resolved = resolve({ compatibilityDate: date, compatibilityFlags: flags, experimental });
    expect(isTracingEnabled(resolved.flags)).toBe(head);
    expect(isTracingEnabled(resolved.flags, "head")).toBe(head);
    expect(isTracingEnabled(resolved.flags, "seed")).toBe(seed);
  });

  it("refuses the invented user_tracing flag, as workerd does", () => {
    expect(compatError(() => resolve({ compatibilityDate: "2026-05-28", compatibilityFlags: ["user_tracing"] }))).toBe(
      "No such compatibility flag: user_tracing",
    );
  });
});

describe("COMPAT_FLAG_REGISTRY", () => {
  it("declares each field and flag name once", () => {
    const fields = COMPAT_FLAG_REGISTRY.map((entry) => entry.field);
    expect(new Set(fields).size).toBe(fields.length);
    const names = COMPAT_FLAG_REGISTRY.flatMap((entry) =>
      [entry.enableFlag, entry.disableFlag].filter((name) => name !== undefined),
    );
    expect(new Set(names).size).toBe(names.length);
    // workerd's names are snake_case, except a few with hyphens (fixup-transform-stream-backpressure).
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9_-]*$/);
  });

  it("has workerd's fields first, then only own fields with the workers_tracing_ prefix and no date", () => {
    const firstOwn = COMPAT_FLAG_REGISTRY.findIndex((entry) => entry.owner === "workers-shim");
    const own = firstOwn < 0 ? [] : COMPAT_FLAG_REGISTRY.slice(firstOwn);
    for (const entry of own) {
      expect(entry.owner).toBe("workers-shim");
      expect(entry.enableFlag).toMatch(/^workers_tracing_/);
      expect(entry.disableFlag).toMatch(/^workers_tracing_/);
      expect(entry.enableDate).toBeUndefined();
    }
    expect(COMPAT_FLAG_REGISTRY.filter((entry) => entry.owner === "workerd")).toHaveLength(210);
  });

  it("implies fields only from known fields, with valid dates", () => {
    const fields = new Set(COMPAT_FLAG_REGISTRY.map((entry) => entry.field));
    for (const entry of COMPAT_FLAG_REGISTRY) {
      const dates = [entry.enableDate, entry.impliedByAfterDate?.date].filter((date) => date !== undefined);
      for (const date of dates) {
        expect(() => resolve({ compatibilityDate: date, today: "2999-12-31", maxDate: "2999-12-31" })).not.toThrow();
      }
      for (const name of entry.impliedByAfterDate?.names ?? []) expect(fields).toContain(name);
    }
  });

  it("has no workerd tracing field: the ctx.tracing gate belongs to the profile", () => {
    expect(COMPAT_FLAG_REGISTRY.filter((entry) => entry.owner === "workerd" && /tracing/i.test(entry.field))).toEqual(
      [],
    );
    expect(COMPAT_FLAG_REGISTRY.find((entry) => entry.field === "workerdExperimental")).toEqual({
      field: "workerdExperimental",
      owner: "workerd",
      enableFlag: "experimental",
      experimental: true,
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
  it("starts with a summary and a legend, then one row per field", () => {
    const lines = formatFlagTable().split("\n");
    expect(lines.slice(0, 2)).toMatchInlineSnapshot(`
      [
        "210 workerd fields (from workerd 1.20261123.1) and 5 own fields: 4 honoured, 194 accepted with no effect, 12 obsolete.",
        "IN WORKERS-SHIM: "honoured" = implemented in behaviour; "accepted, no effect" = accepted, no effect in workers-shim; "obsolete" = no effect in workerd either; "own flag" = a workers-shim improvement (workers_tracing_*).",
      ]
    `);
    expect(lines[3]).toMatch(/^ENABLE FLAG +DISABLE FLAG +DEFAULT ON +EXPERIMENTAL +IN WORKERS-SHIM +FIELD +NOTES$/);
    expect(lines).toHaveLength(COMPAT_FLAG_REGISTRY.length + 4);
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });

  it("shows each field's flags, date, experimental mark, support in the shim and implication", () => {
    const rows = new Map(
      formatFlagTable()
        .split("\n")
        .slice(4)
        .map((line) => [line.split(/ {2,}/).at(0)!, line.split(/ {2,}/)] as const),
    );
    expect(rows.get("nodejs_compat_v2")).toEqual([
      "nodejs_compat_v2",
      "no_nodejs_compat_v2",
      "2026-08-04",
      "-",
      "honoured",
      "nodeJsCompatV2",
      "implied by nodejs_compat from 2024-09-23",
    ]);
    expect(rows.get("rpc")).toEqual(["rpc", "no_rpc", "2024-04-03", "-", "accepted, no effect", "fetcherRpc"]);
    expect(rows.get("experimental")).toEqual(["experimental", "-", "-", "yes", "honoured", "workerdExperimental"]);
    expect(rows.get("durable_object_alarms")).toEqual([
      "durable_object_alarms",
      "-",
      "-",
      "-",
      "obsolete",
      "obsolete14",
    ]);
    expect(rows.get("r2_public_beta_bindings")?.[2]).toBe("all dates");
    expect(rows.get("-")).toEqual(["-", "-", "-", "yes", "obsolete", "obsolete63"]);
  });
});
