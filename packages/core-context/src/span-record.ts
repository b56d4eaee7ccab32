import type { Attribute, AttributeValue, SpanClose, SpanContext, SpanLinkInfo, TailEventPayload } from "./events";
import { cutWireText, toWireText, wireByteLength } from "./wire-text";

const OPEN = 0;
const ENDED = 1;
const ROOT = 2;

/**
 * The byte budget of one span's user attributes (spec §2.8): keys plus values, overwrites
 * charged again, numbers and booleans 8 bytes each.
 * @beta
 */
export const ATTRIBUTE_BUDGET_BYTES = 65536;

/** The payload of every user span's close, shared: it never varies. */
const SPAN_CLOSE_OK: SpanClose = Object.freeze({ type: "spanClose", outcome: "ok" });

// A link's charge against the span budget, fitted on workerd 2026-11-23: 72 bytes, plus 48 bytes
// and the key and value sizes per attribute.
const LINK_BASE_BYTES = 72;
const LINK_ATTRIBUTE_BYTES = 48;

/** Keys longer than this are shown cut in the budget warning message. */
const WARNING_KEY_BYTES = 64;

interface MutableAttribute {
  readonly name: string;
  value: AttributeValue;
}

/** The number of attributes up to which a key is looked up by a linear search. */
const INDEX_FROM = 16;

/**
 * What a record holds beyond its identity and its user-facing owner: its state once it is not
 * simply open, its shared `spanContext`, and its attributes with their budget. Allocated on
 * first need, so that an open span that has neither attributes nor children costs no more than
 * its record.
 */
class SpanDetail {
  state: number;
  owner: object | undefined;
  context: SpanContext | null = null;
  /** Attributes in first-insertion order. */
  items: MutableAttribute[] | null = null;
  index: Map<string, MutableAttribute> | null = null;
  /** Budget charged so far; above {@link ATTRIBUTE_BUDGET_BYTES} once exhausted. */
  bytes = 0;
  /** A runtime span: user attributes are reported at once instead of buffered. */
  runtime = false;

  constructor(state: number, owner: object | undefined) {
    this.state = state;
    this.owner = owner;
  }

  set(name: string, value: AttributeValue): void {
    const items = this.items;
    if (items === null) {
      this.items = [{ name, value }];
      return;
    }
    const existing = this.index !== null ? this.index.get(name) : findAttribute(items, name);
    if (existing !== undefined) {
      existing.value = value;
      return;
    }
    const attribute: MutableAttribute = { name, value };
    items.push(attribute);
    if (this.index !== null) this.index.set(name, attribute);
    else if (items.length > INDEX_FROM) {
      // Past a few keys, a linear search for the key costs more than a map lookup.
      const index = new Map<string, MutableAttribute>();
      for (let i = 0; i < items.length; i++) index.set(items[i]!.name, items[i]!);
      this.index = index;
    }
  }
}

function findAttribute(items: MutableAttribute[], name: string): MutableAttribute | undefined {
  for (let i = 0; i < items.length; i++) if (items[i]!.name === name) return items[i];
  return undefined;
}

function budgetWarning(key: string, keyBytes: number, valueSize: number): string {
  // The key appears as the tail worker receives text: lone surrogates as three U+FFFD.
  const shown =
    keyBytes > WARNING_KEY_BYTES
      ? `${cutWireText(key, WARNING_KEY_BYTES)}..." (key length ${keyBytes})`
      : `${toWireText(key)}"`;
  return `exceeded span data limit while trying to record attribute "${shown} of size ${valueSize}`;
}

/**
 * What a span record belongs to: the trace identity of its invocation. `Invocation` implements
 * it; a record's {@link SpanRecord.invocation} is typed by its host.
 * @beta
 */
export interface SpanHost {
  /** 32 hex digits, shared by every span of the invocation. */
  readonly traceId: string;
  /** `true` if the invocation reports events; records of an untraced one only parent nothing. */
  readonly traced: boolean;
}

/**
 * The channel through which the records of one invocation report: held by the invocation, never
 * handed to consumers.
 */
export interface SpanLedger<H extends SpanHost> {
  /** The invocation, as records expose it. */
  readonly host: H;
  /** A new span id for a child record. */
  newSpanId(): string;
  /** Delivers one event with a ready `spanContext` (shared by the events of one span). */
  emit(spanContext: SpanContext, event: TailEventPayload, timestamp: number): void;
  /** Records a newly opened span so that the invocation's teardown can close it. */
  trackOpen(span: SpanRecord<H>): void;
  /** Counts one tracked span as ended. */
  untrackOpen(): void;
}

let createRecord: <H extends SpanHost>(ledger: SpanLedger<H>, spanId: string, state: number) => SpanRecord<H>;

