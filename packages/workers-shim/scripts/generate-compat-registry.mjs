#!/usr/bin/env node
// Generates src/compat/registry-data.ts: the facts of workerd's compatibility registry (field
// names, enable/disable flags, enable dates, impliedByAfterDate, experimental, obsolete).
//
// usage: node scripts/generate-compat-registry.mjs <source> [--out <file>] [--label <text>]
//
// <source> is either
//   - a workerd binary (for example node_modules/workerd/bin/workerd): the compiled schema of
//     `CompatibilityFlags` that workerd itself reads at run time is taken from the binary, so the
//     data matches that build exactly; the version comes from the nearest package.json; or
//   - the text of workerd's src/workerd/io/compatibility-date.capnp.
// Only facts are written; nothing of workerd's own text or code.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_OUT = join(HERE, "..", "src", "compat", "registry-data.ts");

// Annotation ids declared in compatibility-date.capnp.
const ANNOTATIONS = {
  enableFlag: 0xb6dabbc87cd1b03en,
  disableFlag: 0xd145cf1adc42577cn,
  enableDate: 0x91a5d5d7244cf6d0n,
  enableAllDates: 0x9a1d37c8030d9418n,
  experimental: 0xe3e5a63e76284d88n,
  impliedByAfterDate: 0xe3e5a63e76284d89n,
};
// Id of the `CompatibilityFlags` struct node.
const COMPATIBILITY_FLAGS_NODE_ID = 0x8f8c1b68151b6cefn;

/**
 * One field of the registry, as read from either source.
 * @typedef {{ field: string, ordinal: number, enableFlag?: string, disableFlag?: string,
 *   enableDate?: string, enableAllDates?: true, experimental?: true,
 *   impliedByAfterDate?: { names: string[], date: string }, obsolete?: true }} FieldFacts
 */

// ---------------------------------------------------------------------------------------------
// Source 1: the capnp text.

/** Parses the `CompatibilityFlags` struct of compatibility-date.capnp text. */
export function parseCapnpText(text) {
  const withoutComments = text
    .split("\n")
    .map((line) => stripComment(line))
    .join("\n");
  const start = withoutComments.search(/struct\s+CompatibilityFlags\b[^{]*\{/);
  if (start < 0) throw new Error("no `struct CompatibilityFlags { ... }` in the capnp text");
  const body = withoutComments.slice(withoutComments.indexOf("{", start) + 1);
  const fields = [];
  const declaration = /(\w+)\s*@(\d+)\s*:\s*Bool\b([^;]*);/g;
  for (const match of body.matchAll(declaration)) {
    const [, name, ordinal, annotationText] = match;
    /** @type {FieldFacts} */
    const facts = { field: name, ordinal: Number(ordinal) };
    const annotation = /\$(\w+)\s*(?:\(([^)]*)\))?/g;
    for (const [, key, argument] of annotationText.matchAll(annotation)) {
      const quoted = [...(argument ?? "").matchAll(/"([^"]*)"/g)].map((m) => m[1]);
      switch (key) {
        case "compatEnableFlag":
          facts.enableFlag = one(quoted, name, key);
          break;
        case "compatDisableFlag":
          facts.disableFlag = one(quoted, name, key);
          break;
        case "compatEnableDate":
          facts.enableDate = one(quoted, name, key);
          break;
        case "compatEnableAllDates":
          facts.enableAllDates = true;
          break;
        case "experimental":
          facts.experimental = true;
          break;
        case "impliedByAfterDate": {
          const date = /date\s*=\s*"([^"]*)"/.exec(argument ?? "")?.[1];
          const single = /\bname\s*=\s*"([^"]*)"/.exec(argument ?? "")?.[1];
          const list = /\bnames\s*=\s*\[([^\]]*)\]/.exec(argument ?? "")?.[1];
          const names = single !== undefined ? [single] : [...(list ?? "").matchAll(/"([^"]*)"/g)].map((m) => m[1]);
          if (date === undefined || names.length === 0)
            throw new Error(`${name}: cannot read $impliedByAfterDate(${argument})`);
          facts.impliedByAfterDate = { names, date };
          break;
        }
        default:
          // neededByFl, pythonSnapshotRelease, ...: no effect on how flags resolve.
          break;
      }
    }
    fields.push(facts);
  }
  // workerd walks the fields in ordinal order (the order of the compiled schema's field list).
  return withObsolete(fields.sort((a, b) => a.ordinal - b.ordinal));
}

