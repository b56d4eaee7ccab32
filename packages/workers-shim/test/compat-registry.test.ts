import { describe, expect, it } from "vitest";
import { checkFacts, parseCapnpText, renderModule } from "../scripts/generate-compat-registry.mjs";
import { formatTable } from "../src/compat/format";
import { HONOURED_FIELDS, shimSupport } from "../src/compat/honoured";
import { OWN_FLAG_PREFIX, checkOwnFields } from "../src/compat/own-flags";
import type { OwnCompatFieldFacts } from "../src/compat/own-flags";
import { COMPAT_FLAG_REGISTRY, buildRegistry } from "../src/compat/registry";
import type { WorkerdCompatFieldFacts } from "../src/compat/registry-types";
import { explainWithRegistry, resolveWithRegistry } from "../src/compat/resolve";

const TODAY = "2026-11-23";

// A capnp text in the shape of workerd's compatibility-date.capnp (written for this test).
const CAPNP = `
@0xabcdefabcdefabcd;
struct ImpliedByAfterDate { name @0 :Text; date @1 :Text; }

struct CompatibilityFlags @0x8f8c1b68151b6cef {
  annotation compatEnableFlag @0xb6dabbc87cd1b03e (field) :Text;
  # Comments may mention $compatEnableFlag("not_a_flag") and @99 :Bool; they are ignored.

  alpha @0 :Bool
      $compatEnableFlag("alpha_on")
      $compatEnableDate("2021-01-01")
      $compatDisableFlag("alpha_off");

  obsolete1 @1 :Bool;

  beta @3 :Bool
      $compatEnableFlag("beta")
      $experimental;
      # $impliedByAfterDate(name = "alpha", date = "2020-01-01");

  late @9: Bool
      $compatEnableFlag("late");

  gamma @2 :Bool
      $compatEnableFlag("gamma-with-hyphens")
      $compatDisableFlag("no_gamma")
      $compatEnableAllDates
      $neededByFl;

  delta @4 :Bool
    $compatEnableFlag("delta")
    $impliedByAfterDate(names = ["alpha", "beta"], date = "2024-09-23");

  epsilon @5 :Bool
    $compatEnableFlag("epsilon")
    $compatEnableDate("2026-01-13")
    $impliedByAfterDate(name = "delta", date = "2026-01-13");
}
`;

describe("generate-compat-registry: the capnp text", () => {
  it("reads names, flags, dates, implications, experimental and obsolete fields in ordinal order", () => {
    expect(parseCapnpText(CAPNP)).toEqual([
      { field: "alpha", ordinal: 0, enableFlag: "alpha_on", enableDate: "2021-01-01", disableFlag: "alpha_off" },
      { field: "obsolete1", ordinal: 1, obsolete: true },
      { field: "gamma", ordinal: 2, enableFlag: "gamma-with-hyphens", disableFlag: "no_gamma", enableAllDates: true },
      { field: "beta", ordinal: 3, enableFlag: "beta", experimental: true },
      {
        field: "delta",
        ordinal: 4,
        enableFlag: "delta",
        impliedByAfterDate: { names: ["alpha", "beta"], date: "2024-09-23" },
      },
      {
        field: "epsilon",
        ordinal: 5,
        enableFlag: "epsilon",
        enableDate: "2026-01-13",
        impliedByAfterDate: { names: ["delta"], date: "2026-01-13" },
      },
      { field: "late", ordinal: 9, enableFlag: "late" },
    ]);
  });

  it("refuses a text without the CompatibilityFlags struct", () => {
    expect(() => parseCapnpText("struct Other { a @0 :Bool; }")).toThrow(
      "no `struct CompatibilityFlags { ... }` in the capnp text",
    );
  });

  it("checks the facts: unique flag names, valid dates, known implying fields", () => {
    expect(() => checkFacts(parseCapnpText(CAPNP))).not.toThrow();
    expect(() =>
      checkFacts([
        { field: "a", ordinal: 0, enableFlag: "x" },
        { field: "b", ordinal: 1, enableFlag: "y", disableFlag: "x" },
      ]),
    ).toThrow("flag x is declared twice");
    expect(() => checkFacts([{ field: "a", ordinal: 0, enableDate: "2021-1-1" }])).toThrow(
      "a: bad enable date 2021-1-1",
    );
    expect(() =>
      checkFacts([{ field: "a", ordinal: 0, impliedByAfterDate: { names: ["zeta"], date: "2021-01-01" } }]),
    ).toThrow("a: implied by unknown field zeta");
  });

  it("renders a data module that says it is generated and from which workerd", () => {
    const text = renderModule(parseCapnpText(CAPNP), {
      version: "1.2.3",
      description: "the text of a test file (workerd 1.2.3)",
    });
    expect(text.split("\n").slice(0, 4)).toEqual([
      "// GENERATED FILE, DO NOT EDIT. Re-generate from the pinned workerd with",
      "//   pnpm --filter @workers-tracing/workers-shim compat:generate",
      "// or: node packages/workers-shim/scripts/generate-compat-registry.mjs <workerd binary | compatibility-date.capnp>",
      "// Source: the text of a test file (workerd 1.2.3).",
    ]);
    expect(text).toContain('export const WORKERD_REGISTRY_VERSION = "1.2.3";');
    expect(text).toContain('  { field: "obsolete1", ordinal: 1, obsolete: true },');
    expect(text).toContain(
      '  { field: "delta", ordinal: 4, enableFlag: "delta", impliedByAfterDate: { names: ["alpha","beta"], date: "2024-09-23" } },',
    );
  });
});