/** Creates the root record of an invocation: it parents user spans and never ends. */
export function createRootRecord<H extends SpanHost>(ledger: SpanLedger<H>, onsetSpanId: string): SpanRecord<H> {
  return createRecord(ledger, onsetSpanId, ROOT);
}

/**
 * The runtime side of one span of a traced invocation, or the root of an invocation: its id, its
 * state and its buffered attributes. User-facing span objects wrap it.
 *
 * @remarks A record reaches its invocation's tail sink only while that sink is open, so an
 * unended record can never delay the invocation's `outcome` (spec §3.8). Children may be
 * started under an ended record; they are still reported with it as their parent (spec §3.5).
 * Records are created by their invocation (its root) and by {@link SpanRecord.startChild}.
 * @beta
 */
export class SpanRecord<H extends SpanHost = SpanHost> {
  /** 16 lowercase hex digits; for the root, the onset span id. */
  readonly spanId: string;
  readonly #ledger: SpanLedger<H>;
  /** The owner while the span is open and needs nothing else, else the detail holding it. */
  #extra: SpanDetail | object | undefined;

  private constructor(ledger: SpanLedger<H>, spanId: string, state: number) {
    this.#ledger = ledger;
    this.spanId = spanId;
    this.#extra = state === OPEN ? undefined : new SpanDetail(state, undefined);
  }

  static {
    createRecord = (ledger, spanId, state) => new SpanRecord(ledger, spanId, state);
  }

  /** The invocation whose tail sink receives this span's events. */
  get invocation(): H {
    return this.#ledger.host;
  }

  /**
   * The record itself: a record is the async-context frame (`{ invocation, span }`) of the code
   * it is made current for, so that making a span current allocates nothing.
   */
  get span(): this {
    return this;
  }

  /** The user-facing object for this record, if one was created (see `Tracing.getActiveSpan`). */
  get owner(): object | undefined {
    const extra = this.#extra;
    return extra instanceof SpanDetail ? extra.owner : extra;
  }

  set owner(owner: object | undefined) {
    const extra = this.#extra;
    if (extra instanceof SpanDetail) extra.owner = owner;
    else this.#extra = owner;
  }

