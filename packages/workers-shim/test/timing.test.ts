import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as timing from "../src/timing";

const SOURCE = readFileSync(fileURLToPath(new URL("../src/timing.ts", import.meta.url)), "utf8");
const OWN = fileURLToPath(new URL("../../../conformance/scenarios/", import.meta.url));
const SHARED = fileURLToPath(new URL("../../../../shared/conformance/scenarios/", import.meta.url));

/** Each exported rule's doc comment, by the rule's name. */
function ruleDocs(): Map<string, string> {
  const docs = new Map<string, string>();
  for (const match of SOURCE.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\nexport function (\w+)/g))
    docs.set(match[2]!, match[1]!);
  return docs;
}

describe("timing rules", () => {
  it("documents every exported rule with what workerd does and what pins it", () => {
    const docs = ruleDocs();
    expect([...docs.keys()].sort()).toEqual(Object.keys(timing).sort());
    for (const [name, doc] of docs) {
      expect(doc, name).toMatch(/@remarks (Pinned by `|No golden pins it yet)/);
    }
  });

  it("names only conformance scenarios that exist", () => {
    const named = new Set<string>();
    for (const doc of ruleDocs().values()) {
      const remarks = doc.slice(doc.indexOf("@remarks"));
      for (const match of remarks.matchAll(/`(shared:)?([a-z0-9-]+)`/g)) named.add(`${match[1] ?? ""}${match[2]}`);
    }
    const missing = [...named].filter((name) =>
      name.startsWith("shared:")
        ? !existsSync(`${SHARED}${name.slice("shared:".length)}`)
        : !existsSync(`${OWN}${name}`),
    );
    expect(named.size).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });
});