function stripComment(line) {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inString = !inString;
    else if (c === "#" && !inString) return line.slice(0, i);
  }
  return line;
}

function one(values, field, key) {
  if (values.length !== 1) throw new Error(`${field}: expected one string in $${key}(...), found ${values.length}`);
  return values[0];
}

// ---------------------------------------------------------------------------------------------
// Source 2: the compiled schema inside a workerd binary (a Cap'n Proto encoded schema.Node).

/** Reads the `CompatibilityFlags` node embedded in a workerd binary. */
export function parseWorkerdBinary(bytes) {
  const idBytes = Buffer.alloc(8);
  idBytes.writeBigUInt64LE(COMPATIBILITY_FLAGS_NODE_ID);
  const candidates = [];
  for (let at = bytes.indexOf(idBytes); at >= 0; at = bytes.indexOf(idBytes, at + 1)) {
    // An encoded node starts with its root pointer, a struct pointer to the very next word
    // (offset 0), followed by the node's data section whose first word is the id.
    if (at < 8) continue;
    const root = readPointer(bytes, at - 8);
    if (root.kind !== "struct" || root.target !== at || root.dataWords < 5 || root.pointerCount < 4) continue;
    try {
      candidates.push(readStructNode(bytes, root));
    } catch {
      // Not a node after all.
    }
  }
  const nodes = candidates.filter((node) => node.displayName.endsWith(":CompatibilityFlags"));
  if (nodes.length !== 1) {
    throw new Error(`expected one embedded CompatibilityFlags schema in the binary, found ${nodes.length}`);
  }
  return withObsolete(nodes[0].fields);
}

function readStructNode(bytes, root) {
  const node = struct(bytes, root);
  const displayName = text(bytes, node.pointer(0));
  if (node.u16(12) !== 1) throw new Error("not a struct node");
  const fieldList = compositeList(bytes, node.pointer(3));
  const fields = fieldList.map((field) => {
    const name = text(bytes, field.pointer(0));
    const ordinal = field.u16(10) === 1 ? field.u16(12) : undefined;
    if (ordinal === undefined) throw new Error(`${name}: field without an explicit ordinal`);
    /** @type {FieldFacts} */
    const facts = { field: name, ordinal };
    for (const annotation of compositeList(bytes, field.pointer(1))) {
      const id = annotation.u64(0);
      const value = annotation.pointer(0) === null ? null : struct(bytes, readPointer(bytes, annotation.pointer(0)));
      const valueText = () => text(bytes, value?.pointer(0) ?? null);
      if (id === ANNOTATIONS.enableFlag) facts.enableFlag = valueText();
      else if (id === ANNOTATIONS.disableFlag) facts.disableFlag = valueText();
      else if (id === ANNOTATIONS.enableDate) facts.enableDate = valueText();
      else if (id === ANNOTATIONS.enableAllDates) facts.enableAllDates = true;
      else if (id === ANNOTATIONS.experimental) facts.experimental = true;
      else if (id === ANNOTATIONS.impliedByAfterDate) facts.impliedByAfterDate = impliedBy(bytes, value, name);
    }
    return facts;
  });
  return { displayName, fields: fields.sort((a, b) => a.ordinal - b.ordinal) };
}

// ImpliedByAfterDate: union { name @0 :Text; names @2 :List(Text) } in pointer 0, date @1 in pointer 1.
function impliedBy(bytes, value, field) {
  if (value === null || value.pointer(0) === null) throw new Error(`${field}: impliedByAfterDate without a value`);
  const payload = struct(bytes, readPointer(bytes, value.pointer(0)));
  const first = readPointer(bytes, payload.pointer(0));
  const date = text(bytes, payload.pointer(1));
  if (first.kind === "list" && first.elementSize === 2) return { names: [text(bytes, payload.pointer(0))], date };
  if (first.kind === "list" && first.elementSize === 6) {
    const names = [];
    for (let i = 0; i < first.count; i++) names.push(text(bytes, first.target + i * 8));
    return { names, date };
  }
  throw new Error(`${field}: unexpected impliedByAfterDate encoding`);
}

