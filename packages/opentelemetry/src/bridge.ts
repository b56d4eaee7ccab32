import { AsyncLocalStorage } from "node:async_hooks";
import type {
  Attributes,
  Context,
  ContextManager,
  Link,
  Span as OtelSpan,
  SpanContext,
  SpanOptions,
  SpanStatus as OtelSpanStatus,
  TextMapGetter,
  TextMapPropagator,
  TextMapSetter,
  Tracer,
  TracerProvider,
} from "@opentelemetry/api";
import { formatTraceParent, parseTraceParent, reportLog } from "@workers-tracing/core-context";
import { NOOP_SPAN, tracing, type Span, type SpanAttributeValue } from "@workers-tracing/user-tracing";

/** The key `@opentelemetry/api` stores the span under (`createContextKey` is `Symbol.for`). */
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");
/** The global every `@opentelemetry/api` 1.x copy reads its registrations from. */
const GLOBAL_KEY = Symbol.for("opentelemetry.js.api.1");
/**
 * Written when this package creates the global: an API copy accepts a registration of its own
 * minor version or a later one, and the bridge implements the 1.9 interfaces.
 */
const GLOBAL_VERSION = "1.9.0";
const INVALID_TRACE_ID = "00000000000000000000000000000000";
const INVALID_SPAN_ID = "0000000000000000";
const SAMPLED = 1;
const TRACEPARENT = "traceparent";

class BridgeContext implements Context {
  readonly #values: Map<symbol, unknown>;

  constructor(values?: Map<symbol, unknown>) {
    this.#values = values ?? new Map<symbol, unknown>();
  }

  getValue(key: symbol): unknown {
    return this.#values.get(key);
  }

