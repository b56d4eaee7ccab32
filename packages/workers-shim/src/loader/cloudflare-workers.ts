import { tracing, type Tracing } from "@workers-tracing/user-tracing";
import { DurableObject, RpcTarget, WorkerEntrypoint } from "../entrypoints";
import { BUILTIN_OVERRIDES } from "../node-builtins";
import { CLOUDFLARE_WORKERS_API_KEY } from "./hooks-source";

/** What the virtual `cloudflare:workers` module reads when a worker imports it. */
interface CloudflareWorkersApi {
  readonly tracing: Tracing;
  readonly WorkerEntrypoint: typeof WorkerEntrypoint;
  readonly DurableObject: typeof DurableObject;
  readonly RpcTarget: typeof RpcTarget;
  readonly envs: Map<string, object>;
  env(serviceKey: string): object | undefined;
  readonly builtins: Map<string, ServiceBuiltins>;
  builtin(serviceKey: string, name: string): Record<string, unknown>;
}

/** A service's `node:*` modules of `BUILTIN_OVERRIDES`: whether it may import them, and the ones made. */
interface ServiceBuiltins {
  readonly allowed: boolean;
  readonly made: Map<string, Record<string, unknown>>;
}

const API_SYMBOL = Symbol.for(CLOUDFLARE_WORKERS_API_KEY);

/**
 * Returns the process-wide `cloudflare:workers` registry, creating it on first use. Two copies
 * of the shim in one process share the first one's registry, so `tracing` is one object.
 */
function cloudflareWorkersApi(): CloudflareWorkersApi {
  const holder = globalThis as { [API_SYMBOL]?: CloudflareWorkersApi };
  let api = holder[API_SYMBOL];
  if (api === undefined) {
    const envs = new Map<string, object>();
    const builtins = new Map<string, ServiceBuiltins>();
    api = Object.freeze({
      tracing,
      WorkerEntrypoint,
      DurableObject,
      RpcTarget,
      envs,
      env: (serviceKey: string) => envs.get(serviceKey),
      builtins,
      builtin: (serviceKey: string, name: string) => serviceBuiltin(builtins, serviceKey, name),
    });
    Object.defineProperty(globalThis, API_SYMBOL, { value: api, enumerable: false });
  }
  return api;
}

function serviceBuiltin(
  builtins: Map<string, ServiceBuiltins>,
  serviceKey: string,
  name: string,
): Record<string, unknown> {
  const own = builtins.get(serviceKey);
  const factory = Object.prototype.hasOwnProperty.call(BUILTIN_OVERRIDES, name) ? BUILTIN_OVERRIDES[name] : undefined;
  if (own === undefined || !own.allowed || factory === undefined) throw new Error(`No such module "node:${name}".`);
  let made = own.made.get(name);
  if (made === undefined) {
    made = factory();
    own.made.set(name, made);
  }
  return made;
}

/**
 * Records whether the service may import the shim's own `node:*` modules (`nodejs_compat` or
 * `nodejs_compat_v2`); without them an import fails with workerd's `No such module` error.
 */
export function registerServiceBuiltins(serviceKey: string, flags: Readonly<Record<string, boolean>>): void {
  const allowed = flags.nodejsCompat === true || flags.nodejsCompatV2 === true || flags.nodeJsCompat === true || flags.nodeJsCompatV2 === true;
  cloudflareWorkersApi().builtins.set(serviceKey, { allowed, made: new Map() });
}

/** Makes `env` what `import { env } from "cloudflare:workers"` gives the service's modules. */
export function registerServiceEnv(serviceKey: string, env: object): void {
  cloudflareWorkersApi().envs.set(serviceKey, env);
}

/** Forgets a service's `env` (the runtime was closed). */
export function unregisterServiceEnv(serviceKey: string): void {
  cloudflareWorkersApi().envs.delete(serviceKey);
  cloudflareWorkersApi().builtins.delete(serviceKey);
}

/** The shared `tracing` object of `cloudflare:workers`. */
export function moduleTracing(): Tracing {
  return cloudflareWorkersApi().tracing;
}