/** workerd-like fields of a test registry. */
const WORKERD_TEST_FIELDS: readonly WorkerdCompatFieldFacts<"plain" | "dated">[] = [
  { field: "plain", ordinal: 0, enableFlag: "plain_on", disableFlag: "plain_off" },
  { field: "dated", ordinal: 1, enableFlag: "dated_on", enableDate: "2024-01-01" },
];

const OWN_TEST_FIELD: OwnCompatFieldFacts<"workersTracingExample"> = {
  field: "workersTracingExample",
  enableFlag: "workers_tracing_example",
  disableFlag: "workers_tracing_no_example",
  description: "An improvement for the test.",
};

describe("own workers_tracing_* fields", () => {
  const registry = buildRegistry<"plain" | "dated" | "workersTracingExample">(WORKERD_TEST_FIELDS, [OWN_TEST_FIELD]);

  it("come after workerd's fields, marked as the shim's own", () => {
    expect(registry.map((entry) => [entry.field, entry.owner])).toEqual([
      ["plain", "workerd"],
      ["dated", "workerd"],
      ["workersTracingExample", "workers-shim"],
    ]);
    expect(shimSupport(registry[2]!)).toBe("own");
    expect(formatTable(registry).split("\n")[3]).toMatch(
      /^workers_tracing_example +workers_tracing_no_example +- +- +own flag +workersTracingExample +An improvement for the test\.$/,
    );
  });

  it("are off by default at every date, on with the enable flag, off with the disable flag", () => {
    const resolve = (flags: string[]) =>
      resolveWithRegistry(registry, { compatibilityDate: "2026-11-01", compatibilityFlags: flags, today: TODAY }).flags;
    expect(resolve([]).workersTracingExample).toBe(false);
    expect(resolve(["workers_tracing_example"]).workersTracingExample).toBe(true);
    expect(resolve(["workers_tracing_no_example"]).workersTracingExample).toBe(false);
    expect(() => resolve(["workers_tracing_example", "workers_tracing_no_example"])).toThrow(
      "Compatibility flags are mutually contradictory: workers_tracing_example vs workers_tracing_no_example",
    );
  });

  it("must carry the workers_tracing_ prefix on both flags", () => {
    expect(OWN_FLAG_PREFIX).toBe("workers_tracing_");
    expect(() => checkOwnFields([{ ...OWN_TEST_FIELD, enableFlag: "tracing_example" }], WORKERD_TEST_FIELDS)).toThrow(
      'workers-shim: compatibility registry: own flag "tracing_example" of field "workersTracingExample" must start with "workers_tracing_" (names workerd does not know are reserved for them)',
    );
    expect(() => checkOwnFields([{ ...OWN_TEST_FIELD, disableFlag: "no_example" }], WORKERD_TEST_FIELDS)).toThrow(
      'own flag "no_example" of field "workersTracingExample" must start with "workers_tracing_"',
    );
    expect(() => checkOwnFields([{ ...OWN_TEST_FIELD, enableFlag: "workers_tracing_" }], WORKERD_TEST_FIELDS)).toThrow(
      'own flag "workers_tracing_" of field',
    );
  });

  it("may not reuse a workerd field or flag name, nor each other's", () => {
    expect(() => checkOwnFields([{ ...OWN_TEST_FIELD, field: "plain" }], WORKERD_TEST_FIELDS)).toThrow(
      'own field "plain" clashes with a workerd field of that name',
    );
    const workerdWithPrefix = [
      ...WORKERD_TEST_FIELDS,
      { field: "odd", ordinal: 2, enableFlag: "workers_tracing_example" },
    ];
    expect(() => checkOwnFields([OWN_TEST_FIELD], workerdWithPrefix)).toThrow(
      'own flag "workers_tracing_example" of field "workersTracingExample" is already used',
    );
    expect(() =>
      checkOwnFields([OWN_TEST_FIELD, { ...OWN_TEST_FIELD, field: "workersTracingOther" }], WORKERD_TEST_FIELDS),
    ).toThrow('own flag "workers_tracing_example" of field "workersTracingOther" is already used');
  });

  it("are checked when the real registry is built, and none is a name workerd knows", () => {
    const own = COMPAT_FLAG_REGISTRY.filter((entry) => entry.owner === "workers-shim");
    expect(() =>
      checkOwnFields(
        own.map((entry) => ({
          field: entry.field,
          enableFlag: entry.enableFlag ?? "",
          disableFlag: entry.disableFlag ?? "",
          description: entry.description ?? "",
        })),
        COMPAT_FLAG_REGISTRY.filter((entry) => entry.owner === "workerd"),
      ),
    ).not.toThrow();
  });
});