  setValue(key: symbol, value: unknown): Context {
    const values = new Map(this.#values);
    values.set(key, value);
    return new BridgeContext(values);
  }

  deleteValue(key: symbol): Context {
    const values = new Map(this.#values);
    values.delete(key);
    return new BridgeContext(values);
  }
}

const ROOT: Context = new BridgeContext();

const INVALID_SPAN_CONTEXT: SpanContext = Object.freeze({
  traceId: INVALID_TRACE_ID,
  spanId: INVALID_SPAN_ID,
  traceFlags: 0,
});

function isValidSpanContext(context: SpanContext | undefined): context is SpanContext {
  return (
    context !== undefined &&
    /^[\da-f]{32}$/.test(context.traceId) &&
    context.traceId !== INVALID_TRACE_ID &&
    /^[\da-f]{16}$/.test(context.spanId) &&
    context.spanId !== INVALID_SPAN_ID
  );
}

/** OTel's non-recording span: carries a span context (a remote parent, or none) and records nothing. */
class NonRecordingSpan implements OtelSpan {
  readonly #context: SpanContext;

  constructor(context: SpanContext) {
    this.#context = context;
  }

  spanContext(): SpanContext {
    return this.#context;
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {}
  isRecording(): boolean {
    return false;
  }
  recordException(): void {}
}

const NON_RECORDING_SPAN: OtelSpan = Object.freeze(new NonRecordingSpan(INVALID_SPAN_CONTEXT));

const STATUS_CODES = ["unset", "ok", "error"] as const;

/** Converts an OTel attribute value: arrays become strings, as user-tracing takes scalars only. */
function toUserValue(value: unknown): SpanAttributeValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

function toUserLink(link: Link): Parameters<Span["addLink"]>[0] {
  const attributes: Record<string, SpanAttributeValue | undefined> = {};
  if (link.attributes !== undefined) {
    for (const key of Object.keys(link.attributes)) attributes[key] = toUserValue(link.attributes[key]);
  }
  return {
    context: { traceId: link.context.traceId, spanId: link.context.spanId, traceFlags: link.context.traceFlags },
    attributes,
  };
}

// Spans reached through the context only: a WeakMap entry per span would cost more than the span
// itself (ephemeron work in every GC), so the tracer's own spans stay out of it.
const WRAPPERS = new WeakMap<Span, WorkersTracingSpan>();
let createWrapper: (userSpan: Span) => WorkersTracingSpan;
/** The wrapper handed to the `startActiveSpan` callback running synchronously, if any. */
let wrapping: WorkersTracingSpan | undefined;

/**
 * An OpenTelemetry span over a user-tracing `Span`: what the bridge's tracer hands out and
 * what `trace.getActiveSpan()` returns inside `tracing.enterSpan`.
 * @remarks Ids are the user span's; `traceFlags` is `1` (sampled), as every traced invocation's
 * spans are reported. Start and end times given by the caller are ignored: the user span's clock
 * decides, as in workerd. `addEvent` reports a `log` event (level `info`, the name then the
 * attributes) attributed to the span; the OTLP exporter turns it into a span event `log`.
 * @public
 */
export class WorkersTracingSpan implements OtelSpan {
  /** The user-tracing span this span writes to. */
  readonly userSpan: Span;
  #ended = false;
  #context: SpanContext | undefined;
  #otelContext: Context | undefined;

  /** Wraps `userSpan`; use {@link WorkersTracingSpan.of} to get the one wrapper of a span. */
  private constructor(userSpan: Span) {
    this.userSpan = userSpan;
  }

  static {
    createWrapper = (userSpan) => new WorkersTracingSpan(userSpan);
  }

  /** Returns the wrapper of `userSpan`: the one its `startActiveSpan` callback got, else one made at the first call. */
  static of(userSpan: Span): WorkersTracingSpan {
    if (wrapping !== undefined && wrapping.userSpan === userSpan) return wrapping;
    let span = WRAPPERS.get(userSpan);
    if (span === undefined) {
      span = new WorkersTracingSpan(userSpan);
      WRAPPERS.set(userSpan, span);
    }
    return span;
  }

  /** The root context with this span set: what `context.active()` returns while it is current. */
  get otelContext(): Context {
    return (this.#otelContext ??= ROOT.setValue(SPAN_KEY, this));
  }

  /** Returns the user span's trace id and span id, flagged as sampled. */
  spanContext(): SpanContext {
    if (this.#context === undefined) {
      const { traceId, spanId } = this.userSpan.spanContext();
      this.#context = { traceId, spanId, traceFlags: SAMPLED };
    }
    return this.#context;
  }

  /** Sets an attribute on the user span; arrays are stored as JSON text. */
  setAttribute(key: string, value: unknown): this {
    const converted = toUserValue(value);
    if (converted !== undefined) this.userSpan.setAttribute(key, converted);
    return this;
  }

  /** Sets each attribute on the user span. */
  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    return this;
  }

  /** Reports a `log` event (level `info`) attributed to this span. */
  addEvent(name: string, attributesOrTime?: unknown): this {
    if (this.#ended || !this.userSpan.isTraced) return this;
    const args: unknown[] =
      attributesOrTime !== null && typeof attributesOrTime === "object" && !Array.isArray(attributesOrTime)
        ? [name, attributesOrTime]
        : [name];
    tracing.withActiveSpan(this.userSpan, reportLog, "info", args);
    return this;
  }

  /** Adds a link to the user span. */
  addLink(link: Link): this {
    this.userSpan.addLink(toUserLink(link));
    return this;
  }

  /** Adds links to the user span. */
  addLinks(links: Link[]): this {
    this.userSpan.addLinks(links.map(toUserLink));
    return this;
  }

  /** Sets the user span's status (`SpanStatusCode` 0, 1, 2 are `unset`, `ok`, `error`). */
  setStatus(status: OtelSpanStatus): this {
    const code = STATUS_CODES[status.code];
    if (code === undefined) return this;
    this.userSpan.setStatus(status.message === undefined ? { code } : { code, message: status.message });
    return this;
  }

  /** Renames the user span. */
  updateName(name: string): this {
    this.userSpan.updateName(name);
    return this;
  }

  /** Ends the user span. */
  end(): void {
    this.#ended = true;
    this.userSpan.end();
  }

  /** Returns `true` until the span ends, if its invocation is traced. */
  isRecording(): boolean {
    return !this.#ended && this.userSpan.isTraced;
  }

  /** Reports an `exception` event attributed to the user span. */
  recordException(exception: unknown): void {
    this.userSpan.recordException(exception);
  }
}

/** Wraps a span user-tracing handed out: the no-op span becomes OTel's shared non-recording span. */
function toOtelSpan(span: Span): OtelSpan {
  return span === NOOP_SPAN ? NON_RECORDING_SPAN : WorkersTracingSpan.of(span);
}

let hasEntry: (manager: WorkersContextManager) => boolean;

interface Entry {
  /** The context `with()` entered. */
  readonly context: Context;
  /** The current user span when it was entered. */
  readonly user: Span | undefined;
}

/**
 * An OpenTelemetry `ContextManager` whose active span is user-tracing's current span.
 * @remarks Other context values (baggage, suppression flags, spans of other tracers) live in an
 * `AsyncLocalStorage` of their own. `with()` of a context holding a {@link WorkersTracingSpan}
 * makes its user span current (`tracing.withActiveSpan`), so `tracing.enterSpan` inside opens
 * its children. `bind()` binds functions; other targets are returned as they are.
 * @public
 */
export class WorkersContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Entry>();

  static {
    hasEntry = (manager) => manager.#storage.getStore() !== undefined;
  }

  /** Returns the active context: the entered one, with the current user span as its span. */
  active(): Context {
    const user = tracing.getActiveSpan();
    const entry = this.#storage.getStore();
    if (entry === undefined) {
      return user === undefined || !user.isTraced ? ROOT : WorkersTracingSpan.of(user).otelContext;
    }
    if (user === entry.user || user === undefined || !user.isTraced) return entry.context;
    return entry.context.setValue(SPAN_KEY, WorkersTracingSpan.of(user));
  }

  /** Runs `fn` with `context` active, and its user span (if any) current. */
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const span = context.getValue(SPAN_KEY);
    const current = tracing.getActiveSpan();
    const user = span instanceof WorkersTracingSpan ? span.userSpan : current;
    const run = (): ReturnType<F> => this.#storage.run({ context, user }, () => Reflect.apply(fn, thisArg, args));
    if (user !== undefined && user !== current && user.isTraced) return tracing.withActiveSpan(user, run);
    return run();
  }

  /** Returns `target` bound to `context` when it is a function, else `target` itself. */
  bind<T>(context: Context, target: T): T {
    if (typeof target !== "function") return target;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the bound function needs both its own `this` and the manager.
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, fn, this, ...args);
    } as unknown as T;
  }

