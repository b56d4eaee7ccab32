import { createHash, randomBytes } from "node:crypto";
import {
  currentInvocation,
  type Invocation,
  IoContext,
  runInInvocation,
  runOutsideInvocations,
  type SpanContext,
  describeReceived,
} from "@workers-tracing/core-context";
import { callRpc, runRpcMethod, withRpcMembers, type RpcRequest } from "./bindings/rpc";
import { deliver, scopeOf, type DeliveryReceiver } from "./delivery";
import { DurableObjectStorage, type AlarmScheduler } from "./durable-object-storage";
import { describeError } from "./errors";
import { fetchEventInfo } from "./http";
import { holdUntilBodySent } from "./response-body";
import { END_WHEN_BODY_CONSUMED, openActorSubrequest, sendFetch } from "./subrequest";
import { actorFetchArrival, actorRpcMethodStart, actorStartup, borrowedFrameRelease } from "./timing";

/** What an actor needs from the service that exports its class. */
export interface ActorHost extends DeliveryReceiver {
  /** The service name. */
  readonly name: string;
  /** The worker's bindings. */
  readonly env: object;
  /** The module export `name`. */
  exportValue(name: string): unknown;
  /** Prints a runtime warning. */
  warn(message: string): void;
}

const HEX_ID = /^[0-9a-f]{64}$/;

/** Identifies one Durable Object of a namespace: 64 lowercase hex digits. */
export class DurableObjectId {
  declare readonly name: string | undefined;
  readonly #hex: string;
  readonly #namespace: DurableObjectClass;

  /** @internal */
  constructor(namespace: DurableObjectClass, hex: string, name: string | undefined) {
    this.#namespace = namespace;
    this.#hex = hex;
    Object.defineProperty(this, "name", { value: name, enumerable: true });
  }

  /** The id as 64 hex digits. */
  toString(): string {
    return this.#hex;
  }

  /** Whether `other` identifies the same object. */
  equals(other: unknown): boolean {
    return other instanceof DurableObjectId && other.#hex === this.#hex && other.#namespace === this.#namespace;
  }

  /** @internal */
  static _parts(id: DurableObjectId): { namespace: DurableObjectClass; hex: string } {
    return { namespace: id.#namespace, hex: id.#hex };
  }
}

/**
 * The state of one Durable Object (`this.ctx` of the class): `storage`, `id`, `waitUntil` and
 * `blockConcurrencyWhile`. Unlike a handler's `ctx` it has no `tracing` (spec §2.1).
 */
export class DurableObjectState {
  declare readonly storage: DurableObjectStorage;
  declare readonly id: DurableObjectId;
  readonly #actor: DurableObjectActor;

  /** @internal */
  constructor(actor: DurableObjectActor, storage: DurableObjectStorage, id: DurableObjectId) {
    this.#actor = actor;
    Object.defineProperty(this, "storage", { value: storage, enumerable: true });
    Object.defineProperty(this, "id", { value: id, enumerable: true });
  }

  /** Adds work the current invocation's `outcome` waits for. */
  waitUntil(promise: unknown): void {
    const invocation = currentInvocation();
    const scope =
      invocation === undefined || invocation.context !== this.#actor.context ? undefined : scopeOf(invocation);
    if (scope !== undefined) scope.waitUntil(promise);
    else void Promise.resolve(promise).catch(() => {});
  }

  /** Runs `callback` and holds back new events for the object until it settles. */
  blockConcurrencyWhile<T>(callback: () => T | Promise<T>): Promise<T> {
    return this.#actor.block(callback);
  }
}

/** One live Durable Object: its actor context, storage, alarm and class instance. */
export class DurableObjectActor implements AlarmScheduler {
  readonly owner: DurableObjectClass;
  readonly id: DurableObjectId;
  readonly hex: string;
  readonly context: IoContext;
  readonly state: DurableObjectState;
  #instance: object | undefined = undefined;
  #blocked: Promise<unknown> | undefined = undefined;
  #starting: Promise<void> | undefined = undefined;
  #alarm: { time: number; timer: NodeJS.Timeout } | undefined = undefined;
  #closed = false;

