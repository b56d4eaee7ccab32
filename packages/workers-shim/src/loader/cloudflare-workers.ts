import { tracing, type Tracing } from "@workers-tracing/user-tracing";
import { DurableObject, RpcTarget, WorkerEntrypoint } from "../entrypoints";
import { CLOUDFLARE_WORKERS_API_KEY } from "./hooks-source";

/** What the virtual `cloudflare:workers` module reads when a worker imports it. */
interface CloudflareWorkersApi {
  readonly tracing: Tracing;
  readonly WorkerEntrypoint: typeof WorkerEntrypoint;
  readonly DurableObject: typeof DurableObject;
  readonly RpcTarget: typeof RpcTarget;
  readonly envs: Map<string, object>;
  env(serviceKey: string): object | undefined;
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
    api = Object.freeze({
      tracing,
      WorkerEntrypoint,
      DurableObject,
      RpcTarget,
      envs,
      env: (serviceKey: string) => envs.get(serviceKey),
    });
    Object.defineProperty(globalThis, API_SYMBOL, { value: api, enumerable: false });
  }
  return api;
}

/** Makes `env` what `import { env } from "cloudflare:workers"` gives the service's modules. */
export function registerServiceEnv(serviceKey: string, env: object): void {
  cloudflareWorkersApi().envs.set(serviceKey, env);
}

/** Forgets a service's `env` (the runtime was closed). */
export function unregisterServiceEnv(serviceKey: string): void {
  cloudflareWorkersApi().envs.delete(serviceKey);
}

/** The shared `tracing` object of `cloudflare:workers`. */
export function moduleTracing(): Tracing {
  return cloudflareWorkersApi().tracing;
}