function readPointer(bytes, at) {
  const lo = bytes.readUInt32LE(at);
  const hi = bytes.readUInt32LE(at + 4);
  if (lo === 0 && hi === 0) return { kind: "null" };
  const kind = lo & 3;
  const target = at + 8 + (lo >> 2) * 8;
  if (kind === 0) return { kind: "struct", target, dataWords: hi & 0xffff, pointerCount: hi >>> 16 };
  if (kind === 1) return { kind: "list", target, elementSize: hi & 7, count: hi >>> 3 };
  throw new Error(`unsupported pointer kind ${kind}`);
}

function struct(bytes, pointer) {
  if (pointer.kind !== "struct") throw new Error(`expected a struct pointer, found ${pointer.kind}`);
  const data = pointer.target;
  const pointers = data + pointer.dataWords * 8;
  const dataBytes = pointer.dataWords * 8;
  return {
    u16: (offset) => (offset + 2 <= dataBytes ? bytes.readUInt16LE(data + offset) : 0),
    u64: (offset) => (offset + 8 <= dataBytes ? bytes.readBigUInt64LE(data + offset) : 0n),
    pointer: (index) => {
      if (index >= pointer.pointerCount) return null;
      const at = pointers + index * 8;
      return bytes.readUInt32LE(at) === 0 && bytes.readUInt32LE(at + 4) === 0 ? null : at;
    },
  };
}

function compositeList(bytes, at) {
  if (at === null) return [];
  const list = readPointer(bytes, at);
  if (list.kind !== "list" || list.elementSize !== 7) throw new Error("expected a list of structs");
  const tag = readPointer(bytes, list.target);
  const count = (bytes.readUInt32LE(list.target) >>> 2) & 0x3fffffff;
  const stride = (tag.dataWords + tag.pointerCount) * 8;
  const items = [];
  for (let i = 0; i < count; i++) {
    items.push(
      struct(bytes, {
        kind: "struct",
        target: list.target + 8 + i * stride,
        dataWords: tag.dataWords,
        pointerCount: tag.pointerCount,
      }),
    );
  }
  return items;
}

function text(bytes, at) {
  if (at === null) throw new Error("missing text");
  const list = readPointer(bytes, at);
  if (list.kind !== "list" || list.elementSize !== 2 || list.count < 1) throw new Error("expected text");
  return bytes.toString("utf8", list.target, list.target + list.count - 1);
}

// ---------------------------------------------------------------------------------------------
// Checks and output.

/** Checks the facts for what the shim relies on; throws on the first problem. */
export function checkFacts(fields) {
  const names = new Set(fields.map((f) => f.field));
  const flags = new Set();
  const date = /^2\d{3}-\d{2}-\d{2}$/;
  for (const f of fields) {
    for (const flag of [f.enableFlag, f.disableFlag]) {
      if (flag === undefined) continue;
      if (flags.has(flag)) throw new Error(`flag ${flag} is declared twice`);
      flags.add(flag);
    }
    if (f.enableDate !== undefined && !date.test(f.enableDate))
      throw new Error(`${f.field}: bad enable date ${f.enableDate}`);
    if (f.impliedByAfterDate !== undefined) {
      if (!date.test(f.impliedByAfterDate.date)) throw new Error(`${f.field}: bad implied date`);
      for (const name of f.impliedByAfterDate.names) {
        if (!names.has(name)) throw new Error(`${f.field}: implied by unknown field ${name}`);
      }
    }
  }
}

/** Marks `obsoleteN` fields, which workerd keeps only so that old configs still load. */
function withObsolete(fields) {
  return fields.map((f) => (/^obsolete\d+$/.test(f.field) ? { ...f, obsolete: true } : f));
}

