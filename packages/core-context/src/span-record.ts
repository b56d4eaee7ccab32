import type { Attribute, AttributeValue, TailEventPayload } from "./events";
import type { Invocation } from "./invocation";

const OPEN = 0;
const ENDED = 1;
const ROOT = 2;
const BARE = 3;

/**
 * The byte budget of one span's user attributes (spec §2.8): keys plus values, overwrites
 * charged again, numbers and booleans 8 bytes each.
 * @public
 */
export const ATTRIBUTE_BUDGET_BYTES = 65536;

/** Keys longer than this are shown cut in the budget warning message. */
const WARNING_KEY_BYTES = 64;

interface MutableAttribute {
  readonly name: string;
  value: AttributeValue;
}

/** A span's attributes in first-insertion order, plus its budget counter. */
class AttributeList {
  readonly items: MutableAttribute[] = [];
  index: Map<string, MutableAttribute> | null = null;
  bytes = 0;
  exhausted = false;

  set(name: string, value: AttributeValue): void {
    const existing = this.#find(name);
    if (existing !== undefined) {
      existing.value = value;
      return;
    }
    const attribute: MutableAttribute = { name, value };
    this.items.push(attribute);
    if (this.index !== null) this.index.set(name, attribute);
    else if (this.items.length > 8) this.index = new Map(this.items.map((a) => [a.name, a]));
  }

  #find(name: string): MutableAttribute | undefined {
    if (this.index !== null) return this.index.get(name);
    const items = this.items;
    for (let i = 0; i < items.length; i++) if (items[i]!.name === name) return items[i];
    return undefined;
  }
}

function utf8Bytes(text: string): number {
  // Lone surrogates count 3 bytes, as in workerd (Buffer encodes them as U+FFFD, also 3 bytes).
  return Buffer.byteLength(text, "utf8");
}

const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The text a tail worker receives: workerd stores a lone surrogate as its own 3-byte sequence,
 * which the receiving side decodes as three U+FFFD.
 */
function toWire(text: string): string {
  return isWellFormed.call(text) ? text : text.replace(LONE_SURROGATE, "\ufffd\ufffd\ufffd");
}

function budgetWarning(key: string, keyBytes: number, valueSize: number): string {
  let shown: string;
  if (keyBytes > WARNING_KEY_BYTES) {
    const cut = new TextDecoder().decode(Buffer.from(key, "utf8").subarray(0, WARNING_KEY_BYTES));
    shown = `${cut}..." (key length ${keyBytes})`;
  } else {
    shown = `${key}"`;
  }
  return `exceeded span data limit while trying to record attribute "${shown} of size ${valueSize}`;
}

/**
 * The runtime side of one span of a traced invocation: its id, its state and its buffered
 * attributes. This is the handle stored in the async context; user-facing span objects wrap it.
 *
 * @remarks A record reaches its invocation's tail sink only while that sink is open, so an
 * unended record can never delay the invocation's `outcome` (spec §3.8). Children may be
 * started under an ended record; they are still reported with it as their parent (spec §3.5).
 * @public
 */
export class SpanRecord {
  /** The invocation whose tail sink receives this span's events. */
  readonly invocation: Invocation;
  /** 16 lowercase hex digits; for the root, the onset span id. */
  readonly spanId: string;
  /** The user-facing object for this record, if one was created (see `Tracing.getActiveSpan`). */
  owner: object | undefined = undefined;
  #state: number;
  #attributes: AttributeList | null = null;

  /** @internal */
  constructor(invocation: Invocation, spanId: string, state: number) {
    this.invocation = invocation;
    this.spanId = spanId;
    this.#state = state;
  }

  /**
   * Creates the root record of an invocation: it parents user spans and never ends.
   * @internal
   */
  static _root(invocation: Invocation): SpanRecord {
    return new SpanRecord(invocation, invocation.onsetSpanId, ROOT);
  }

  /**
   * Creates the bare record of an invocation that has no root frame: it parents nothing.
   * @internal
   */
  static _bare(invocation: Invocation): SpanRecord {
    return new SpanRecord(invocation, invocation.onsetSpanId, BARE);
  }

  /** `true` until the span ends; always `false` for the invocation root. */
  get isOpen(): boolean {
    return this.#state === OPEN;
  }

  /** `true` for the invocation's root user span, which has no id of its own. */
  get isRoot(): boolean {
    return this.#state === ROOT;
  }

  /** `true` for the frame of a handler that got no root frame (spec §3.3). */
  get isBare(): boolean {
    return this.#state === BARE;
  }

  /**
   * Starts a child span, reports its `spanOpen` at once and returns it; the child is not made
   * current.
   * @remarks Only call this on records of traced invocations (`invocation.traced`).
   */
  startChild(name: string): SpanRecord {
    const invocation = this.invocation;
    const child = new SpanRecord(invocation, invocation.context.ids.spanId(), OPEN);
    invocation._trackOpen(child);
    invocation.report(this.spanId, { type: "spanOpen", name, spanId: child.spanId });
    return child;
  }

  /**
   * Stores an attribute without budget, as runtime spans do; on the root, reports an
   * `attributes` event at once on the onset span.
   */
  setAttribute(name: string, value: AttributeValue): void {
    const state = this.#state;
    if (state === ROOT) {
      this.invocation.report(this.spanId, { type: "attributes", info: [{ name, value }] });
      return;
    }
    if (state !== OPEN) return;
    (this.#attributes ??= new AttributeList()).set(name, value);
  }

  /**
   * Stores a user attribute under the 64 KiB budget of spec §2.8: once the budget is exceeded
   * the attribute is replaced by the two `cloudflare.warning.*` attributes and later calls are
   * ignored.
   * @remarks A lone surrogate in `name` or a string `value` counts 3 bytes and is reported as
   * three U+FFFD, as workerd does (spec §2.6).
   */
  setBudgetedAttribute(name: string, value: string | number | boolean): void {
    const state = this.#state;
    if (state === ROOT) {
      this.setAttribute(toWire(name), typeof value === "string" ? toWire(value) : value);
      return;
    }
    if (state !== OPEN) return;
    const list = (this.#attributes ??= new AttributeList());
    if (list.exhausted) return;
    const keyBytes = utf8Bytes(name);
    const valueSize = typeof value === "string" ? utf8Bytes(value) : 8;
    list.bytes += keyBytes + valueSize;
    if (list.bytes > ATTRIBUTE_BUDGET_BYTES) {
      list.exhausted = true;
      list.set("cloudflare.warning.type", "span_data_limit_exceeded");
      list.set("cloudflare.warning.message", budgetWarning(name, keyBytes, valueSize));
      return;
    }
    list.set(toWire(name), typeof value === "string" ? toWire(value) : value);
  }

  /** Reports an event attributed to this span at once (e.g. `spanUpdate`), if it is open. */
  reportEvent(event: TailEventPayload): void {
    if (this.#state === OPEN || this.#state === ROOT) this.invocation.report(this.spanId, event);
  }

  /** Ends the span: reports its attributes (if any) and `spanClose`; later calls do nothing. */
  end(): void {
    if (this.#state !== OPEN) return;
    this.#state = ENDED;
    const invocation = this.invocation;
    invocation._untrackOpen();
    const list = this.#attributes;
    const timestamp = Date.now();
    if (list !== null && list.items.length > 0) {
      this.#attributes = null;
      invocation.report(this.spanId, { type: "attributes", info: list.items as Attribute[] }, timestamp);
    }
    invocation.report(this.spanId, { type: "spanClose", outcome: "ok" }, timestamp);
  }
}
