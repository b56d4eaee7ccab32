import { tracing } from "@workers-tracing/user-tracing";
import { DurableObject, RpcTarget, WorkerEntrypoint } from "../entrypoints";

/**
 * The exports of a service's `cloudflare:workers` module: the shared `tracing` object, the base
 * classes, and the service's own `env`.
 */
export function cloudflareWorkersExports(env: object): Record<string, unknown> {
  return { tracing, WorkerEntrypoint, DurableObject, RpcTarget, env };
}