  /** Does nothing: the manager is always enabled; returns the manager. */
  enable(): this {
    return this;
  }

  /** Does nothing: see {@link WorkersContextManager.enable}; returns the manager. */
  disable(): this {
    return this;
  }
}

function parseArguments(
  a: unknown,
  b: unknown,
  c: unknown,
): { options: SpanOptions | undefined; context: Context | undefined; fn: (span: OtelSpan) => unknown } {
  if (typeof a === "function") return { options: undefined, context: undefined, fn: a as (span: OtelSpan) => unknown };
  if (typeof b === "function") {
    return { options: a as SpanOptions | undefined, context: undefined, fn: b as (span: OtelSpan) => unknown };
  }
  if (typeof c === "function") {
    return {
      options: a as SpanOptions | undefined,
      context: b as Context | undefined,
      fn: c as (span: OtelSpan) => unknown,
    };
  }
  throw new TypeError(
    "@workers-tracing/opentelemetry: startActiveSpan() expects a function as its last argument, received none.",
  );
}

function callWrapped(span: Span, fn: (span: OtelSpan) => unknown): unknown {
  if (span === NOOP_SPAN) return fn(NON_RECORDING_SPAN);
  const wrapper = createWrapper(span);
  const previous = wrapping;
  wrapping = wrapper;
  try {
    return fn(wrapper);
  } finally {
    wrapping = previous;
  }
}

function applyOptions(span: OtelSpan, options: SpanOptions | undefined): void {
  if (options === undefined || !span.isRecording()) return;
  if (options.attributes !== undefined) span.setAttributes(options.attributes);
  if (options.links !== undefined && options.links.length > 0) span.addLinks(options.links);
}

/**
 * An OpenTelemetry `Tracer` whose spans are user-tracing spans of the current invocation.
 * @remarks A new span is a child of the span in the given context when that is a
 * {@link WorkersTracingSpan}, else of the current user span. Outside a traced invocation it is
 * OTel's non-recording span, carrying the parent's span context when the context has one (a
 * remote parent from `propagation.extract`). `options.kind` and start times are not kept: the
 * OTLP exporter derives a span's kind from its name.
 * @public
 */
export class WorkersTracer implements Tracer {
  readonly #manager: WorkersContextManager;

  /** Creates a tracer that reads the active context from `manager`. */
  constructor(manager: WorkersContextManager) {
    this.#manager = manager;
  }

