// Tests of the pure parts of workerd-upgrade.mjs (node:test; no network, no workerd).
// Run: node --test tooling/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  binaryDate,
  failedScenarios,
  formatReport,
  parseArgs,
  pickWorkersTypesVersion,
  pinnedDependency,
  pinnedVersion,
  reportOk,
  setPinnedDependency,
  setPinnedVersion,
  summariseGoldenChanges,
  supportedDate,
} from "./workerd-upgrade.mjs";

test("parseArgs takes one version, --no-install and a leading --", () => {
  assert.deepEqual(parseArgs(["1.20261123.1"]), { version: "1.20261123.1", date: "2026-11-23", install: true });
  assert.deepEqual(parseArgs(["--", "--no-install", "1.20270101.12"]), {
    version: "1.20270101.12",
    date: "2027-01-01",
    install: false,
  });
  assert.deepEqual(parseArgs(["--help"]), { help: true });
});

test("parseArgs refuses a missing, malformed or second version and unknown options", () => {
  assert.throws(
    () => parseArgs([]),
    /^Error: workerd-upgrade: missing the workerd version\. usage: pnpm workerd:upgrade/,
  );
  for (const bad of [
    "latest",
    "2026-11-23",
    "1.2026112.1",
    "1.20261123",
    "^1.20261123.1",
    "1.20261131.1",
    "1.20261323.1",
  ]) {
    assert.throws(
      () => parseArgs([bad]),
      new RegExp(
        `expected a workerd npm version such as 1\\.20261123\\.1, received "${bad.replace(/[.^]/g, "\\$&")}"\\.$`,
      ),
    );
  }
  assert.throws(
    () => parseArgs(["1.20261123.1", "1.20261124.1"]),
    /expected one version, received "1\.20261123\.1" and "1\.20261124\.1"\./,
  );
  assert.throws(() => parseArgs(["--force", "1.20261123.1"]), /unknown option "--force"/);
});

test("pinnedVersion and setPinnedVersion read and replace the workerd pin, keeping the formatting", () => {
  const text = '{\n  "devDependencies": {\n    "workerd": "1.20261117.1"\n  }\n}\n';
  assert.equal(pinnedVersion(text), "1.20261117.1");
  assert.equal(setPinnedVersion(text, "1.20261123.1"), text.replace("1.20261117.1", "1.20261123.1"));
  assert.equal(pinnedVersion('{"devDependencies":{}}'), undefined);
});

test("pinnedDependency and setPinnedDependency read and replace a scoped package's pin only", () => {
  const text =
    '{\n  "devDependencies": {\n    "@cloudflare/workers-types": "5.20261113.1",\n    "workerd": "1.20261117.1"\n  }\n}\n';
  assert.equal(pinnedDependency(text, "@cloudflare/workers-types"), "5.20261113.1");
  assert.equal(
    setPinnedDependency(text, "@cloudflare/workers-types", "5.20261117.1"),
    text.replace("5.20261113.1", "5.20261117.1"),
  );
  assert.equal(pinnedVersion(text), "1.20261117.1");
  assert.equal(
    pinnedDependency('{"devDependencies":{"@cloudflare/workers-typesX":"1"}}', "@cloudflare/workers-types"),
    undefined,
  );
});

test("pickWorkersTypesVersion takes the newest workers-types not dated after the workerd version", () => {
  const versions = [
    "4.20250101.0",
    "5.20261113.1",
    "5.20261117.1",
    "5.20261117.2",
    "5.20261124.1",
    "5.20261120.1-beta.0",
  ];
  assert.equal(pickWorkersTypesVersion(versions, "1.20261123.1"), "5.20261117.2");
  assert.equal(pickWorkersTypesVersion(versions, "1.20261124.3"), "5.20261124.1");
  assert.equal(pickWorkersTypesVersion(versions, "1.20261117.1"), "5.20261117.2");
  assert.equal(pickWorkersTypesVersion(versions, "1.20261101.1"), undefined);
  assert.equal(pickWorkersTypesVersion(versions, "latest"), undefined);
});

