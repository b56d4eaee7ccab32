/**
 * Base class of named and default `WorkerEntrypoint` exports (`cloudflare:workers`).
 * @remarks The runtime creates one instance per invocation, with the invocation's `ctx` and the
 * worker's `env`.
 */
export class WorkerEntrypoint<Env = unknown> {
  /** The invocation's execution context (`ctx.tracing`, `ctx.waitUntil`, ...). */
  readonly ctx: unknown;
  /** The worker's bindings. */
  readonly env: Env;

  constructor(ctx: unknown, env: Env) {
    this.ctx = ctx;
    this.env = env;
  }
}

/**
 * Base class of Durable Object classes (`cloudflare:workers`).
 * @remarks `ctx` is the object's `DurableObjectState`, which has no `tracing`.
 */
export class DurableObject<Env = unknown> {
  /** The object's state: `storage`, `id`, `waitUntil`, `blockConcurrencyWhile`. */
  readonly ctx: unknown;
  /** The worker's bindings. */
  readonly env: Env;

  constructor(ctx: unknown, env: Env) {
    this.ctx = ctx;
    this.env = env;
  }
}

/** Marker base class for objects meant to be passed by reference over RPC (`cloudflare:workers`). */
export class RpcTarget {}