  /** Starts a span that is not made current; end it with `span.end()`. */
  startSpan(name: string, options?: SpanOptions, context?: Context): OtelSpan {
    const parent = (context ?? this.#manager.active()).getValue(SPAN_KEY) as OtelSpan | undefined;
    let span: OtelSpan;
    if (parent instanceof WorkersTracingSpan && parent.userSpan.isTraced) {
      span = toOtelSpan(tracing.withActiveSpan(parent.userSpan, startUserSpan, name));
    } else {
      const user = tracing.startSpan(name);
      if (user === NOOP_SPAN) {
        const parentContext = parent?.spanContext();
        return isValidSpanContext(parentContext) ? new NonRecordingSpan(parentContext) : NON_RECORDING_SPAN;
      }
      span = toOtelSpan(user);
    }
    applyOptions(span, options);
    return span;
  }

  /**
   * Starts a span, makes it current while `fn` runs, and returns what `fn` returns; `fn` must
   * end the span.
   */
  startActiveSpan<F extends (span: OtelSpan) => unknown>(name: string, fn: F): ReturnType<F>;
  /** Starts a span with `options`, makes it current while `fn` runs; `fn` must end the span. */
  startActiveSpan<F extends (span: OtelSpan) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  /** Starts a span under the span in `context`, makes it current while `fn` runs; `fn` must end the span. */
  startActiveSpan<F extends (span: OtelSpan) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan(name: string, a?: unknown, b?: unknown, c?: unknown): unknown {
    // The common case first, without parsing: a child of the current user span, current for `fn`.
    if (typeof a === "function" && !hasEntry(this.#manager))
      return tracing.startActiveSpan(name, callWrapped, a as (span: OtelSpan) => unknown);
    const { options, context, fn } = parseArguments(a, b, c);
    if (context === undefined && options?.attributes === undefined && options?.links === undefined) {
      // The common case: a child of the current user span, current for `fn`, as `tracing.startActiveSpan` does.
      if (!hasEntry(this.#manager)) return tracing.startActiveSpan(name, callWrapped, fn);
    }
    const parentContext = context ?? this.#manager.active();
    const span = this.startSpan(name, options, parentContext);
    return this.#manager.with(parentContext.setValue(SPAN_KEY, span), fn, undefined, span);
  }
}

function startUserSpan(name: string): Span {
  return tracing.startSpan(name);
}

/**
 * An OpenTelemetry `TracerProvider` handing out one {@link WorkersTracer} for every name.
 * @public
 */
export class WorkersTracerProvider implements TracerProvider {
  readonly #tracer: WorkersTracer;

  /** Creates a provider whose tracer reads the active context from `manager`. */
  constructor(manager: WorkersContextManager) {
    this.#tracer = new WorkersTracer(manager);
  }

  /** Returns the tracer; the name and version are not recorded. */
  getTracer(): Tracer {
    return this.#tracer;
  }
}

/**
 * A W3C Trace Context propagator (`traceparent`) for the bridge's spans.
 * @remarks `inject` writes the span in the context (a user span: its ids, flagged sampled);
 * `extract` reads a valid `traceparent` into a non-recording remote span. Both follow W3C Trace
 * Context level 1 as core-context's `parseTraceParent` and `formatTraceParent` do: lowercase hex
 * only, and a header sent twice is invalid. `tracestate` is not carried.
 * @public
 */
export class WorkersTraceContextPropagator implements TextMapPropagator {
  /** Writes `traceparent` for the span in `context`, if it has a valid one. */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = context.getValue(SPAN_KEY) as OtelSpan | undefined;
    const spanContext = span?.spanContext();
    if (!isValidSpanContext(spanContext)) return;
    const { traceId, spanId } = spanContext;
    setter.set(carrier, TRACEPARENT, formatTraceParent({ traceId, spanId, traceFlags: spanContext.traceFlags & 0xff }));
  }

  /** Returns `context` with the remote span a valid `traceparent` names, else `context`. */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, TRACEPARENT);
    // Several header fields: as HTTP joins them, which makes no valid traceparent.
    const parent = parseTraceParent(Array.isArray(raw) ? raw.join(", ") : raw);
    if (parent === undefined) return context;
    const spanContext: SpanContext = { ...parent, isRemote: true };
    return context.setValue(SPAN_KEY, new NonRecordingSpan(spanContext));
  }

  /** Returns the header this propagator reads and writes. */
  fields(): string[] {
    return [TRACEPARENT];
  }
}

/**
 * What {@link registerWorkersTracing} did.
 * @public
 */
export interface WorkersTracingRegistration {
  /** `true` if the bridge is now the global tracer provider, context manager and propagator. */
  readonly registered: boolean;
  /** The globals that were already taken (by an OpenTelemetry SDK, say) when nothing was registered. */
  readonly taken: readonly ("trace" | "context" | "propagation")[];
  /** Removes the bridge's registrations (only those still in place); nothing if none was made. */
  unregister(): void;
}

interface OtelGlobal {
  version: string;
  trace?: unknown;
  context?: unknown;
  propagation?: unknown;
}

interface Bridge {
  readonly provider: TracerProvider;
  readonly manager: ContextManager;
  readonly propagator: TextMapPropagator;
}

let bridge: Bridge | undefined;

function getBridge(): Bridge {
  if (bridge === undefined) {
    const manager = new WorkersContextManager();
    bridge = { provider: new WorkersTracerProvider(manager), manager, propagator: new WorkersTraceContextPropagator() };
  }
  return bridge;
}

const TYPES = ["trace", "context", "propagation"] as const;

function slotsOf(instance: Bridge): Record<(typeof TYPES)[number], unknown> {
  return { trace: instance.provider, context: instance.manager, propagation: instance.propagator };
}

/**
 * Options of {@link registerWorkersTracing}.
 * @public
 */
export interface RegisterWorkersTracingOptions {
  /** The global object to register on: another realm's (a `vm` context's) `globalThis`. Default: `globalThis`. */
  readonly global?: object;
}

/**
 * Registers the bridge as the global OpenTelemetry tracer provider, context manager and
 * propagator, for every copy of `@opentelemetry/api` 1.x in the process (or in the realm of
 * `options.global`).
 * @remarks The bridge never replaces an existing registration: if any of the three globals is
 * already set (an OpenTelemetry SDK registered first), it registers nothing and returns
 * `registered: false` naming the taken globals; the SDK keeps working as before. An SDK that
 * registers after the bridge gets `@opentelemetry/api`'s "duplicate registration" diagnostic and
 * stays unregistered: call `unregister()`, or the API's `trace.disable()`, `context.disable()`
 * and `propagation.disable()`, first. Once none of the three is left, the global goes, so the SDK
 * registers with its own API version. Calling it again while registered returns
 * `registered: true`. Register before libraries cache a tracer from `trace.getTracer()`.
 * @example
 * ```ts
 * import { registerWorkersTracing } from "@workers-tracing/opentelemetry";
 * const { registered, taken } = registerWorkersTracing();
 * if (!registered) console.warn(`OpenTelemetry already set up: ${taken.join(", ")}`);
 * ```
 * @public
 */
export function registerWorkersTracing(options: RegisterWorkersTracingOptions = {}): WorkersTracingRegistration {
  const target = options.global ?? globalThis;
  if ((typeof target !== "object" && typeof target !== "function") || target === null) {
    throw new TypeError(
      `@workers-tracing/opentelemetry: registerWorkersTracing() expects options.global to be an object, received ${typeof target}.`,
    );
  }
  const store = target as Record<symbol, OtelGlobal | undefined>;
  const existing = store[GLOBAL_KEY];
  const instance = getBridge();
  const slots = slotsOf(instance);
  if (existing !== undefined && TYPES.every((type) => existing[type] === slots[type])) {
    return registration(store, instance, true, []);
  }
  const taken = TYPES.filter((type) => existing?.[type] !== undefined);
  if (taken.length > 0) return registration(store, instance, false, taken);
  // A proxy, so that when the API's disable() calls remove the last of the bridge's entries the
  // global goes too, and an SDK registering next writes its own version.
  const api = new Proxy<OtelGlobal>(
    { version: existing?.version ?? GLOBAL_VERSION, ...slots },
    {
      deleteProperty(record, key) {
        delete record[key as keyof OtelGlobal];
        if (TYPES.every((type) => record[type] === undefined) && store[GLOBAL_KEY] === api) delete store[GLOBAL_KEY];
        return true;
      },
    },
  );
  store[GLOBAL_KEY] = api;
  return registration(store, instance, true, []);
}

function registration(
  store: Record<symbol, OtelGlobal | undefined>,
  instance: Bridge,
  registered: boolean,
  taken: readonly (typeof TYPES)[number][],
): WorkersTracingRegistration {
  return {
    registered,
    taken,
    unregister() {
      const api = store[GLOBAL_KEY];
      if (!registered || api === undefined) return;
      const slots = slotsOf(instance);
      for (const type of TYPES) if (api[type] === slots[type]) delete api[type];
    },
  };
}
