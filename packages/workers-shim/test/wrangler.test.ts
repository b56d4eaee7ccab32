import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  isWranglerConfigFile,
  parseWranglerFile,
  readWranglerConfig,
  toShimConfig,
  translateWrangler,
} from "../src/config/wrangler";

const FIXTURE = fileURLToPath(new URL("./fixtures/wrangler", import.meta.url));
const APP = path.join(FIXTURE, "app");
const CONFIG = path.join(APP, "wrangler.jsonc");
// Messages show config paths relative to the current folder.
const SHOWN = path.relative(process.cwd(), CONFIG);
const SHOWN_GREETER = path.relative(process.cwd(), path.join(FIXTURE, "greeter", "wrangler.toml"));

const scratch = mkdtempSync(path.join(tmpdir(), "workers-shim-wrangler-unit-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

const BASE = { main: "src/index.ts", compatibility_date: "2026-06-01" };

describe(translateWrangler.name, () => {
  it("translates every supported key", () => {
    const worker = translateWrangler(
      {
        $schema: "node_modules/wrangler/config-schema.json",
        name: "app",
        main: "src/index.ts",
        compatibility_date: "2026-06-01",
        compatibility_flags: ["nodejs_compat"],
        vars: { GREETING: "Hello", LIMITS: { max: 3 }, ON: true },
        define: { __VERSION__: '"1.0"' },
        services: [
          { binding: "GREETER", service: "greeter", entrypoint: "Greeter" },
          { binding: "SELF", service: "app" },
        ],
        durable_objects: {
          bindings: [
            { name: "COUNTER", class_name: "Counter" },
            { name: "ROOMS", class_name: "Room", script_name: "app" },
          ],
        },
        migrations: [
          { tag: "v1", new_classes: ["Counter", "Old"], new_sqlite_classes: ["Room"] },
          { tag: "v2", renamed_classes: [{ from: "Old", to: "Renamed" }], deleted_classes: ["Room"] },
        ],
        streaming_tail_consumers: [{ service: "tail" }],
        tail_consumers: [{ service: "logger" }],
        queues: {
          producers: [{ binding: "JOBS", queue: "jobs" }],
          consumers: [
            {
              queue: "jobs",
              max_batch_size: 5,
              max_batch_timeout: 1.5,
              max_retries: 2,
              retry_delay: 10,
              dead_letter_queue: "failed",
            },
            { queue: "failed" },
          ],
        },
        triggers: { crons: ["*/5 * * * *", "0 0 * * 1"] },
        tsconfig: "tsconfig.worker.json",
        jsx_factory: "h",
        jsx_fragment: "Fragment",
      },
      CONFIG,
    );
    expect(worker).toEqual({
      name: "app",
      configPath: CONFIG,
      main: path.join(APP, "src/index.ts"),
      compatibilityDate: "2026-06-01",
      compatibilityFlags: ["nodejs_compat"],
      vars: [
        ["GREETING", "Hello"],
        ["LIMITS", { max: 3 }],
        ["ON", true],
      ],
      define: { __VERSION__: '"1.0"' },
      services: [
        { binding: "GREETER", service: "greeter", entrypoint: "Greeter" },
        { binding: "SELF", service: "app" },
      ],
      durableObjects: [
        { name: "COUNTER", className: "Counter", at: "durable_objects.bindings[0]" },
        { name: "ROOMS", className: "Room", at: "durable_objects.bindings[1]" },
      ],
      // Created by the migrations (Old renamed, Room deleted), then those bound.
      durableObjectClasses: ["Counter", "Renamed", "Room"],
      queueProducers: [{ binding: "JOBS", queue: "jobs" }],
      queueConsumers: [
        {
          queue: "jobs",
          maxBatchSize: 5,
          maxBatchTimeoutMs: 1500,
          maxRetries: 2,
          retryDelaySeconds: 10,
          deadLetterQueue: "failed",
        },
        { queue: "failed" },
      ],
      crons: ["*/5 * * * *", "0 0 * * 1"],
      streamingTails: ["tail"],
      tails: ["logger"],
      build: { tsconfig: path.join(APP, "tsconfig.worker.json"), jsxFactory: "h", jsxFragment: "Fragment" },
      warnings: [],
    });
  });

  it("names every key it does not support in one warning", () => {
    const worker = translateWrangler(
      {
        ...BASE,
        kv_namespaces: [{ binding: "KV", id: "1" }],
        r2_buckets: [],
        queues: {
          producers: [{ binding: "Q", queue: "q", delivery_delay: 5 }],
          consumers: [{ queue: "q", max_concurrency: 2 }],
        },
        triggers: { crons: [], schedules: 1 },
        tail_consumers: [{ service: "tail", environment: "production" }],
        services: [{ binding: "B", service: "b", props: { x: 1 } }],
        streaming_tail_consumers: [{ service: "tail", environment: "x" }],
      },
      CONFIG,
    );
    expect(worker.warnings).toEqual([
      `${SHOWN}: not supported by workers-shim, ignored: kv_namespaces, r2_buckets, services[0].props, queues.producers[0].delivery_delay, queues.consumers[0].max_concurrency, triggers.schedules, streaming_tail_consumers[0].environment, tail_consumers[0].environment`,
    ]);
  });

  it("names a worker without a name after its folder", () => {
    expect(translateWrangler(BASE, CONFIG).name).toBe("app");
  });

  it("reads trace_context, the workers-shim extension key, inherited by an environment", () => {
    const raw = {
      ...BASE,
      trace_context: { incoming: true, outgoing: ["API.example.com"] },
      env: { staging: {}, prod: { trace_context: { outgoing: "none" } } },
    };
    expect(translateWrangler(raw, CONFIG).traceContext).toEqual({ incoming: true, outgoing: ["api.example.com"] });
    expect(translateWrangler(raw, CONFIG, { env: "staging" }).traceContext).toEqual({
      incoming: true,
      outgoing: ["api.example.com"],
    });
    expect(translateWrangler(raw, CONFIG, { env: "prod" }).traceContext).toEqual({ incoming: false, outgoing: "none" });
    expect(translateWrangler(raw, CONFIG).warnings).toEqual([]);
    expect(translateWrangler(BASE, CONFIG)).not.toHaveProperty("traceContext");
    const shim = toShimConfig([{ ...translateWrangler(raw, CONFIG), name: "app" }], new Map([["app", "/b/app.mjs"]]));
    expect(shim).toMatchObject({
      services: [{ worker: { traceContext: { incoming: true, outgoing: ["api.example.com"] } } }],
    });
  });

  describe("env sections", () => {
    const RAW = {
      name: "app",
      ...BASE,
      compatibility_flags: ["nodejs_compat"],
      migrations: [{ tag: "v1", new_classes: ["Counter"] }],
      vars: { LEVEL: "top" },
      services: [{ binding: "B", service: "b" }],
      env: {
        staging: { vars: { LEVEL: "staging" }, compatibility_date: "2026-07-01" },
        named: { name: "app-next", main: "src/failing.ts", services: [] },
      },
    };

    it("inherits the inheritable keys, not the others, and appends the environment to the name", () => {
      const worker = translateWrangler(RAW, CONFIG, { env: "staging" });
      expect(worker).toMatchObject({
        name: "app-staging",
        main: path.join(APP, "src/index.ts"),
        compatibilityDate: "2026-07-01",
        compatibilityFlags: ["nodejs_compat"],
        durableObjectClasses: ["Counter"],
        vars: [["LEVEL", "staging"]],
        services: [],
      });
      expect(worker.warnings).toEqual([
        `${SHOWN}: services is set at the top level but not in "env.staging", and environments do not inherit it (as in wrangler)`,
      ]);
    });

    it("keeps an environment's own name, and reads the top level without --env", () => {
      const named = translateWrangler(RAW, CONFIG, { env: "named" });
      expect(named).toMatchObject({ name: "app-next", main: path.join(APP, "src/failing.ts"), vars: [], services: [] });
      expect(translateWrangler(RAW, CONFIG)).toMatchObject({ name: "app", vars: [["LEVEL", "top"]] });
    });

    it("refuses an environment the file does not define, unless it runs alongside the primary config", () => {
      expect(() => translateWrangler(RAW, CONFIG, { env: "prod" })).toThrow(
        `workers-shim: ${SHOWN}: env: no environment "prod" (from --env). Environments: staging, named.`,
      );
      expect(translateWrangler(RAW, CONFIG, { env: "prod", envOptional: true })).toMatchObject({ name: "app" });
    });
  });

  it.for([
    { raw: [], message: "expected a wrangler configuration object, received array []" },
    {
      raw: { compatibility_date: "2026-06-01" },
      message: 'main: required field is missing: the worker\'s entry point, e.g. "src/index.ts"',
    },
    { raw: { ...BASE, main: "src/missing.ts" }, message: `main: file not found: ${path.join(APP, "src/missing.ts")}` },
    { raw: { main: "src/index.ts" }, message: 'compatibility_date: required field is missing: a date "YYYY-MM-DD"' },
    { raw: { ...BASE, name: 7 }, message: "name: expected a non-empty string, received number 7" },
    {
      raw: { ...BASE, compatibility_flags: "nodejs_compat" },
      message: 'compatibility_flags: expected an array of strings, received string "nodejs_compat"',
    },
    { raw: { ...BASE, vars: ["A"] }, message: 'vars: expected an object of variables, received array ["A"]' },
    { raw: { ...BASE, define: { X: 1 } }, message: "define.X: expected a non-empty string, received number 1" },
    {
      raw: { ...BASE, services: {} },
      message: "services: expected an array of objects {binding, service, entrypoint?}, received object {}",
    },
    { raw: { ...BASE, services: [{ service: "b" }] }, message: "services[0].binding: required field is missing" },
    {
      raw: { ...BASE, services: [{ binding: "B", service: "b", entrypoint: 1 }] },
      message: "services[0].entrypoint: expected a non-empty string, received number 1",
    },
    {
      raw: { ...BASE, durable_objects: [] },
      message: "durable_objects: expected an object {bindings}, received array []",
    },
    {
      raw: { ...BASE, durable_objects: { bindings: [{ name: "C" }] } },
      message: "durable_objects.bindings[0].class_name: required field is missing",
    },
    { raw: { ...BASE, migrations: [{ new_classes: ["C"] }] }, message: "migrations[0].tag: required field is missing" },
    {
      raw: { ...BASE, migrations: [{ tag: "v1", new_sqlite_classes: [1] }] },
      message: "migrations[0].new_sqlite_classes[0]: expected a non-empty string, received number 1",
    },
    {
      raw: { ...BASE, migrations: [{ tag: "v1", renamed_classes: [{ from: "A" }] }] },
      message: "migrations[0].renamed_classes[0].to: required field is missing",
    },
    {
      raw: { ...BASE, streaming_tail_consumers: ["tail"] },
      message: 'streaming_tail_consumers[0]: expected an object {service}, received string "tail"',
    },
    { raw: { ...BASE, env: { staging: 1 } }, message: "env.staging: expected an object, received number 1" },
    { raw: { ...BASE, queues: [] }, message: "queues: expected an object {producers?, consumers?}, received array []" },
    {
      raw: { ...BASE, queues: { producers: [{ binding: "Q" }] } },
      message: "queues.producers[0].queue: required field is missing",
    },
    {
      raw: { ...BASE, queues: { consumers: [{ queue: "q", max_batch_size: 101 }] } },
      message: "queues.consumers[0].max_batch_size: expected a whole number from 1 to 100, received number 101",
    },
    {
      raw: { ...BASE, queues: { consumers: [{ queue: "q", max_batch_timeout: "5" }] } },
      message: 'queues.consumers[0].max_batch_timeout: expected a number from 0 to 60, received string "5"',
    },
    {
      raw: { ...BASE, trace_context: { outgoing: "everywhere" } },
      message:
        'trace_context.outgoing: expected "none", "all", "same-origin" or an array of hosts, received string "everywhere"',
    },
    {
      raw: { ...BASE, env: { staging: { trace_context: true } } },
      message: "trace_context: expected an object {incoming?, outgoing?}, received boolean true",
      env: "staging",
    },
    {
      raw: { ...BASE, triggers: { crons: "* * * * *" } },
      message: 'triggers.crons: expected an array of strings, received string "* * * * *"',
    },
  ])("refuses bad input naming the key and what it expects: $message", ({ raw, message, env }) => {
    expect(() => translateWrangler(raw, CONFIG, env === undefined ? {} : { env })).toThrow(
      `workers-shim: ${SHOWN}: ${env === undefined ? "" : `env.${env}.`}${message}`,
    );
  });
});

describe(toShimConfig.name, () => {
  const greeter = readWranglerConfig(path.join(FIXTURE, "greeter", "wrangler.toml"));
  const tail = readWranglerConfig(path.join(FIXTURE, "tail", "wrangler.toml"));
  const logger = readWranglerConfig(path.join(FIXTURE, "logger", "wrangler.toml"));
  const app = readWranglerConfig(CONFIG);
  const bundles = new Map([
    ["app", "/b/app.mjs"],
    ["greeter", "/b/greeter.mjs"],
    ["tail", "/b/tail.mjs"],
    ["logger", "/b/logger.mjs"],
  ]);

  it("gives each worker its bundle, bindings, Durable Object classes and streaming tails", () => {
    expect(toShimConfig([app, greeter, tail, logger], bundles)).toEqual({
      services: [
        {
          name: "app",
          worker: {
            modules: [{ name: "app", esModule: "/b/app.mjs" }],
            compatibilityDate: "2026-06-01",
            compatibilityFlags: ["nodejs_compat"],
            bindings: [
              { name: "GREETING", text: "Hello" },
              { name: "LIMITS", json: { max: 3 } },
              { name: "GREETER", service: { name: "greeter", entrypoint: "Greeter" } },
              { name: "COUNTER", durableObjectNamespace: "Counter" },
              { name: "JOBS", queue: "jobs" },
            ],
            durableObjectNamespaces: [{ className: "Counter", uniqueKey: "app-Counter" }],
            durableObjectStorage: { inMemory: true },
            streamingTails: ["tail"],
            tails: ["logger"],
            queueConsumers: [{ queue: "jobs", maxBatchSize: 2, maxBatchTimeoutMs: 50, maxRetries: 1 }],
          },
        },
        {
          name: "greeter",
          worker: {
            modules: [{ name: "greeter", esModule: "/b/greeter.mjs" }],
            compatibilityDate: "2026-06-01",
            compatibilityFlags: [],
            bindings: [{ name: "PUNCTUATION", text: "!" }],
            streamingTails: [],
          },
        },
        {
          name: "tail",
          worker: {
            modules: [{ name: "tail", esModule: "/b/tail.mjs" }],
            compatibilityDate: "2026-06-01",
            compatibilityFlags: [],
            bindings: [],
            streamingTails: [],
          },
        },
        {
          name: "logger",
          worker: {
            modules: [{ name: "logger", esModule: "/b/logger.mjs" }],
            compatibilityDate: "2026-06-01",
            compatibilityFlags: [],
            bindings: [],
            streamingTails: [],
          },
        },
      ],
    });
  });

  it("binds a Durable Object class of another worker of the run (script_name)", () => {
    const front = translateWrangler(
      {
        ...BASE,
        name: "front",
        durable_objects: { bindings: [{ name: "C", class_name: "Counter", script_name: "back" }] },
      },
      CONFIG,
    );
    const back = translateWrangler(
      {
        ...BASE,
        name: "back",
        durable_objects: { bindings: [{ name: "C", class_name: "Counter" }] },
        migrations: [{ tag: "v1", new_classes: ["Counter"] }],
      },
      CONFIG,
    );
    // The class is the other worker's: the binding worker declares none.
    expect(front.durableObjectClasses).toEqual([]);
    const runBundles = new Map([
      ["front", "/b/front.mjs"],
      ["back", "/b/back.mjs"],
    ]);
    const [frontService, backService] = toShimConfig([front, back], runBundles)["services"] as {
      worker: Record<string, unknown>;
    }[];
    expect(frontService!.worker["bindings"]).toEqual([
      { name: "C", durableObjectNamespace: { className: "Counter", serviceName: "back" } },
    ]);
    expect(backService!.worker["durableObjectNamespaces"]).toEqual([
      { className: "Counter", uniqueKey: "back-Counter" },
    ]);
    const misnamed = translateWrangler(
      {
        ...BASE,
        name: "front",
        durable_objects: { bindings: [{ name: "C", class_name: "Countr", script_name: "back" }] },
      },
      CONFIG,
    );
    expect(() => toShimConfig([misnamed, back], runBundles)).toThrow(
      `workers-shim: ${SHOWN}: durable_objects.bindings[0].class_name: worker "back" (${SHOWN}) has no Durable Object class "Countr" (its classes: Counter); its classes come from its migrations and its own durable_objects bindings`,
    );
    expect(() => toShimConfig([front], runBundles)).toThrow(
      `workers-shim: ${SHOWN}: durable_objects.bindings[0].script_name: no worker named "back" in this run (workers: front); pass its config with another -c to run it as the worker of Durable Object class "Counter"`,
    );
  });

  it("refuses a service or tail that names no worker of the run, and two workers with one name", () => {
    expect(() => toShimConfig([app, tail, logger], bundles)).toThrow(
      `workers-shim: ${SHOWN}: services[0].service: no worker named "greeter" in this run (workers: app, tail, logger); pass its config with another -c to run it as a service binding`,
    );
    expect(() => toShimConfig([app, greeter, logger], bundles)).toThrow(
      `workers-shim: ${SHOWN}: streaming_tail_consumers[0].service: no worker named "tail" in this run (workers: app, greeter, logger); pass its config with another -c to run it as a streaming tail consumer`,
    );
    expect(() => toShimConfig([greeter, greeter], bundles)).toThrow(
      `workers-shim: ${SHOWN_GREETER}: name: two workers are named "greeter" (the other is ${SHOWN_GREETER})`,
    );
  });
});

describe(parseWranglerFile.name, () => {
  it("reads JSON with comments and trailing commas, and TOML", () => {
    expect(parseWranglerFile(write("wrangler.jsonc", '// c\n{ "name": "a", /* b */ "vars": { "X": 1, }, }'))).toEqual({
      name: "a",
      vars: { X: 1 },
    });
    expect(
      parseWranglerFile(write("wrangler.toml", 'name = "a"\n[[services]]\nbinding = "B"\nservice = "b"\n')),
    ).toEqual({
      name: "a",
      services: [{ binding: "B", service: "b" }],
    });
  });

  it("points at the line and column of a syntax error", () => {
    const jsonc = write("broken.jsonc", '{\n  "name": "a"\n  "main": "b"\n}');
    expect(() => parseWranglerFile(jsonc)).toThrow(`workers-shim: ${jsonc}:3:3: invalid JSON: CommaExpected`);
    const toml = write("broken.toml", 'name = "a"\nmain = \n');
    expect(() => parseWranglerFile(toml)).toThrow(
      new RegExp(`^workers-shim: ${toml.replace(/[.\\]/g, "\\$&")}:2:8: invalid TOML: `),
    );
    expect(() => parseWranglerFile(path.join(scratch, "none.toml"))).toThrow(
      `workers-shim: ${path.join(scratch, "none.toml")}: cannot read file: no such file or directory (ENOENT)`,
    );
  });
});

describe(isWranglerConfigFile.name, () => {
  it.for([
    ["wrangler.toml", true],
    ["wrangler.jsonc", true],
    ["wrangler.json", true],
    ["wrangler.staging.json", true],
    ["config.json", false],
    ["worker.js", false],
  ] as const)("%s: %s", ([file, expected]) => {
    expect(isWranglerConfigFile(file)).toBe(expected);
  });
});