  // Plain functions rather than private methods: a class with private methods gives every
  // instance a brand slot, 8 bytes per span.
  static #detail(record: SpanRecord<SpanHost>): SpanDetail {
    const extra = record.#extra;
    if (extra instanceof SpanDetail) return extra;
    const detail = new SpanDetail(OPEN, extra);
    record.#extra = detail;
    return detail;
  }

  static #state(record: SpanRecord<SpanHost>): number {
    const extra = record.#extra;
    return extra instanceof SpanDetail ? extra.state : OPEN;
  }

  /** `true` until the span ends; always `false` for the invocation root. */
  get isOpen(): boolean {
    return SpanRecord.#state(this) === OPEN;
  }

  /** `true` for the invocation's root user span, which has no id of its own. */
  get isRoot(): boolean {
    return SpanRecord.#state(this) === ROOT;
  }

  /** The `spanContext` of events attributed to `record`, created once and shared by them. */
  static #context(record: SpanRecord<SpanHost>): SpanContext {
    const detail = SpanRecord.#detail(record);
    return (detail.context ??= { traceId: record.#ledger.host.traceId, spanId: record.spanId });
  }

  /**
   * Starts a child span, reports its `spanOpen` at once and returns it; the child is not made
   * current.
   * @remarks Only call this on records of traced invocations (`invocation.traced`).
   */
  startChild(name: string): SpanRecord<H> {
    const ledger = this.#ledger;
    const child = new SpanRecord(ledger, ledger.newSpanId(), OPEN);
    ledger.trackOpen(child);
    ledger.emit(SpanRecord.#context(this), { type: "spanOpen", name, spanId: child.spanId }, Date.now());
    return child;
  }

  /**
   * Starts a child span created by the runtime, such as the `jsRpcCall` span current while an
   * RPC method runs: like {@link SpanRecord.startChild}, but attributes user code sets on it
   * (through `getActiveSpan()`) are reported at once, one `attributes` event per call, as
   * workerd does; its own {@link SpanRecord.setAttribute} calls are still reported at its end.
   * @remarks Only call this on records of traced invocations (`invocation.traced`).
   */
  startRuntimeChild(name: string): SpanRecord<H> {
    const child = this.startChild(name);
    SpanRecord.#detail(child).runtime = true;
    return child;
  }

  /**
   * Stores an attribute without budget, as runtime spans do; on the root, reports an
   * `attributes` event at once on the onset span.
   */
  setAttribute(name: string, value: AttributeValue): void {
    const state = SpanRecord.#state(this);
    if (state === ROOT) {
      this.#ledger.emit(SpanRecord.#context(this), { type: "attributes", info: [{ name, value }] }, Date.now());
      return;
    }
    if (state !== OPEN) return;
    SpanRecord.#detail(this).set(name, value);
  }

  /**
   * Stores a user attribute under the 64 KiB budget of spec §2.8: once the budget is exceeded
   * the attribute is replaced by the two `cloudflare.warning.*` attributes and later calls are
   * ignored.
   * @remarks A lone surrogate in `name` or a string `value` counts 3 bytes and is reported as
   * three U+FFFD, as workerd does (spec §2.6).
   */
  setBudgetedAttribute(name: string, value: string | number | boolean): void {
    const state = SpanRecord.#state(this);
    if (state === ROOT) {
      this.setAttribute(toWireText(name), typeof value === "string" ? toWireText(value) : value);
      return;
    }
    if (state !== OPEN) return;
    const detail = SpanRecord.#detail(this);
    if (detail.runtime) {
      const info = [{ name: toWireText(name), value: typeof value === "string" ? toWireText(value) : value }];
      this.#ledger.emit(SpanRecord.#context(this), { type: "attributes", info }, Date.now());
      return;
    }
    if (detail.bytes > ATTRIBUTE_BUDGET_BYTES) return;
    const keyBytes = wireByteLength(name);
    const valueSize = typeof value === "string" ? wireByteLength(value) : 8;
    detail.bytes += keyBytes + valueSize;
    if (detail.bytes > ATTRIBUTE_BUDGET_BYTES) {
      detail.set("cloudflare.warning.type", "span_data_limit_exceeded");
      detail.set("cloudflare.warning.message", budgetWarning(name, keyBytes, valueSize));
      return;
    }
    // A text whose UTF-8 size is its length is ASCII, so already as the tail worker receives it.
    const wireName = keyBytes === name.length ? name : toWireText(name);
    detail.set(wireName, typeof value === "string" && valueSize !== value.length ? toWireText(value) : value);
  }

  /**
   * Adds a link: reports a `spanLinks` event with it at once, if the span is open and the link
   * fits in the span's 64 KiB budget, shared with its attributes.
   * @remarks `link` holds validated ids and the attribute keys and string values as user code
   * gave them; they are counted and encoded here as for {@link SpanRecord.setBudgetedAttribute}.
   * A link costs 72 bytes plus, per attribute, 48 bytes and the key and value sizes. One that
   * does not fit is not reported and not charged; the two `cloudflare.warning.*` attributes
   * then name it (`record link "" of size <n>`), replacing an earlier warning; on the invocation
   * span and on runtime spans it is dropped without a warning.
   */
  addLink(link: SpanLinkInfo): void {
    const state = SpanRecord.#state(this);
    if (state !== OPEN && state !== ROOT) return;
    const attributes = link.attributes;
    const wire: Attribute[] = [];
    let size = LINK_BASE_BYTES;
    for (let i = 0; i < attributes.length; i++) {
      const { name, value } = attributes[i]!;
      size += LINK_ATTRIBUTE_BYTES + wireByteLength(name) + (typeof value === "string" ? wireByteLength(value) : 8);
      wire.push({ name: toWireText(name), value: typeof value === "string" ? toWireText(value) : value });
    }
    const detail = SpanRecord.#detail(this);
    if (detail.bytes + size > ATTRIBUTE_BUDGET_BYTES) {
      // workerd reports no warning for the invocation span and runtime spans.
      if (state === OPEN && !detail.runtime) {
        detail.set("cloudflare.warning.type", "span_data_limit_exceeded");
        detail.set(
          "cloudflare.warning.message",
          `exceeded span data limit while trying to record link "" of size ${size}`,
        );
      }
      return;
    }
    detail.bytes += size;
    const info: SpanLinkInfo = {
      context: link.context,
      attributes: wire,
      droppedAttributesCount: link.droppedAttributesCount,
    };
    this.#ledger.emit(SpanRecord.#context(this), { type: "spanLinks", links: [info] }, Date.now());
  }

  /** Reports an event attributed to this span at once (e.g. `spanUpdate`), if it is open. */
  reportEvent(event: TailEventPayload): void {
    const state = SpanRecord.#state(this);
    if (state === OPEN || state === ROOT) this.#ledger.emit(SpanRecord.#context(this), event, Date.now());
  }

  /** Ends the span: reports its attributes (if any) and `spanClose`; later calls do nothing. */
  end(): void {
    const detail = SpanRecord.#detail(this);
    if (detail.state !== OPEN) return;
    detail.state = ENDED;
    const ledger = this.#ledger;
    ledger.untrackOpen();
    const items = detail.items;
    const timestamp = Date.now();
    const context = (detail.context ??= { traceId: ledger.host.traceId, spanId: this.spanId });
    if (items !== null) {
      detail.items = null;
      detail.index = null;
      ledger.emit(context, { type: "attributes", info: items }, timestamp);
    }
    ledger.emit(context, SPAN_CLOSE_OK, timestamp);
  }
}
