import { types } from "node:util";
import {
  currentIoContext,
  runOutsideInvocations,
  toWireText,
  type Invocation,
  type SpanRecord,
} from "@workers-tracing/core-context";
import {
  MAX_LINKS_PER_CALL,
  TOO_MANY_LINKS,
  argumentError,
  toAttributeValue,
  toLinkInput,
  toStringValue,
} from "./internal/convert";

const CONSTRUCT = Symbol("Span.construct");

/** Wraps a span record (or `null` for the no-op span) in a user-facing `Span`. */
export let wrapRecord: (record: SpanRecord<Invocation> | null) => Span;
/** Returns the record behind a `Span`, or `undefined` when the value is not a `Span`. */
export let recordOf: (span: unknown) => SpanRecord<Invocation> | null | undefined;
const isProxy = types.isProxy;
const hasOwn = Object.prototype.hasOwnProperty;

const DIFFERENT_REQUEST =
  "Cannot perform I/O on behalf of a different request. I/O objects (such as streams, request/response bodies, and others) created in the context of one request handler cannot be accessed from a different request's handler. This is a limitation of Cloudflare Workers which allows us to improve overall performance.";

/**
 * The value of a span attribute as the types allow it; at runtime any value is converted as
 * spec §2.6 describes (objects become strings, `undefined` is ignored).
 * @public
 */
export type SpanAttributeValue = boolean | number | string;

/**
 * A span status for {@link (Span:interface).setStatus}.
 * @public
 */
export interface SpanStatus {
  /** `"unset"`, `"ok"` or `"error"`. */
  readonly code: "unset" | "ok" | "error";
  /** An optional description. */
  readonly message?: string;
}

/**
 * The identity of a span, as {@link (Span:interface).spanContext} returns it.
 * @public
 */
export interface SpanIdentity {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
  /** W3C trace flags: always `0` from {@link (Span:interface).spanContext}; 0–255 in a {@link SpanLink}. */
  readonly traceFlags: number;
}

/**
 * A link to another span, for {@link (Span:interface).addLink} and {@link (Span:interface).addLinks} (workerd's
 * `TracingSpanLink`).
 * @public
 */
export interface SpanLink {
  /** The linked span: `traceId` (32 hex digits), `spanId` (16 hex digits), `traceFlags` (0–255). */
  readonly context: SpanIdentity;
  /** The link's attributes: string, number and boolean values are kept, others dropped and counted. */
  readonly attributes?: Record<string, SpanAttributeValue | undefined>;
  /** Ignored: the reported count is always the number of values dropped here. */
  readonly droppedAttributesCount?: number;
}

function warnHost(message: string): void {
  // A host-side warning, as workerd's "console warning" log: emitted outside the invocation so
  // that a runtime capturing the console never reports it as the worker's own log.
  runOutsideInvocations(() => process.emitWarning(message));
}

function assertSameRequest(record: SpanRecord<Invocation>): void {
  const context = record.invocation.context;
  if (context.executionModel !== "stateless") return;
  const current = currentIoContext();
  if (current !== undefined && current !== context) throw new Error(DIFFERENT_REQUEST);
}

/**
 * A user span, as Workers code sees it: handed to `enterSpan` / `startActiveSpan` callbacks and
 * returned by `startSpan`.
 *
 * @remarks Spans outside a traced invocation are the shared no-op span: `isTraced` is `false`
 * and every method does nothing (argument conversion errors are still thrown). Attributes are
 * buffered and reported together, right before `spanClose`.
 *
 * The type is structural, with the members of workerd's `Span`, so that it assigns both ways
 * with `Span` from `@cloudflare/workers-types` — except `addLink` and `addLinks` (workerd
 * 2026-11-23), which workers-types 5.20261117.1 does not have yet. The value `Span` is the class
 * itself, for `instanceof`.
 * @example
 * ```ts
 * tracing.enterSpan("load", (span) => {
 *   span.setAttribute("user.id", 42).setAttributes({ cached: false });
 * }); // ended for you when the callback returns
 * ```
 * @public
 */
