import type { AsyncLocalStorage } from "node:async_hooks";
import { reportDiagnosticChannel } from "@workers-tracing/core-context";

/** What a subscriber receives: the published message and the channel's name. */
type Subscriber = (message: unknown, name: string | symbol) => void;

/** A store bound with `bindStore`: the storage and how a published message becomes its value. */
interface BoundStore {
  readonly storage: AsyncLocalStorage<unknown>;
  readonly transform: (message: unknown) => unknown;
}

/** The channels of a TracingChannel, by event. */
interface TracingChannels<C> {
  readonly start: C;
  readonly end: C;
  readonly asyncStart: C;
  readonly asyncEnd: C;
  readonly error: C;
}

const TRACING_EVENTS = ["start", "end", "asyncStart", "asyncEnd", "error"] as const;

function requireFunction(value: unknown, what: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== "function") {
    throw new TypeError(`The "${what}" argument must be of type function. Received ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `type string ("${value}")`;
  return typeof value === "object" ? "an instance of Object" : `type ${typeof value}`;
}

function requireName(name: unknown): string | symbol {
  if (typeof name === "string" || typeof name === "symbol") return name;
  throw new TypeError(`The "name" argument must be of type string or symbol. Received ${describe(name)}`);
}

/**
 * Creates the namespace of `node:diagnostics_channel` for one worker, as workerd serves it:
 * channels are private to the worker (Node's own channels, on which Node's fetch publishes,
 * are neither seen nor touched), and every `publish` — subscribed or not — also reports a
 * `diagnosticChannel` tail event (structured clone, size limit, see core-context's
 * `reportDiagnosticChannel`) after the subscribers ran.
 * @remarks Differences to Node that workerd has, kept here: `new Channel()` throws `Illegal
 * constructor`, a channel has no `name` property, `publish()` needs an argument, `unsubscribe`
 * returns nothing, a throwing subscriber makes `publish` throw (no event), and the default
 * export has no `TracingChannel`.
 */
export function createDiagnosticsChannelModule(): Record<string, unknown> {
  const constructing = Symbol("construct");
  const channels = new Map<string | symbol, Channel>();

  class Channel {
    readonly #name: string | symbol;
    #subscribers: Subscriber[] = [];
    #stores: BoundStore[] = [];

    constructor(token: symbol, name: string | symbol) {
      if (token !== constructing) throw new TypeError("Illegal constructor");
      this.#name = name;
    }

    get hasSubscribers(): boolean {
      return this.#subscribers.length > 0 || this.#stores.length > 0;
    }

    publish(...args: unknown[]): void {
      if (args.length === 0) {
        throw new TypeError("Failed to execute 'publish' on 'Channel': parameter 1 is not of type 'Value'.");
      }
      const message = args[0];
      for (const subscriber of [...this.#subscribers]) subscriber(message, this.#name);
      reportDiagnosticChannel(String(this.#name), message);
    }

    subscribe(subscriber: Subscriber): void {
      requireFunction(subscriber, "subscription");
      if (!this.#subscribers.includes(subscriber)) this.#subscribers.push(subscriber);
    }

    unsubscribe(subscriber: Subscriber): void {
      this.#subscribers = this.#subscribers.filter((s) => s !== subscriber);
    }

    bindStore(storage: AsyncLocalStorage<unknown>, transform?: (message: unknown) => unknown): void {
      this.#stores = this.#stores.filter((s) => s.storage !== storage);
      this.#stores.push({ storage, transform: transform ?? ((message) => message) });
    }

    unbindStore(storage: AsyncLocalStorage<unknown>): void {
      this.#stores = this.#stores.filter((s) => s.storage !== storage);
    }

    runStores<R>(message: unknown, fn: (...args: unknown[]) => R, thisArg?: unknown, ...args: unknown[]): R {
      requireFunction(fn, "fn");
      let run = (): R => {
        this.publish(message);
        return Reflect.apply(fn, thisArg, args);
      };
      for (const { storage, transform } of [...this.#stores].reverse()) {
        const inner = run;
        run = () => storage.run(transform(message), inner);
      }
      return run();
    }
  }
  Object.defineProperty(Channel.prototype, Symbol.toStringTag, { value: "Channel" });

  function channel(name: unknown): Channel {
    const key = requireName(name);
    let found = channels.get(key);
    if (found === undefined) {
      found = new Channel(constructing, key);
      channels.set(key, found);
    }
    return found;
  }

  class TracingChannel {
    readonly #channels: TracingChannels<Channel>;

    constructor(token: symbol, channels: TracingChannels<Channel>) {
      if (token !== constructing) throw new TypeError("Illegal constructor");
      this.#channels = channels;
    }

    get start(): Channel {
      return this.#channels.start;
    }
    get end(): Channel {
      return this.#channels.end;
    }
    get asyncStart(): Channel {
      return this.#channels.asyncStart;
    }
    get asyncEnd(): Channel {
      return this.#channels.asyncEnd;
    }
    get error(): Channel {
      return this.#channels.error;
    }

    get hasSubscribers(): boolean {
      return TRACING_EVENTS.some((event) => this.#channels[event].hasSubscribers);
    }

    subscribe(handlers: Partial<Record<(typeof TRACING_EVENTS)[number], Subscriber>>): void {
      for (const event of TRACING_EVENTS) {
        const handler = handlers[event];
        if (handler !== undefined) this.#channels[event].subscribe(handler);
      }
    }

    unsubscribe(handlers: Partial<Record<(typeof TRACING_EVENTS)[number], Subscriber>>): void {
      for (const event of TRACING_EVENTS) {
        const handler = handlers[event];
        if (handler !== undefined) this.#channels[event].unsubscribe(handler);
      }
    }

    traceSync<R>(
      fn: (...args: unknown[]) => R,
      context: Record<string, unknown> = {},
      thisArg?: unknown,
      ...args: unknown[]
    ): R {
      requireFunction(fn, "fn");
      const { start, end, error } = this.#channels;
      start.publish(context);
      try {
        const result = Reflect.apply(fn, thisArg, args);
        context.result = result;
        return result;
      } catch (err) {
        context.error = err;
        error.publish(context);
        throw err;
      } finally {
        end.publish(context);
      }
    }

    tracePromise<R>(
      fn: (...args: unknown[]) => PromiseLike<R>,
      context: Record<string, unknown> = {},
      thisArg?: unknown,
      ...args: unknown[]
    ): Promise<R> {
      requireFunction(fn, "fn");
      const { start, end, asyncStart, asyncEnd, error } = this.#channels;
      start.publish(context);
      try {
        return Promise.resolve(Reflect.apply(fn, thisArg, args)).then(
          (result) => {
            context.result = result;
            asyncStart.publish(context);
            asyncEnd.publish(context);
            return result;
          },
          (err: unknown) => {
            context.error = err;
            error.publish(context);
            asyncStart.publish(context);
            asyncEnd.publish(context);
            throw err;
          },
        );
      } catch (err) {
        context.error = err;
        error.publish(context);
        throw err;
      } finally {
        end.publish(context);
      }
    }

    traceCallback<R>(
      fn: (...args: unknown[]) => R,
      position = -1,
      context: Record<string, unknown> = {},
      thisArg?: unknown,
      ...args: unknown[]
    ): R {
      requireFunction(fn, "fn");
      const { asyncStart, asyncEnd, error } = this.#channels;
      const index = position < 0 ? args.length + position : position;
      const callback = args[index];
      requireFunction(callback, "callback");
      args[index] = function wrapped(this: unknown, err: unknown, result: unknown, ...rest: unknown[]) {
        if (err) {
          context.error = err;
          error.publish(context);
        } else {
          context.result = result;
        }
        asyncStart.publish(context);
        try {
          return Reflect.apply(callback, this, [err, result, ...rest]) as unknown;
        } finally {
          asyncEnd.publish(context);
        }
      };
      return this.traceSync(fn, context, thisArg, ...args);
    }
  }
  Object.defineProperty(TracingChannel.prototype, Symbol.toStringTag, { value: "TracingChannel" });

  function tracingChannel(nameOrChannels: unknown): TracingChannel {
    if (typeof nameOrChannels === "string") {
      const named = {} as Record<(typeof TRACING_EVENTS)[number], Channel>;
      for (const event of TRACING_EVENTS) named[event] = channel(`tracing:${nameOrChannels}:${event}`);
      return new TracingChannel(constructing, named);
    }
    if (typeof nameOrChannels === "object" && nameOrChannels !== null) {
      const given = nameOrChannels as Record<string, unknown>;
      for (const event of TRACING_EVENTS) {
        if (!(given[event] instanceof Channel)) {
          throw new TypeError(
            `The "nameOrChannels.${event}" property must be an instance of Channel. Received ${describe(given[event])}`,
          );
        }
      }
      return new TracingChannel(constructing, given as unknown as TracingChannels<Channel>);
    }
    throw new TypeError(
      `The "nameOrChannels" argument must be of type string or an instance of Object. Received ${describe(nameOrChannels)}`,
    );
  }

  const hasSubscribers = (name: unknown): boolean => channels.get(requireName(name))?.hasSubscribers ?? false;
  const subscribe = (name: unknown, subscriber: Subscriber): void => channel(name).subscribe(subscriber);
  const unsubscribe = (name: unknown, subscriber: Subscriber): void => channel(name).unsubscribe(subscriber);

  const defaultExport = { Channel, channel, hasSubscribers, subscribe, tracingChannel, unsubscribe };
  return { ...defaultExport, TracingChannel, default: defaultExport };
}