test("binaryDate and supportedDate find the two dates to compare", () => {
  assert.equal(binaryDate("workerd 2026-11-23\n"), "2026-11-23");
  assert.equal(binaryDate("sh: workerd: not found"), undefined);
  assert.equal(supportedDate('export const SUPPORTED_COMPATIBILITY_DATE = "2026-11-23";'), "2026-11-23");
  assert.equal(supportedDate('export const OTHER = "2026-11-23";'), undefined);
});

const golden = (version, events) =>
  [
    "{",
    '  "format": "workerd-streaming-tail-conformance/v1",',
    `  "workerd": "workerd ${version}",`,
    ...events.map((e) => `        ${e},`),
    "}",
  ].join("\n");

test("summariseGoldenChanges tells version-only, changed, added and removed goldens apart", () => {
  const before = new Map([
    ["same", golden("2026-11-17", ['{"type":"onset"}'])],
    ["version", golden("2026-11-17", ['{"type":"onset"}', '{"type":"outcome"}'])],
    ["changed", golden("2026-11-17", ['{"type":"onset"}', '{"type":"log","message":["a"]}', '{"type":"outcome"}'])],
    ["gone", golden("2026-11-17", ['{"type":"onset"}'])],
  ]);
  const after = new Map([
    ["same", before.get("same")],
    ["version", golden("2026-11-23", ['{"type":"onset"}', '{"type":"outcome"}'])],
    [
      "changed",
      golden("2026-11-23", [
        '{"type":"onset"}',
        '{"type":"log","message":["b"]}',
        '{"type":"spanLinks"}',
        '{"type":"outcome"}',
      ]),
    ],
    ["new", golden("2026-11-23", ['{"type":"onset"}'])],
  ]);
  assert.deepEqual(summariseGoldenChanges(before, after), [
    {
      name: "changed",
      kind: "changed",
      added: 2,
      removed: 1,
      sample: ['- {"type":"log","message":["a"]},', '+ {"type":"log","message":["b"]},', '+ {"type":"spanLinks"},'],
    },
    { name: "gone", kind: "removed", added: 0, removed: 5, sample: [] },
    { name: "new", kind: "added", added: 5, removed: 0, sample: [] },
    { name: "version", kind: "version-only", added: 0, removed: 0, sample: [] },
  ]);
});

test("summariseGoldenChanges counts repeated lines as a multiset and cuts long sample lines", () => {
  const long = `{"type":"log","message":["${"x".repeat(300)}"]}`;
  const changes = summariseGoldenChanges(
    new Map([["g", golden("a", ['{"a":1}', '{"a":1}'])]]),
    new Map([["g", golden("a", ['{"a":1}', long])]]),
  );
  assert.equal(changes[0].added, 1);
  assert.equal(changes[0].removed, 1);
  assert.equal(changes[0].sample[1].length, 2 + 160);
  assert.ok(changes[0].sample[1].endsWith("..."));
});

const baseReport = {
  from: "1.20261117.1",
  to: "1.20261123.1",
  binaryVersion: "workerd 2026-11-23",
  recordOk: true,
  goldens: [
    { name: "a", kind: "version-only", added: 0, removed: 0, sample: [] },
    { name: "b", kind: "changed", added: 1, removed: 1, sample: ["- old", "+ new"] },
  ],
  shared: { ok: true, summary: "conformance: 27/27 scenarios match", failures: [] },
  workersTypes: {
    from: "5.20261113.1",
    to: "5.20261117.1",
    note: "the newest published on or before 2026-11-23",
    lookupOk: true,
    tests: { ok: true, summary: "passed (typecheck of core-context, user-tracing)" },
  },
  registry: { ok: undefined, summary: "NOT RUN: packages/workers-shim/test/compat-registry-workerd.test.ts is absent" },
  dates: { binary: "2026-11-23", supported: "2026-11-23" },
};