describe(explainWithRegistry.name, () => {
  const resolve = (date: string, flags: string[]) =>
    explainWithRegistry(COMPAT_FLAG_REGISTRY, { compatibilityDate: date, compatibilityFlags: flags, today: TODAY })
      .reasons;

  it("says why each field has its value", () => {
    const reasons = resolve("2024-09-23", ["nodejs_compat", "url_original", "rpc"]);
    expect(reasons.nodeJsCompat).toEqual({ kind: "flag", flag: "nodejs_compat" });
    expect(reasons.nodeJsCompatV2).toEqual({ kind: "implied", by: "nodeJsCompat", date: "2024-09-23" });
    expect(reasons.nodeJsZlib).toEqual({ kind: "implied", by: "nodeJsCompat", date: "2024-09-23" });
    expect(reasons.specCompliantUrl).toEqual({ kind: "disableFlag", flag: "url_original" });
    expect(reasons.fetcherRpc).toEqual({ kind: "flag", flag: "rpc" });
    expect(reasons.globalNavigator).toEqual({ kind: "date", date: "2022-03-21" });
    expect(reasons.r2PublicBetaApi).toEqual({ kind: "allDates" });
    expect(reasons.workerdExperimental).toEqual({ kind: "default" });
    expect(Object.isFrozen(reasons)).toBe(true);
  });

  it("gives the same values as resolveWithRegistry", () => {
    const input = { compatibilityDate: "2025-09-15", compatibilityFlags: ["nodejs_compat"], today: TODAY };
    expect(explainWithRegistry(COMPAT_FLAG_REGISTRY, input).flags).toEqual(
      resolveWithRegistry(COMPAT_FLAG_REGISTRY, input).flags,
    );
  });
});

describe("HONOURED_FIELDS", () => {
  it("names workerd fields that exist and are not obsolete", () => {
    for (const field of Object.keys(HONOURED_FIELDS)) {
      const entry = COMPAT_FLAG_REGISTRY.find((candidate) => candidate.field === field);
      expect(entry, field).toBeDefined();
      expect(shimSupport(entry!)).toBe("honoured");
    }
    expect(Object.keys(HONOURED_FIELDS).sort()).toEqual([
      "nodeJsCompat",
      "nodeJsCompatV2",
      "serviceBindingExtraHandlers",
      "workerdExperimental",
    ]);
  });
});
