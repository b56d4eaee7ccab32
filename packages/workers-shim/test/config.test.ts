import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkersShimError, loadConfig, validateConfig } from "../src/config/index";
import type { WorkersShimErrorCode } from "../src/config/index";
import { describeFsError } from "../src/config/fs-error";

const SCENARIOS = fileURLToPath(new URL("../../../../shared/conformance/scenarios", import.meta.url));
const SCENARIO_NAMES = existsSync(SCENARIOS)
  ? readdirSync(SCENARIOS)
      .filter((name) => existsSync(join(SCENARIOS, name, "config.json")))
      .sort()
  : [];

// A fixed clock, so that the compatibility-date checks do not depend on the machine.
const TODAY = "2026-11-23";

let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "workers-shim-config-"));
  writeFileSync(join(dir, "worker.js"), "export default {};\n");
  writeFileSync(join(dir, "tail.js"), "export default {};\n");
  writeFileSync(join(dir, "helper.mjs"), "export const x = 1;\n");
  writeFileSync(join(dir, "legacy.cjs"), "module.exports = {};\n");
  mkdirSync(join(dir, "folder.js"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const MAIN_WORKER = {
  modules: [{ name: "worker", esModule: "worker.js" }],
  compatibilityDate: "2026-11-01",
  compatibilityFlags: [],
  bindings: [
    { name: "self", service: "main" },
    { name: "api", service: { name: "main", entrypoint: "Api" } },
  ],
  streamingTails: ["tail"],
};
const TAIL_SERVICE = {
  name: "tail",
  worker: { modules: [{ name: "worker", esModule: "tail.js" }], compatibilityDate: "2026-11-01" },
};

/** A valid config whose "main" worker has `overrides` applied (an `undefined` value removes the key). */
function configWith(overrides: Record<string, unknown> = {}): unknown {
  return { services: [{ name: "main", worker: { ...MAIN_WORKER, ...overrides } }, TAIL_SERVICE] };
}

/** Validates `raw` as if it had been read from a JSON file in the fixture folder. */
function validate(raw: unknown, experimental = false) {
  return validateConfig(JSON.parse(JSON.stringify(raw)) as unknown, { baseDir: dir, experimental, today: TODAY });
}

/** Runs `fn`, checks it threw a one-line WorkersShimError with `code` and no stack, returns the message. */
function shimError(fn: () => unknown, code: WorkersShimErrorCode = "ERR_CONFIG"): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkersShimError);
    const { message, code: actual } = error as WorkersShimError;
    expect(actual).toBe(code);
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).not.toMatch(/\bat .+:\d+:\d+/);
    expect(message.startsWith("workers-shim: ")).toBe(true);
    return message;
  }
  throw new Error("expected a WorkersShimError, but nothing was thrown");
}