export interface Span {
  /** `true` while the span records: inside a traced invocation and not yet ended. */
  readonly isTraced: boolean;
  /** Returns the span's trace id and span id (all zeros for the no-op span). */
  spanContext(): SpanIdentity;
  /**
   * Sets one attribute, replacing an earlier value of the same key in place; returns the span.
   * @remarks `undefined` is ignored; non-primitive values are stored as strings; past the 64 KiB
   * budget the attribute is replaced by warning attributes. Does nothing on ended spans.
   * @throws TypeError if `key` is missing, or `value` is a BigInt or a Symbol.
   */
  setAttribute(key: string, value: SpanAttributeValue): this;
  /**
   * Sets every own enumerable string-keyed property of `attributes` as an attribute; returns the
   * span.
   * @remarks All values are converted first: if one fails, none is set.
   * @throws TypeError if `attributes` is not a non-array object, or a value is a BigInt or a Symbol.
   */
  setAttributes(attributes: Record<string, SpanAttributeValue | undefined>): this;
  /**
   * Links the span to another span; reported at once as a `spanLinks` event; returns the span.
   * @remarks As in workerd, a link that is not usable is ignored without an error: a non-object,
   * a missing `context`, ids that are not 32 / 16 hex digits or are all zeros, `traceFlags` that
   * is not an integer from 0 to 255. Ids are reported lowercased. A link counts against the
   * span's 64 KiB budget (72 bytes, plus 48 bytes and the key and value sizes per attribute);
   * one that does not fit is replaced by warning attributes. Does nothing on ended spans.
   * @throws TypeError if `link` is missing.
   * @example
   * ```ts
   * tracing.enterSpan("consume", (span) => {
   *   span.addLink({ context: producer.spanContext(), attributes: { kind: "producer" } });
   * });
   * ```
   */
  addLink(link: SpanLink): this;
  /**
   * Adds each link of an array as {@link (Span:interface).addLink} does, one `spanLinks` event per usable
   * link; returns the span.
   * @remarks Anything but an array (also an iterable, an array-like or a Proxy of an array) is
   * ignored silently; an array of more than 512 links is ignored with a process warning, as
   * workerd logs one (not on ended or no-op spans).
   * @throws TypeError if `links` is missing.
   */
  addLinks(links: readonly SpanLink[]): this;
  /** Reports `exception` as an `exception` event attributed to this span. */
  recordException(exception: unknown): void;
  /** Reports a new name at once as a `spanUpdate` event; returns the span. */
  updateName(name: string): this;
  /**
   * Reports a status change at once as a `spanUpdate` event; returns the span.
   * @throws TypeError if the code is not `"unset"`, `"ok"` or `"error"`.
   */
  setStatus(status: SpanStatus): this;
  /** Ends the span: its attributes and `spanClose` are reported; later calls do nothing. */
  end(): void;
}

/**
 * The type of the {@link (Span:interface)} class (`tracing.Span`), for `instanceof` checks: it cannot be
 * constructed (`new` throws `TypeError: Illegal constructor`), as workers-types' abstract `Span`.
 * @public
 */
export type SpanConstructor = (abstract new () => Span) & { readonly prototype: Span };

/**
 * The class behind {@link Span}: the span's state is private (`#record`); exported as the value
 * `Span`, typed {@link SpanConstructor}, so that no `#private` reaches the public types.
 */
class SpanImpl implements Span {
  readonly #record: SpanRecord<Invocation> | null;

  private constructor(token: symbol, record: SpanRecord<Invocation> | null) {
    if (token !== CONSTRUCT) throw new TypeError("Illegal constructor");
    this.#record = record;
  }

  static {
    wrapRecord = (record) => new SpanImpl(CONSTRUCT, record);
    recordOf = (span) => (span !== null && typeof span === "object" && #record in span ? span.#record : undefined);
  }

  /** `true` while the span records: inside a traced invocation and not yet ended. */
  get isTraced(): boolean {
    const record = this.#record;
    if (record === null) return false;
    assertSameRequest(record);
    return record.isOpen || record.isRoot;
  }

  /**
   * Sets one attribute, replacing an earlier value of the same key in place; returns the span.
   * @remarks `undefined` is ignored; non-primitive values are stored as strings; past the 64 KiB
   * budget the attribute is replaced by warning attributes. Does nothing on ended spans.
   * @throws TypeError if `key` is missing, or `value` is a BigInt or a Symbol.
   */
  setAttribute(key: string, value: SpanAttributeValue): this {
    if (arguments.length < 1) throw argumentError("setAttribute", "Span", 1, "string");
    const name = toStringValue(key);
    const converted = toAttributeValue(value);
    const record = this.#record;
    if (record === null) return this;
    assertSameRequest(record);
    if (converted !== undefined) record.setBudgetedAttribute(name, converted);
    return this;
  }

  /**
   * Sets every own enumerable string-keyed property of `attributes` as an attribute; returns the
   * span.
   * @remarks All values are converted first: if one fails, none is set.
   * @throws TypeError if `attributes` is not a non-array object, or a value is a BigInt or a Symbol.
   */
  setAttributes(attributes: Record<string, SpanAttributeValue | undefined>): this {
    if (attributes === null || typeof attributes !== "object" || Array.isArray(attributes)) {
      throw argumentError("setAttributes", "Span", 1, "object");
    }
    // Own enumerable string keys in Object.keys() order; `for...in` with an own-property check
    // reads them without a megamorphic keyed load per key.
    const keys: string[] = [];
    const values: (string | number | boolean | undefined)[] = [];
    for (const key in attributes) {
      if (!hasOwn.call(attributes, key)) continue;
      keys.push(key);
      values.push(toAttributeValue(attributes[key]));
    }
    const record = this.#record;
    if (record === null) return this;
    assertSameRequest(record);
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      if (value !== undefined) record.setBudgetedAttribute(keys[i]!, value);
    }
    return this;
  }