/** Renders the data module. */
export function renderModule(fields, source) {
  const lines = [
    "// GENERATED FILE, DO NOT EDIT. Re-generate from the pinned workerd with",
    "//   pnpm --filter @workers-tracing/workers-shim compat:generate",
    "// or: node packages/workers-shim/scripts/generate-compat-registry.mjs <workerd binary | compatibility-date.capnp>",
    `// Source: ${source.description}.`,
    "// Facts of workerd's compatibility registry (src/workerd/io/compatibility-date.capnp), one entry",
    "// per field in ordinal order, the order in which workerd resolves them.",
    'import type { WorkerdCompatFieldFacts } from "./registry-types";',
    "",
    "/**",
    " * The workerd release the registry data was generated from (its npm version, or a label).",
    " * @public",
    " */",
    `export const WORKERD_REGISTRY_VERSION = ${JSON.stringify(source.version)};`,
    "",
    "/**",
    " * Names of workerd's compatibility fields, as declared in compatibility-date.capnp.",
    " * @public",
    " */",
    "export type WorkerdCompatField =",
    ...fields.map((f, i) => `  | ${JSON.stringify(f.field)}${i === fields.length - 1 ? ";" : ""}`),
    "",
    "/**",
    " * Every field of workerd's compatibility registry, in ordinal order.",
    " * @internal",
    " */",
    "export const WORKERD_COMPAT_FIELDS: readonly WorkerdCompatFieldFacts<WorkerdCompatField>[] = [",
    ...fields.map((f) => `  ${renderEntry(f)},`),
    "];",
    "",
  ];
  return lines.join("\n");
}

function renderEntry(f) {
  const parts = [`field: ${JSON.stringify(f.field)}`, `ordinal: ${f.ordinal}`];
  if (f.enableFlag !== undefined) parts.push(`enableFlag: ${JSON.stringify(f.enableFlag)}`);
  if (f.disableFlag !== undefined) parts.push(`disableFlag: ${JSON.stringify(f.disableFlag)}`);
  if (f.enableDate !== undefined) parts.push(`enableDate: ${JSON.stringify(f.enableDate)}`);
  if (f.enableAllDates) parts.push("enableAllDates: true");
  if (f.experimental) parts.push("experimental: true");
  if (f.impliedByAfterDate !== undefined) {
    const { names, date } = f.impliedByAfterDate;
    parts.push(`impliedByAfterDate: { names: ${JSON.stringify(names)}, date: ${JSON.stringify(date)} }`);
  }
  if (f.obsolete) parts.push("obsolete: true");
  return `{ ${parts.join(", ")} }`;
}

function describeBinary(path) {
  let version;
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      version = JSON.parse(readFileSync(manifest, "utf8")).version;
      break;
    }
  }
  let build = "";
  try {
    build = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    // Not runnable here; the package version is enough.
  }
  if (version === undefined && build === "") throw new Error(`cannot tell the version of ${path}`);
  const label = version ?? build;
  return {
    version: label,
    description: `the schema compiled into workerd ${label}${build !== "" && version !== undefined ? ` (\`${build}\`)` : ""}`,
  };
}

function main(argv) {
  let input;
  let out = DEFAULT_OUT;
  let label;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--out") out = resolve(argv[++i] ?? "");
    else if (arg === "--label") label = argv[++i];
    else if (arg === "--help" || arg === "-h") {
      console.log(
        "usage: generate-compat-registry.mjs <workerd binary | compatibility-date.capnp> [--out FILE] [--label TEXT]",
      );
      return 0;
    } else if (input === undefined) input = arg;
    else throw new Error(`unexpected argument "${arg}"`);
  }
  if (input === undefined) throw new Error("missing the source: a workerd binary or compatibility-date.capnp");
  const path = realpathSync(input);
  const bytes = readFileSync(path);
  const isElf = bytes.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  let fields;
  let source;
  if (isElf) {
    fields = parseWorkerdBinary(bytes);
    source = describeBinary(path);
    if (label !== undefined) source = { ...source, version: label };
  } else if (bytes.subarray(0, 2).toString() === "#!") {
    throw new Error(`${input} is a launcher script, not the workerd binary; pass node_modules/workerd/bin/workerd`);
  } else {
    fields = parseCapnpText(bytes.toString("utf8"));
    const version = label ?? "unknown";
    source = { version, description: `the text of ${basename(path)} (workerd ${version})` };
  }
  checkFacts(fields);
  writeFileSync(out, renderModule(fields, source));
  console.log(`wrote ${fields.length} fields to ${relative(process.cwd(), out)} from ${source.description}`);
  return 0;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`generate-compat-registry: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