  constructor(owner: DurableObjectClass, id: DurableObjectId, hex: string) {
    this.owner = owner;
    this.id = id;
    this.hex = hex;
    this.context = new IoContext({
      ...owner.host.contextOptions,
      executionModel: "durableObject",
      durableObjectId: hex,
    });
    this.state = new DurableObjectState(this, new DurableObjectStorage(this), id);
  }

  /** The class instance, constructed on first use inside the running invocation. */
  instance(): object {
    if (this.#instance === undefined) {
      const cls = this.owner.host.exportValue(this.owner.className);
      if (typeof cls !== "function") {
        throw new TypeError(
          `workers-shim: Durable Object class "${this.owner.className}" is not exported by service "${this.owner.host.name}".`,
        );
      }
      this.#instance = new (cls as new (state: DurableObjectState, env: object) => object)(
        this.state,
        this.owner.host.env,
      );
    }
    return this.#instance;
  }

  /**
   * The class instance once no `blockConcurrencyWhile()` holds the object back. An object that
   * has not started yet starts later (see `actorStartup`): requests sent together are all
   * delivered, their onsets reported, before the constructor runs.
   */
  async prepared(): Promise<object> {
    if (this.#instance === undefined) {
      this.#starting ??= actorStartup().then(() => {
        this.instance();
      });
      await this.#starting;
    }
    const object = this.instance();
    await this.#ready();
    return object;
  }

  /**
   * Runs a handler's code for `own`: in the root frame of the newest live invocation of the
   * object, which is `own` unless another request was delivered meanwhile (two requests reaching
   * an object before it started: workerd attributes both handlers' spans and logs to the newer).
   */
  inNewestFrame<R>(own: Invocation, fn: () => R): R {
    const newest = this.context.newestLive ?? own;
    const result = runInInvocation(newest, fn);
    // The newer invocation's outcome waits for the handler running in its frame (and for the
    // runtime spans that close a turn after it), as workerd's does.
    if (newest !== own) scopeOf(newest)?.hold(borrowedFrameRelease(result));
    return result;
  }

  /** Runs `callback` at once; new events wait until its result settled. */
  block<T>(callback: () => T | Promise<T>): Promise<T> {
    let run: Promise<T>;
    try {
      run = Promise.resolve(callback());
    } catch (error) {
      run = Promise.reject(error);
    }
    const gate = run.then(
      () => {},
      () => {},
    );
    this.#blocked = gate;
    void gate.then(() => {
      if (this.#blocked === gate) this.#blocked = undefined;
    });
    return run;
  }

  async #ready(): Promise<void> {
    while (this.#blocked !== undefined) await this.#blocked;
  }

  /** Delivers a `fetch` event to the object. */
  async deliverFetch(request: Request, parent: SpanContext | undefined): Promise<Response> {
    // Delivered (onset reported) at once; the handler waits for a blockConcurrencyWhile().
    const held = new WeakSet<Response>();
    const delivery = deliver(
      this.owner.host,
      {
        kind: "fetch",
        info: fetchEventInfo(request),
        parent,
        entrypoint: this.owner.className,
        context: this.context,
        // A response with a body reports `return` once the caller has read the body to the end,
        // as a service's fetch does (holdUntilBodySent).
        returnInfo: (response: Response) =>
          held.has(response) ? false : { type: "fetch", statusCode: response.status },
        failureOutcome: "exception",
        reportFailure: true,
      },
      async (scope) => {
        const object = (await this.prepared()) as { fetch?: unknown };
        if (typeof object.fetch !== "function") throw new TypeError("Handler does not export a fetch() function.");
        const response: unknown = await this.inNewestFrame(scope.invocation, () =>
          (object.fetch as (request: Request) => unknown).call(object, request),
        );
        if (!(response instanceof Response)) {
          throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
        }
        const watched = holdUntilBodySent(response, scope);
        if (watched === false) return response;
        held.add(watched);
        return watched;
      },
    );
    return delivery.result;
  }

  /** Delivers a JS-RPC call to the object. */
  async deliverRpc(request: RpcRequest): Promise<unknown> {
    // Delivered (onset reported) at once; the method waits for a blockConcurrencyWhile().
    const delivery = deliver(
      this.owner.host,
      {
        kind: "jsrpc",
        info: { type: "jsrpc" },
        parent: request.parent,
        entrypoint: this.owner.className,
        context: this.context,
        returnInfo: () => undefined,
        failureOutcome: "ok",
        reportFailure: false,
      },
      async (scope) => {
        const object = await this.prepared();
        await actorRpcMethodStart();
        const own = scope.invocation;
        // With a root frame for RPC (workers_tracing_root_frames) the method runs in its own
        // invocation's frame, whatever was delivered to the object since.
        if (this.context.rootFrameKinds.has("jsrpc")) {
          return runInInvocation(own, () => runRpcMethod(own, request, () => object));
        }
        return this.inNewestFrame(own, () => runRpcMethod(own, request, () => object, this.context.newestLive));
      },
    );
    return delivery.result;
  }

  alarmTime(): number | null {
    return this.#alarm === undefined ? null : this.#alarm.time;
  }

  scheduleAlarm(time: number): void {
    this.cancelAlarm();
    if (this.#closed) return;
    const delay = Math.max(0, time - Date.now());
    // Outside any frame, so the alarm's delivery does not start in the setter's context.
    const timer = runOutsideInvocations(() => setTimeout(() => void this.#fireAlarm(time), delay));
    this.#alarm = { time, timer };
  }

  cancelAlarm(): void {
    if (this.#alarm !== undefined) clearTimeout(this.#alarm.timer);
    this.#alarm = undefined;
  }

  async #fireAlarm(time: number): Promise<void> {
    this.#alarm = undefined;
    await this.#ready();
    if (this.#closed) return;
    const delivery = deliver(
      this.owner.host,
      {
        kind: "alarm",
        info: { type: "alarm", scheduledTime: new Date(time) },
        entrypoint: this.owner.className,
        context: this.context,
        returnInfo: () => false,
        failureOutcome: "exception",
        reportFailure: true,
      },
      async () => {
        const object = (await this.prepared()) as { alarm?: unknown };
        if (typeof object.alarm !== "function") {
          throw new TypeError(`Durable Object class "${this.owner.className}" has no alarm() handler.`);
        }
        return (object.alarm as (info: object) => unknown).call(object, {
          scheduledTime: time,
          retryCount: 0,
          isRetry: false,
        });
      },
    );
    try {
      await delivery.result;
    } catch (error) {
      this.owner.host.warn(
        `alarm() of Durable Object ${this.owner.className} ${this.hex} failed: ${describeError(error)}`,
      );
    }
  }

  /** Stops the alarm timer; no further events are delivered. */
  close(): void {
    this.#closed = true;
    this.cancelAlarm();
  }
}

/** The objects of one Durable Object class of a service. */
export class DurableObjectClass {
  readonly host: ActorHost;
  readonly className: string;
  readonly uniqueKey: string;
  readonly #actors = new Map<string, DurableObjectActor>();

  constructor(host: ActorHost, className: string, uniqueKey: string) {
    this.host = host;
    this.className = className;
    this.uniqueKey = uniqueKey;
  }

  /** The actor for `id`, created on first use. */
  actor(id: DurableObjectId): DurableObjectActor {
    const { hex } = DurableObjectId._parts(id);
    let actor = this.#actors.get(hex);
    if (actor === undefined) {
      actor = new DurableObjectActor(this, id, hex);
      this.#actors.set(hex, actor);
    }
    return actor;
  }

  /** Stops every actor's alarm. */
  close(): void {
    for (const actor of this.#actors.values()) actor.close();
  }
}

/** A Durable Object namespace binding (workerd's `DurableObjectNamespace`). */
export class DurableObjectNamespace {
  #objects: DurableObjectClass | (() => DurableObjectClass);

  /**
   * @param objects the class's objects, or a function that finds them on first use (for a class
   * of another service, which may not be set up yet when this binding is made).
   */
  constructor(objects: DurableObjectClass | (() => DurableObjectClass)) {
    this.#objects = objects;
  }

  get #class(): DurableObjectClass {
    const objects = this.#objects;
    if (objects instanceof DurableObjectClass) return objects;
    return (this.#objects = objects());
  }

  /** Returns a new random id. */
  newUniqueId(): DurableObjectId {
    return new DurableObjectId(this.#class, randomBytes(32).toString("hex"), undefined);
  }

  /** Returns the id derived from `name` (the same name always gives the same id). */
  idFromName(name: string): DurableObjectId {
    if (arguments.length === 0) {
      throw new TypeError(
        "Failed to execute 'idFromName' on 'DurableObjectNamespace': parameter 1 is not of type 'string'.",
      );
    }
    const text = String(name);
    const hex = createHash("sha256").update(`${this.#class.uniqueKey}\u0000${text}`).digest("hex");
    return new DurableObjectId(this.#class, hex, text);
  }

  /** Parses an id from its 64 hex digits. */
  idFromString(id: string): DurableObjectId {
    if (typeof id !== "string" || !HEX_ID.test(id)) {
      throw new TypeError(
        `Invalid Durable Object ID: expected 64 lowercase hex digits, received ${describeReceived(id)}.`,
      );
    }
    return new DurableObjectId(this.#class, id, undefined);
  }

  /** Returns a stub for the object `id`. */
  get(id: DurableObjectId): object {
    if (!(id instanceof DurableObjectId)) {
      throw new TypeError(
        "Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 is not of type 'DurableObjectId'.",
      );
    }
    if (DurableObjectId._parts(id).namespace !== this.#class) {
      throw new TypeError(`DurableObjectNamespace.get(): the id ${id.toString()} belongs to another namespace.`);
    }
    return createStub(this.#class, id);
  }

  /** Returns a stub for the object named `name`. */
  getByName(name: string): object {
    return this.get(this.idFromName(name));
  }

  /** Returns this namespace (jurisdictions do not apply locally). */
  jurisdiction(): DurableObjectNamespace {
    return this;
  }
}

/** The stub of one object: `fetch()`, `id`, `name`, and RPC members. */
class DurableObjectStub {
  declare readonly id: DurableObjectId;
  declare readonly name: string | undefined;
  readonly #objects: DurableObjectClass;

  constructor(objects: DurableObjectClass, id: DurableObjectId) {
    this.#objects = objects;
    Object.defineProperty(this, "id", { value: id, enumerable: true });
    Object.defineProperty(this, "name", { value: id.name, enumerable: true });
  }

  /** Sends an HTTP request to the object's `fetch()` handler. */
  fetch(input: unknown, init?: unknown): Promise<Response> {
    return sendFetch(input, init, {
      open: () => {
        const outer = openActorSubrequest(this.id.toString());
        return { span: outer?.startChild("fetch"), outer };
      },
      arrival: actorFetchArrival,
      deliver: (request, parent) => this.#objects.actor(this.id).deliverFetch(request, parent),
      end: END_WHEN_BODY_CONSUMED,
    });
  }

  /** Raw TCP sockets are not available in the shim. */
  connect(): never {
    throw new Error("workers-shim: connect() on a Durable Object stub is not supported.");
  }
}

function createStub(objects: DurableObjectClass, id: DurableObjectId): object {
  return withRpcMembers(new DurableObjectStub(objects, id), (method, operation, args) =>
    callRpc(
      () => {
        const outer = openActorSubrequest(id.toString());
        return { session: outer?.startChild("jsRpcSession"), outer };
      },
      method,
      operation,
      args,
      (request) => objects.actor(id).deliverRpc(request),
    ),
  );
}