  /**
   * Links the span to another span; reported at once as a `spanLinks` event; returns the span.
   * @remarks As in workerd, a link that is not usable is ignored without an error: a non-object,
   * a missing `context`, ids that are not 32 / 16 hex digits or are all zeros, `traceFlags` that
   * is not an integer from 0 to 255. Ids are reported lowercased. A link counts against the
   * span's 64 KiB budget (72 bytes, plus 48 bytes and the key and value sizes per attribute);
   * one that does not fit is replaced by warning attributes. Does nothing on ended spans.
   * @throws TypeError if `link` is missing.
   * @example
   * ```ts
   * tracing.enterSpan("consume", (span) => {
   *   span.addLink({ context: producer.spanContext(), attributes: { kind: "producer" } });
   * });
   * ```
   */
  addLink(link: SpanLink): this {
    if (arguments.length < 1) throw argumentError("addLink", "Span", 1, "Value");
    const record = this.#record;
    if (record === null) return this;
    assertSameRequest(record);
    const input = toLinkInput(link);
    if (input !== undefined) record.addLink(input);
    return this;
  }

  /**
   * Adds each link of an array as {@link Span.addLink} does, one `spanLinks` event per usable
   * link; returns the span.
   * @remarks Anything but an array (also an iterable, an array-like or a Proxy of an array) is
   * ignored silently; an array of more than 512 links is ignored with a process warning, as
   * workerd logs one (not on ended or no-op spans).
   * @throws TypeError if `links` is missing.
   */
  addLinks(links: readonly SpanLink[]): this {
    if (arguments.length < 1) throw argumentError("addLinks", "Span", 1, "Value");
    const record = this.#record;
    // workerd takes only a real array: a Proxy of one is ignored too.
    if (record === null || !Array.isArray(links) || isProxy(links)) return this;
    assertSameRequest(record);
    if (!record.isOpen && !record.isRoot) return this;
    if (links.length > MAX_LINKS_PER_CALL) {
      warnHost(TOO_MANY_LINKS);
      return this;
    }
    for (let i = 0; i < links.length; i++) {
      const input = toLinkInput(links[i]);
      if (input !== undefined) record.addLink(input);
    }
    return this;
  }

  /** Ends the span: its attributes and `spanClose` are reported; later calls do nothing. */
  end(): void {
    const record = this.#record;
    if (record === null) return;
    assertSameRequest(record);
    record.end();
  }

  /** Returns the span's trace id and span id (all zeros for the no-op span). */
  spanContext(): SpanIdentity {
    const record = this.#record;
    if (record === null) return { traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 };
    return { traceId: record.invocation.traceId, spanId: record.spanId, traceFlags: 0 };
  }

  /**
   * Reports a status change at once as a `spanUpdate` event; returns the span.
   * @throws TypeError if the code is not `"unset"`, `"ok"` or `"error"`.
   */
  setStatus(status: SpanStatus): this {
    const code = (status as Partial<SpanStatus> | null | undefined)?.code;
    if (code !== "unset" && code !== "ok" && code !== "error") {
      throw new TypeError("Span status code must be 'unset', 'ok', or 'error'.");
    }
    const message = status.message;
    const record = this.#record;
    if (record === null) return this;
    assertSameRequest(record);
    record.reportEvent({
      type: "spanUpdate",
      info: {
        type: "status",
        status: message === undefined ? { code } : { code, message: toWireText(toStringValue(message)) },
      },
    });
    return this;
  }

  /** Reports a new name at once as a `spanUpdate` event; returns the span. */
  updateName(name: string): this {
    if (arguments.length < 1) throw argumentError("updateName", "Span", 1, "string");
    const converted = toWireText(toStringValue(name));
    const record = this.#record;
    if (record === null) return this;
    assertSameRequest(record);
    record.reportEvent({ type: "spanUpdate", info: { type: "name", name: converted } });
    return this;
  }

  /** Reports `exception` as an `exception` event attributed to this span. */
  recordException(exception: unknown): void {
    const record = this.#record;
    if (record === null) return;
    assertSameRequest(record);
    if (typeof exception === "string") {
      record.reportEvent({ type: "exception", name: "", message: toWireText(exception) });
      return;
    }
    const error = exception as { name?: unknown; message?: unknown; stack?: unknown } | null;
    const name = error !== null && typeof error === "object" ? toStringValue(error.name ?? "Error") : "Error";
    const message =
      error !== null && typeof error === "object" ? toStringValue(error.message ?? "") : toStringValue(exception);
    record.reportEvent({ type: "exception", name: toWireText(name), message: toWireText(message) });
  }
}

/**
 * The span class (also `tracing.Span`), for `span instanceof Span`; it cannot be constructed.
 * @public
 */
export const Span = SpanImpl as unknown as SpanConstructor;

/**
 * The span handed out when nothing is traced: frozen, shared, `isTraced === false`.
 * @public
 */
export const NOOP_SPAN: Span = Object.freeze(wrapRecord(null));