describe(loadConfig.name, () => {
  it("finds the shared conformance scenarios", () => {
    expect(SCENARIO_NAMES.length).toBeGreaterThanOrEqual(27);
  });

  it.for(SCENARIO_NAMES)("validates the %s scenario", (name) => {
    const configPath = join(SCENARIOS, name, "config.json");
    const config = loadConfig(configPath, { experimental: true });
    expect(config.configPath).toBe(configPath);
    expect(config.baseDir).toBe(join(SCENARIOS, name));
    expect(config.warnings).toEqual([]);
    expect(config.services.at(-1)?.name).toBe("tail");
    for (const service of config.services) {
      expect(service.worker.compatibilityProfile).toBe("head");
      for (const module of service.worker.modules) {
        expect(isAbsolute(module.path)).toBe(true);
        expect(existsSync(module.path)).toBe(true);
      }
    }
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("normalises a scenario with Durable Objects", () => {
    const scenario = join(SCENARIOS, "do-alarm-cross-request");
    const config = loadConfig(join(scenario, "config.json"));
    const main = config.services[0];
    expect(main?.worker).toEqual({
      modules: [{ name: "worker", path: join(scenario, "worker.js") }],
      compatibilityDate: "2026-11-01",
      compatibilityFlags: [],
      flags: expect.objectContaining({ nodeJsCompat: true, serviceBindingExtraHandlers: false }),
      compatibilityProfile: "head",
      bindings: [{ type: "durableObjectNamespace", name: "rooms", className: "Room" }],
      durableObjectNamespaces: [{ className: "Room", uniqueKey: "room" }],
      durableObjectStorage: { inMemory: true },
      streamingTails: ["tail"],
      tails: [],
      queueConsumers: [],
      traceContext: { incoming: false, outgoing: "none" },
    });
    expect(config.services[1]?.worker).toMatchObject({
      modules: [{ name: "worker", path: join(SCENARIOS, "_shared", "tail.js") }],
      bindings: [],
      durableObjectNamespaces: [],
      streamingTails: [],
    });
    expect(config.services[1]?.worker).not.toHaveProperty("durableObjectStorage");
  });

  it("accepts the folder that holds config.json", () => {
    expect(loadConfig(join(SCENARIOS, "rpc-entrypoint")).configPath).toBe(
      join(SCENARIOS, "rpc-entrypoint", "config.json"),
    );
  });

  it("rejects an experimental flag unless experimental is set", () => {
    const configPath = join(SCENARIOS, "scheduled-handler", "config.json");
    expect(shimError(() => loadConfig(configPath), "ERR_COMPAT_FLAGS")).toMatchInlineSnapshot(
      `"workers-shim: service main: The compatibility flag service_binding_extra_handlers is experimental and may break or be removed in a future version of workerd. To use this flag, you must pass --experimental on the command line."`,
    );
  });

  it("rejects a file that does not exist", () => {
    const missing = join(dir, "missing.json");
    expect(shimError(() => loadConfig(missing))).toBe(
      `workers-shim: ${missing}: cannot read file: no such file or directory (ENOENT)`,
    );
  });

  it("rejects a folder without config.json", () => {
    expect(shimError(() => loadConfig(dir))).toBe(
      `workers-shim: ${join(dir, "config.json")}: cannot read file: no such file or directory (ENOENT)`,
    );
  });

  it("refuses a file that is not a regular file before reading it", () => {
    expect(shimError(() => loadConfig("/dev/zero"))).toBe(
      "workers-shim: /dev/zero: expected a regular file, found a character device",
    );
    const fifo = join(dir, "fifo.json");
    execFileSync("mkfifo", [fifo]);
    expect(shimError(() => loadConfig(fifo))).toBe(`workers-shim: ${fifo}: expected a regular file, found a FIFO`);
  });

  it("refuses a config larger than 4 MiB", () => {
    const file = join(dir, "huge.json");
    writeFileSync(file, `{"services":[]}${" ".repeat(4 * 1024 * 1024)}`);
    expect(shimError(() => loadConfig(file))).toBe(
      `workers-shim: ${file}: the file has ${4 * 1024 * 1024 + 15} bytes; a config may have at most 4194304`,
    );
  });

  it("rejects invalid JSON with the parser's message", () => {
    const file = join(dir, "broken.json");
    const text = '{ "services": [ }';
    writeFileSync(file, text);
    let parserMessage = "";
    try {
      JSON.parse(text);
    } catch (error) {
      parserMessage = (error as SyntaxError).message;
    }
    expect(parserMessage).not.toBe("");
    expect(shimError(() => loadConfig(file))).toBe(`workers-shim: ${file}: invalid JSON: ${parserMessage}`);
  });

  it("keeps a multi-line parser message on one line", () => {
    const file = join(dir, "broken-lines.json");
    const text = '{\n  "services": [\n    }\n]}';
    writeFileSync(file, text);
    const message = shimError(() => loadConfig(file));
    expect(message.startsWith(`workers-shim: ${file}: invalid JSON: `)).toBe(true);
    expect(message).toContain("\\n");
  });

  it("describes other read errors by their code, without the path Node.js appends", () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/etc/x/config.json'"), { code: "EACCES" });
    expect(describeFsError(error)).toBe("permission denied (EACCES)");
    expect(describeFsError(new Error("something odd"))).toBe("something odd");
  });

  it("accepts a UTF-8 byte-order mark", () => {
    const file = join(dir, "bom.json");
    writeFileSync(file, `\uFEFF${JSON.stringify(configWith())}`);
    expect(loadConfig(file, { today: TODAY }).services.map((service) => service.name)).toEqual(["main", "tail"]);
  });

  it("resolves module paths from the config file's folder", () => {
    const file = join(dir, "relative.json");
    writeFileSync(file, JSON.stringify(configWith()));
    expect(loadConfig(file, { today: TODAY }).services[0]?.worker.modules[0]?.path).toBe(join(dir, "worker.js"));
  });
});

describe(validateConfig.name, () => {
  it("returns a deeply frozen, normalised config", () => {
    const config = validate(
      configWith({
        modules: [
          { name: "worker", esModule: "worker.js" },
          { name: "helper", esModule: "./helper.mjs" },
        ],
        compatibilityFlags: ["nodejs_compat"],
        bindings: [
          { name: "self", service: "main" },
          { name: "api", service: { name: "main", entrypoint: "Api" } },
          { name: "settings", json: { retries: 3, tags: ["a"] } },
          { name: "greeting", text: "hello" },
        ],
      }),
    );
    expect(config).not.toHaveProperty("configPath");
    expect(config.baseDir).toBe(dir);
    const worker = config.services[0]?.worker;
    expect(worker?.modules).toEqual([
      { name: "worker", path: join(dir, "worker.js") },
      { name: "helper", path: join(dir, "helper.mjs") },
    ]);
    expect(worker?.bindings).toEqual([
      { type: "service", name: "self", service: "main" },
      { type: "service", name: "api", service: "main", entrypoint: "Api" },
      { type: "json", name: "settings", value: { retries: 3, tags: ["a"] } },
      { type: "text", name: "greeting", value: "hello" },
    ]);
    expect(worker?.flags).toMatchObject({ nodeJsCompat: true, nodeJsCompatV2: true });
    const json = worker?.bindings[2];
    expect(Object.isFrozen(json)).toBe(true);
    expect(Object.isFrozen(json?.type === "json" ? json.value : undefined)).toBe(true);
    expect(Object.isFrozen(worker?.modules[0])).toBe(true);
    expect(Object.isFrozen(config.services)).toBe(true);
  });

  it("does not freeze or keep the caller's objects", () => {
    const settings = { retries: 3 };
    const raw = configWith({ bindings: [{ name: "settings", json: settings }] });
    const config = validateConfig(raw, { baseDir: dir, today: TODAY });
    expect(Object.isFrozen(settings)).toBe(false);
    expect(Object.isFrozen(raw)).toBe(false);
    const binding = config.services[0]?.worker.bindings[0];
    expect(binding?.type === "json" ? binding.value : undefined).not.toBe(settings);
  });

  it("collects compatibility warnings with the service prefix", () => {
    const config = validate(configWith({ compatibilityFlags: ["nodejs_compat"] }));
    expect(config.warnings).toMatchInlineSnapshot(`
      [
        "service main: The compatibility flag nodejs_compat became the default as of 2026-08-04 so does not need to be specified anymore.",
      ]
    `);
  });

  it("adds one warning naming the listed flags that have no effect in workers-shim", () => {
    const raw = configWith({
      compatibilityDate: "2024-01-01",
      compatibilityFlags: ["rpc", "url_original", "nodejs_compat", "durable_object_alarms"],
    });
    const services = (raw as { services: { name: string; worker: Record<string, unknown> }[] }).services;
    services.push({
      name: "other",
      worker: { ...services[0]!.worker, compatibilityFlags: ["url_original", "no_global_navigator"] },
    });
    const config = validate(raw);
    expect(config.warnings).toEqual([
      'compatibility flags accepted with no effect in workers-shim: rpc, url_original, no_global_navigator (see "workers-shim flags")',
    ]);
  });

  it("does not warn about fields that only the date turns on, nor about honoured or obsolete flags", () => {
    expect(validate(configWith({ compatibilityDate: "2026-11-01" })).warnings).toEqual([]);
    expect(
      validate(
        configWith({
          compatibilityDate: "2024-01-01",
          compatibilityFlags: ["nodejs_compat", "no_nodejs_compat_v2", "durable_object_alarms"],
        }),
      ).warnings,
    ).toEqual([]);
  });

  it("reads the registry profile from compatibilityProfile, and the profile option wins", () => {
    const raw = { ...(configWith({}) as object), compatibilityProfile: "seed" };
    const config = validate(raw);
    expect(config.compatibilityProfile).toBe("seed");
    expect(config.services[0]?.worker.compatibilityProfile).toBe("seed");
    expect(validateConfig(raw, { baseDir: dir, today: TODAY, profile: "head" }).compatibilityProfile).toBe("head");
    expect(validate(configWith({})).compatibilityProfile).toBe("head");
  });

  it.for([["tip"], [1], [null]])("rejects compatibilityProfile %j", ([value]) => {
    expect(() => validate({ ...(configWith({}) as object), compatibilityProfile: value })).toThrow(
      /^workers-shim: compatibilityProfile: expected one of "head", "seed", received /,
    );
  });

  it("resolves a relative baseDir against the working directory", () => {
    const config = validateConfig(
      {
        services: [
          {
            name: "main",
            worker: { modules: [{ name: "w", esModule: join(dir, "worker.js") }], compatibilityDate: "2026-11-01" },
          },
        ],
      },
      { baseDir: ".", today: TODAY },
    );
    expect(config.baseDir).toBe(process.cwd());
    expect(config.services[0]?.worker.modules[0]?.path).toBe(join(dir, "worker.js"));
  });

  describe("shape of the document", () => {
    it("rejects a non-object document", () => {
      expect(shimError(() => validate([1, 2]))).toMatchInlineSnapshot(
        `"workers-shim: config: expected an object {services}, received array [1,2]"`,
      );
    });

    it("rejects an unknown top-level key", () => {
      expect(shimError(() => validate({ services: [], sockets: [] }))).toMatchInlineSnapshot(
        `"workers-shim: config: unknown key "sockets". Allowed keys: services, compatibilityProfile."`,
      );
    });

    it("rejects a missing services list", () => {
      expect(shimError(() => validate({}))).toMatchInlineSnapshot(
        `"workers-shim: services: required field is missing"`,
      );
    });

    it("rejects services of the wrong type", () => {
      expect(shimError(() => validate({ services: { main: {} } }))).toMatchInlineSnapshot(
        `"workers-shim: services: expected an array of services, received object {"main":{}}"`,
      );
    });

    it("rejects an empty services list", () => {
      expect(shimError(() => validate({ services: [] }))).toMatchInlineSnapshot(
        `"workers-shim: services: must list at least one service"`,
      );
    });
  });

  describe("services", () => {
    it("rejects a service that is not an object", () => {
      expect(shimError(() => validate({ services: ["main"] }))).toMatchInlineSnapshot(
        `"workers-shim: services[0]: expected a service object {name, worker}, received string "main""`,
      );
    });

    it("rejects a missing service name", () => {
      expect(shimError(() => validate({ services: [{ worker: MAIN_WORKER }] }))).toMatchInlineSnapshot(
        `"workers-shim: services[0].name: required field is missing"`,
      );
    });

    it("rejects a service name of the wrong type", () => {
      expect(shimError(() => validate({ services: [{ name: 42, worker: MAIN_WORKER }] }))).toMatchInlineSnapshot(
        `"workers-shim: services[0].name: expected a non-empty string, received number 42"`,
      );
    });

    it("rejects an empty service name", () => {
      expect(shimError(() => validate({ services: [{ name: "", worker: MAIN_WORKER }] }))).toMatchInlineSnapshot(
        `"workers-shim: services[0].name: expected a non-empty string, received string """`,
      );
    });

    it("rejects duplicate service names", () => {
      const raw = {
        services: [{ name: "main", worker: MAIN_WORKER }, TAIL_SERVICE, { name: "main", worker: MAIN_WORKER }],
      };
      expect(shimError(() => validate(raw))).toMatchInlineSnapshot(
        `"workers-shim: services[2].name: duplicate service name "main" (first used by services[0])"`,
      );
    });

    it("rejects service kinds other than worker", () => {
      const raw = { services: [{ name: "main", external: { address: "localhost:8080" } }] };
      expect(shimError(() => validate(raw))).toMatchInlineSnapshot(
        `"workers-shim: service "main": "external" services are not supported; only "worker" services are"`,
      );
    });

    it("rejects an unknown service key and suggests the right one", () => {
      const raw = { services: [{ name: "main", Worker: MAIN_WORKER }] };
      expect(shimError(() => validate(raw))).toMatchInlineSnapshot(
        `"workers-shim: service "main": unknown key "Worker". Allowed keys: name, worker. Did you mean "worker"?"`,
      );
    });

    it("rejects a service without a worker", () => {
      expect(shimError(() => validate({ services: [{ name: "main" }] }))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker: required field is missing"`,
      );
    });

    it("rejects a worker that is not an object", () => {
      expect(shimError(() => validate({ services: [{ name: "main", worker: "worker.js" }] }))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker: expected a worker object, received string "worker.js""`,
      );
    });
  });

  describe("worker fields", () => {
    it("rejects an unknown worker key and suggests the right one", () => {
      expect(shimError(() => validate(configWith({ compatibility_date: "2026-11-01" })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker: unknown key "compatibility_date". Allowed keys: modules, compatibilityDate, compatibilityFlags, bindings, durableObjectNamespaces, durableObjectStorage, streamingTails, tails, queueConsumers, traceContext. Did you mean "compatibilityDate"?"`,
      );
    });

    it("rejects a missing required field", () => {
      expect(shimError(() => validate(configWith({ compatibilityDate: undefined })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.compatibilityDate: required field is missing"`,
      );
    });

    it("rejects a field of the wrong type, quoting the value", () => {
      expect(shimError(() => validate(configWith({ compatibilityDate: 20261101 })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.compatibilityDate: expected a string, received number 20261101"`,
      );
    });

    it("truncates long values in messages", () => {
      const long = "x".repeat(200);
      expect(shimError(() => validate(configWith({ compatibilityFlags: long })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.compatibilityFlags: expected an array of strings, received string "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…""`,
      );
      expect(shimError(() => validate(configWith({ bindings: { long } })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings: expected an array of bindings, received object {"long":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"`,
      );
    });

    it("escapes line breaks in quoted names", () => {
      expect(shimError(() => validate(configWith({ "compatibility\nDate": "x" })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker: unknown key "compatibility\\nDate". Allowed keys: modules, compatibilityDate, compatibilityFlags, bindings, durableObjectNamespaces, durableObjectStorage, streamingTails, tails, queueConsumers, traceContext. Did you mean "compatibilityDate"?"`,
      );
    });

    it("rejects a compatibility flag of the wrong type", () => {
      expect(
        shimError(() => validate(configWith({ compatibilityFlags: ["nodejs_compat", true] }))),
      ).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.compatibilityFlags[1]: expected a string, received boolean true"`,
      );
    });
  });

  describe("modules", () => {
    it("rejects an empty module list", () => {
      expect(shimError(() => validate(configWith({ modules: [] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.modules: must list at least one module (the first one is the main module)"`,
      );
    });

    it("rejects modules that are not a list", () => {
      expect(shimError(() => validate(configWith({ modules: "worker.js" })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.modules: expected an array of modules, received string "worker.js""`,
      );
    });

    it("rejects module kinds other than ES modules", () => {
      const modules = [{ name: "worker", commonJsModule: "legacy.cjs" }];
      expect(shimError(() => validate(configWith({ modules })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.modules[0]: "commonJsModule" modules are not supported; only ES modules ("esModule") are"`,
      );
    });

    it("rejects an unknown module key", () => {
      const modules = [{ name: "worker", esModule: "worker.js", type: "module" }];
      expect(shimError(() => validate(configWith({ modules })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.modules[0]: unknown key "type". Allowed keys: name, esModule."`,
      );
    });

    it("rejects a module file that is not an ES module file", () => {
      const modules = [{ name: "worker", esModule: "legacy.cjs" }];
      expect(shimError(() => validate(configWith({ modules })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.modules[0].esModule: expected an ES module file ending in .js or .mjs, received "legacy.cjs""`,
      );
    });

    it("rejects a module file that does not exist", () => {
      const modules = [{ name: "worker", esModule: "missing/worker.js" }];
      expect(shimError(() => validate(configWith({ modules })))).toBe(
        `workers-shim: service "main": worker.modules[0].esModule: file not found: ${join(dir, "missing", "worker.js")}`,
      );
    });

    it("rejects a module path that is a folder", () => {
      const modules = [{ name: "worker", esModule: "folder.js" }];
      expect(shimError(() => validate(configWith({ modules })))).toBe(
        `workers-shim: service "main": worker.modules[0].esModule: not a file: ${join(dir, "folder.js")}`,
      );
    });

    it("rejects duplicate module names", () => {
      const modules = [
        { name: "worker", esModule: "worker.js" },
        { name: "worker", esModule: "helper.mjs" },
      ];
      expect(shimError(() => validate(configWith({ modules })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.modules[1].name: duplicate module name "worker" (first used by worker.modules[0])"`,
      );
    });

    it("rejects a module without a name", () => {
      expect(shimError(() => validate(configWith({ modules: [{ esModule: "worker.js" }] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.modules[0].name: required field is missing"`,
      );
    });
  });

  describe("compatibility", () => {
    it("prefixes compatibility errors with the service, as workerd does", () => {
      expect(
        shimError(() => validate(configWith({ compatibilityDate: "2026-4-1" })), "ERR_COMPAT_FLAGS"),
      ).toMatchInlineSnapshot(`"workers-shim: service main: Invalid compatibility date: 2026-4-1"`);
      expect(
        shimError(() => validate(configWith({ compatibilityFlags: ["no_such_flag"] })), "ERR_COMPAT_FLAGS"),
      ).toMatchInlineSnapshot(`"workers-shim: service main: No such compatibility flag: no_such_flag"`);
      expect(
        shimError(() => validate(configWith({ compatibilityDate: "2026-11-24" })), "ERR_COMPAT_FLAGS"),
      ).toMatchInlineSnapshot(
        `"workers-shim: service main: This Worker requires compatibility date "2026-11-24", but the newest date supported by this server binary is "2026-11-23"."`,
      );
    });

    it("keeps the compatibility error as the cause", () => {
      try {
        validate(configWith({ compatibilityFlags: ["nodejs_compat", "nodejs_compat"] }));
        expect.unreachable();
      } catch (error) {
        expect((error as Error).cause).toBeInstanceOf(WorkersShimError);
        expect(((error as Error).cause as Error).message).toBe(
          "Compatibility flag specified multiple times: nodejs_compat",
        );
      }
    });

    it("allows experimental flags with experimental set", () => {
      const config = validate(configWith({ compatibilityFlags: ["experimental"] }), true);
      expect(config.services[0]?.worker.flags.workerdExperimental).toBe(true);
    });
  });

  describe("bindings", () => {
    it("rejects an unknown service", () => {
      const bindings = [...MAIN_WORKER.bindings, { name: "missing", service: "nope" }];
      expect(shimError(() => validate(configWith({ bindings })))).toBe(
        'workers-shim: service "main": worker.bindings[2].service: unknown service "nope". Known services: main, tail.',
      );
    });

    it("rejects an unknown service in the object form", () => {
      const bindings = [{ name: "api", service: { name: "nope", entrypoint: "Api" } }];
      expect(shimError(() => validate(configWith({ bindings })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].service.name: unknown service "nope". Known services: main, tail."`,
      );
    });

    it("rejects an unknown key in the object form", () => {
      const bindings = [{ name: "api", service: { name: "main", entryPoint: "Api" } }];
      expect(shimError(() => validate(configWith({ bindings })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].service: unknown key "entryPoint". Allowed keys: name, entrypoint. Did you mean "entrypoint"?"`,
      );
    });

    it("rejects an entrypoint of the wrong type", () => {
      const bindings = [{ name: "api", service: { name: "main", entrypoint: ["Api"] } }];
      expect(shimError(() => validate(configWith({ bindings })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].service.entrypoint: expected a non-empty string, received array ["Api"]"`,
      );
    });

    it("rejects duplicate binding names", () => {
      const bindings = [
        { name: "self", service: "main" },
        { name: "self", text: "again" },
      ];
      expect(shimError(() => validate(configWith({ bindings })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[1].name: duplicate binding name "self" (first used by worker.bindings[0])"`,
      );
    });

    it("rejects a binding without a value", () => {
      expect(shimError(() => validate(configWith({ bindings: [{ name: "self" }] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0]: binding "self" has no value; expected one of "service", "durableObjectNamespace", "json", "text", "queue""`,
      );
    });

    it("rejects a binding with two values", () => {
      const bindings = [{ name: "self", service: "main", text: "main" }];
      expect(shimError(() => validate(configWith({ bindings })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0]: binding "self" has both "service" and "text"; expected exactly one of "service", "durableObjectNamespace", "json", "text", "queue""`,
      );
    });

    it("rejects an unknown binding kind", () => {
      const bindings = [{ name: "kv", kvNamespace: "ns" }];
      expect(shimError(() => validate(configWith({ bindings })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0]: unknown key "kvNamespace". Allowed keys: name, service, durableObjectNamespace, json, text, queue."`,
      );
    });

    it("rejects a binding without a name", () => {
      expect(shimError(() => validate(configWith({ bindings: [{ service: "main" }] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].name: required field is missing"`,
      );
    });

    it("rejects a text binding that is not a string", () => {
      expect(shimError(() => validate(configWith({ bindings: [{ name: "t", text: 1 }] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].text: expected a string, received number 1"`,
      );
    });

    it("rejects a json binding that is not JSON", () => {
      const raw = configWith({ bindings: [{ name: "j", json: 1n }] });
      expect(shimError(() => validateConfig(raw, { baseDir: dir, today: TODAY }))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].json: expected a JSON value, received bigint 1n"`,
      );
    });

    it("rejects a Durable Object binding to an undeclared class", () => {
      const bindings = [{ name: "rooms", durableObjectNamespace: "Room" }];
      expect(shimError(() => validate(configWith({ bindings })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].durableObjectNamespace: class "Room" is not declared in worker.durableObjectNamespaces (none declared)"`,
      );
      const declared = {
        bindings: [{ name: "rooms", durableObjectNamespace: "Rooms" }],
        durableObjectNamespaces: [
          { className: "Room", uniqueKey: "room" },
          { className: "Lobby", uniqueKey: "lobby" },
        ],
        durableObjectStorage: { inMemory: true },
      };
      expect(shimError(() => validate(configWith(declared)))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].durableObjectNamespace: class "Rooms" is not declared in worker.durableObjectNamespaces (declared: Room, Lobby)"`,
      );
    });

    it("reads a binding to a class of another service, and rejects an unknown service or class", () => {
      const owner = (classes: string[]) => ({
        name: "tail",
        worker: {
          ...MAIN_WORKER,
          durableObjectNamespaces: classes.map((className) => ({ className, uniqueKey: className })),
          durableObjectStorage: { inMemory: true },
        },
      });
      const withOwner = (binding: unknown, classes = ["Room"]) => ({
        services: [
          { name: "main", worker: { ...MAIN_WORKER, bindings: [{ name: "rooms", durableObjectNamespace: binding }] } },
          owner(classes),
        ],
      });
      expect(validate(withOwner({ className: "Room", serviceName: "tail" })).services[0]?.worker.bindings).toEqual([
        { type: "durableObjectNamespace", name: "rooms", className: "Room", serviceName: "tail" },
      ]);
      expect(shimError(() => validate(withOwner({ className: "Room", serviceName: "nope" })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].durableObjectNamespace.serviceName: unknown service "nope". Known services: main, tail."`,
      );
      expect(shimError(() => validate(withOwner({ className: "Lobby", serviceName: "tail" })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].durableObjectNamespace.className: class "Lobby" is not declared in the durableObjectNamespaces of service "tail" (declared: Room)"`,
      );
      expect(
        shimError(() => validate(withOwner({ className: "Room", serviceName: "tail" }, []))),
      ).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].durableObjectNamespace.className: class "Room" is not declared in the durableObjectNamespaces of service "tail" (none declared)"`,
      );
      expect(shimError(() => validate(withOwner({ className: "Room", script: "tail" })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].durableObjectNamespace: unknown key "script". Allowed keys: className, serviceName."`,
      );
      expect(shimError(() => validate(withOwner({ serviceName: "tail" })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].durableObjectNamespace.className: required field is missing"`,
      );
      // Naming its own service is a binding to its own class.
      expect(shimError(() => validate(withOwner({ className: "Room", serviceName: "main" })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].durableObjectNamespace: class "Room" is not declared in worker.durableObjectNamespaces (none declared)"`,
      );
    });
  });

  describe("legacy tails", () => {
    it("reads the services that get a trace item per invocation, and rejects unknown or repeated ones", () => {
      expect(validate(configWith({ tails: ["tail"] })).services[0]?.worker.tails).toEqual(["tail"]);
      expect(shimError(() => validate(configWith({ tails: ["nope"] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.tails[0]: unknown service "nope". Known services: main, tail."`,
      );
      expect(shimError(() => validate(configWith({ tails: ["tail", "tail"] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.tails[1]: duplicate tail "tail" (first listed at worker.tails[0])"`,
      );
    });
  });

  describe("queues", () => {
    it("reads queue producer bindings and consumers, with wrangler's defaults", () => {
      const config = validate(
        configWith({
          bindings: [{ name: "JOBS", queue: "jobs" }],
          queueConsumers: [
            { queue: "jobs" },
            {
              queue: "late",
              maxBatchSize: 5,
              maxBatchTimeoutMs: 0,
              maxRetries: 0,
              deadLetterQueue: "jobs",
              retryDelaySeconds: 30,
            },
          ],
        }),
      );
      expect(config.services[0]?.worker.bindings).toEqual([{ type: "queue", name: "JOBS", queue: "jobs" }]);
      expect(config.services[0]?.worker.queueConsumers).toEqual([
        { queue: "jobs", maxBatchSize: 10, maxBatchTimeoutMs: 5000, maxRetries: 3, retryDelaySeconds: 0 },
        {
          queue: "late",
          maxBatchSize: 5,
          maxBatchTimeoutMs: 0,
          maxRetries: 0,
          deadLetterQueue: "jobs",
          retryDelaySeconds: 30,
        },
      ]);
      expect(config.warnings).toEqual([]);
    });

    it("warns about a queue nobody consumes", () => {
      const config = validate(configWith({ bindings: [{ name: "JOBS", queue: "jobs" }] }));
      expect(config.warnings).toEqual([
        'no worker consumes queue "jobs": messages sent to it are kept, never delivered',
      ]);
    });

    it("rejects bad settings and a second consumer of one queue", () => {
      expect(
        shimError(() => validate(configWith({ queueConsumers: [{ queue: "jobs", maxBatchSize: 0 }] }))),
      ).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.queueConsumers[0].maxBatchSize: expected a whole number from 1 to 100, received number 0"`,
      );
      expect(
        shimError(() => validate(configWith({ queueConsumers: [{ queue: "jobs", batch: 1 }] }))),
      ).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.queueConsumers[0]: unknown key "batch". Allowed keys: queue, maxBatchSize, maxBatchTimeoutMs, maxRetries, deadLetterQueue, retryDelaySeconds."`,
      );
      expect(
        shimError(() => validate(configWith({ queueConsumers: [{ queue: "jobs" }, { queue: "jobs" }] }))),
      ).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.queueConsumers[1].queue: queue "jobs" already has a consumer (service "main"); a queue has one"`,
      );
      expect(shimError(() => validate(configWith({ bindings: [{ name: "JOBS", queue: 1 }] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.bindings[0].queue: expected a non-empty string, received number 1"`,
      );
    });
  });

  describe("traceContext", () => {
    const traceContextOf = (value: unknown, options: { traceContext?: unknown } = {}) =>
      validateConfig(JSON.parse(JSON.stringify(configWith({ traceContext: value }))) as unknown, {
        baseDir: dir,
        today: TODAY,
        ...(options as object),
      }).services.map((service) => service.worker.traceContext);

    it("is off unless set, for every worker", () => {
      expect(traceContextOf(undefined)).toEqual([
        { incoming: false, outgoing: "none" },
        { incoming: false, outgoing: "none" },
      ]);
      expect(traceContextOf({})[0]).toEqual({ incoming: false, outgoing: "none" });
    });

    it("reads incoming and outgoing, with hosts normalised", () => {
      expect(traceContextOf({ incoming: true, outgoing: "same-origin" })[0]).toEqual({
        incoming: true,
        outgoing: "same-origin",
      });
      expect(
        traceContextOf({
          outgoing: ["API.Example.com", "api.example.com", "*.Internal:08080", "[::1]:80", "bücher.de"],
        })[0],
      ).toEqual({ incoming: false, outgoing: ["api.example.com", "*.internal:8080", "[::1]:80", "xn--bcher-kva.de"] });
    });

    it("takes the traceContext option for every service, in place of their own", () => {
      expect(
        traceContextOf(
          { incoming: false, outgoing: ["a.example"] },
          { traceContext: { incoming: true, outgoing: "all" } },
        ),
      ).toEqual([
        { incoming: true, outgoing: "all" },
        { incoming: true, outgoing: "all" },
      ]);
      expect(shimError(() => traceContextOf(undefined, { traceContext: { incoming: "yes" } }))).toMatchInlineSnapshot(
        `"workers-shim: options.traceContext.incoming: expected true or false, received string "yes""`,
      );
    });

    it.for([
      [true, `worker.traceContext: expected an object {incoming?, outgoing?}, received boolean true`],
      [{ incoming: 1 }, `worker.traceContext.incoming: expected true or false, received number 1`],
      [{ in: true }, `worker.traceContext: unknown key "in". Allowed keys: incoming, outgoing.`],
      [
        { outgoing: "some" },
        `worker.traceContext.outgoing: expected "none", "all", "same-origin" or an array of hosts, received string "some"`,
      ],
      [
        { outgoing: { hosts: [] } },
        `worker.traceContext.outgoing: expected "none", "all", "same-origin" or an array of hosts, received object {"hosts":[]}`,
      ],
      ...[
        "https://api.example.com",
        "api.example.com/v1",
        "user@api.example.com",
        "api.example.com:99999",
        "*",
        "",
        "a b",
        3,
      ].map(
        (host) =>
          [
            { outgoing: ["ok.example", host] },
            `worker.traceContext.outgoing[1]: expected a host such as "api.example.com", "api.example.com:8443", "[::1]:8080" or "*.example.com", received ${typeof host === "string" ? `string ${JSON.stringify(host)}` : `number ${host}`}`,
          ] as const,
      ),
    ] as const)("rejects %j", ([value, problem]) => {
      expect(shimError(() => traceContextOf(value))).toBe(`workers-shim: service "main": ${problem}`);
    });
  });

  describe("Durable Objects", () => {
    const namespaces = [{ className: "Room", uniqueKey: "room" }];

    it("rejects namespaces without in-memory storage", () => {
      expect(shimError(() => validate(configWith({ durableObjectNamespaces: namespaces })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.durableObjectStorage: required when worker.durableObjectNamespaces is not empty; set it to {"inMemory": true}"`,
      );
    });

    it("rejects storage other than in-memory", () => {
      const storage = { durableObjectNamespaces: namespaces, durableObjectStorage: { inMemory: false } };
      expect(shimError(() => validate(configWith(storage)))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.durableObjectStorage.inMemory: expected true, received boolean false"`,
      );
      const disk = { durableObjectNamespaces: namespaces, durableObjectStorage: { localDisk: "data" } };
      expect(shimError(() => validate(configWith(disk)))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.durableObjectStorage: unknown key "localDisk". Allowed keys: inMemory."`,
      );
    });

    it("rejects a namespace without a unique key", () => {
      const raw = configWith({
        durableObjectNamespaces: [{ className: "Room" }],
        durableObjectStorage: { inMemory: true },
      });
      expect(shimError(() => validate(raw))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.durableObjectNamespaces[0].uniqueKey: required field is missing"`,
      );
    });

    it("rejects a class declared twice", () => {
      const raw = configWith({
        durableObjectNamespaces: [...namespaces, { className: "Room", uniqueKey: "room2" }],
        durableObjectStorage: { inMemory: true },
      });
      expect(shimError(() => validate(raw))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.durableObjectNamespaces[1].className: duplicate class "Room" (first declared at worker.durableObjectNamespaces[0])"`,
      );
    });
  });

  describe("streaming tails", () => {
    it("rejects an unknown tail service", () => {
      expect(shimError(() => validate(configWith({ streamingTails: ["tial"] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.streamingTails[0]: unknown service "tial". Known services: main, tail."`,
      );
    });

    it("accepts a service that tails itself (workerd does)", () => {
      const config = validate(configWith({ streamingTails: ["tail", "main"] }));
      expect(config.services[0]!.worker.streamingTails).toEqual(["tail", "main"]);
    });

    it("rejects a tail listed twice", () => {
      expect(shimError(() => validate(configWith({ streamingTails: ["tail", "tail"] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.streamingTails[1]: duplicate tail "tail" (first listed at worker.streamingTails[0])"`,
      );
    });

    it("rejects a tail name of the wrong type", () => {
      expect(shimError(() => validate(configWith({ streamingTails: [{ name: "tail" }] })))).toMatchInlineSnapshot(
        `"workers-shim: service "main": worker.streamingTails[0]: expected a non-empty string, received object {"name":"tail"}"`,
      );
    });
  });
});