test("reportOk fails on a failed check or a date mismatch, not on an absent registry test", () => {
  assert.equal(reportOk(baseReport), true);
  assert.equal(reportOk({ ...baseReport, recordOk: false }), false);
  assert.equal(reportOk({ ...baseReport, shared: { ok: false, summary: "x" } }), false);
  assert.equal(reportOk({ ...baseReport, registry: { ok: false, summary: "FAILED" } }), false);
  const types = baseReport.workersTypes;
  assert.equal(reportOk({ ...baseReport, workersTypes: { ...types, lookupOk: false } }), false);
  assert.equal(reportOk({ ...baseReport, workersTypes: { ...types, tests: { ok: false, summary: "FAILED" } } }), false);
  assert.equal(reportOk({ ...baseReport, dates: { binary: "2026-11-23", supported: "2026-11-17" } }), false);
  assert.equal(reportOk({ ...baseReport, dates: { binary: undefined, supported: "2026-11-17" } }), false);
});

test("formatReport lists the changed goldens, every check and the verdict", () => {
  const text = formatReport({ ...baseReport, ok: true });
  assert.equal(
    text,
    [
      "workerd 1.20261117.1 -> 1.20261123.1 (workerd 2026-11-23)",
      "",
      "own goldens: re-recorded; 1 changed, 1 with only the workerd version line changed",
      "  changed b: +1 -1 lines",
      "      - old",
      "      + new",
      "shared goldens: conformance: 27/27 scenarios match",
      "workers-types 5.20261113.1 -> 5.20261117.1 (the newest published on or before 2026-11-23)",
      "workers-types type tests: passed (typecheck of core-context, user-tracing)",
      "compatibility registry vs binary: NOT RUN: packages/workers-shim/test/compat-registry-workerd.test.ts is absent",
      "compatibility date: SUPPORTED_COMPATIBILITY_DATE 2026-11-23 equals the binary's date",
      "",
      "workerd-upgrade: all checks passed",
    ].join("\n"),
  );
  const mismatch = formatReport({ ...baseReport, dates: { binary: "2026-11-23", supported: "2026-11-17" }, ok: false });
  assert.match(
    mismatch,
    /compatibility date: MISMATCH: the binary says 2026-11-23, SUPPORTED_COMPATIBILITY_DATE is 2026-11-17/,
  );
  assert.match(mismatch, /some checks FAILED/);
  const kept = formatReport({
    ...baseReport,
    workersTypes: {
      from: "5.20261117.1",
      to: undefined,
      note: "LOOKUP FAILED: pnpm view @cloudflare/workers-types versions (exit 1)",
      lookupOk: false,
      tests: { ok: false, summary: "FAILED (typecheck of user-tracing, exit 2)", details: ["error TS2322: ..."] },
    },
    ok: false,
  });
  assert.match(
    kept,
    /\nworkers-types: LOOKUP FAILED: pnpm view @cloudflare\/workers-types versions \(exit 1\); kept 5\.20261117\.1\nworkers-types type tests: FAILED \(typecheck of user-tracing, exit 2\)\n {2}error TS2322: \.\.\.\n/,
  );
});

test("failedScenarios names each FAIL line with the first line of its reason", () => {
  const output = [
    "PASS a (1 invocations, 3 events, 2 runs)",
    "FAIL tail-handler-object (1 invocations, 6 events, 2 runs)",
    "    run 1: test() failed: main",
    "        workerd/server/server/run.rs:642: debug: [ TEST ] main",
    "FAIL last",
    "conformance: 1/3 scenarios match",
  ].join("\n");
  assert.deepEqual(failedScenarios(output), ["tail-handler-object: test() failed: main", "last"]);
  assert.deepEqual(failedScenarios("PASS a\nconformance: 1/1 scenarios match"), []);
});

test("formatReport shows scenarios that could not be recorded", () => {
  const text = formatReport({
    ...baseReport,
    recordOk: false,
    recordFailures: ["span-links: test() failed: main"],
    ok: false,
  });
  assert.match(
    text,
    /own goldens: RECORDING FAILED; 1 changed, 1 with only the workerd version line changed\n {2}not recorded \(golden kept\): span-links: test\(\) failed: main\n/,
  );
});
