import { types } from "node:util";
import { type SpanRecord, type Invocation, describeReceived } from "@workers-tracing/core-context";
import { startRuntimeSpan } from "./runtime-spans";
import { endFirstAlarmRead, storageAnswer } from "./timing";

/** The alarm side of an object's storage, implemented by the actor. */
export interface AlarmScheduler {
  alarmTime(): number | null;
  scheduleAlarm(time: number): void;
  cancelAlarm(): void;
}

/** Options of {@link DurableObjectStorage.list}. */
interface ListOptions {
  readonly start?: string;
  readonly startAfter?: string;
  readonly end?: string;
  readonly prefix?: string;
  readonly reverse?: boolean;
  readonly limit?: number;
}

function checkKey(operation: string, key: unknown): string {
  if (typeof key !== "string") {
    throw new TypeError(`DurableObjectStorage.${operation}() expects string keys, received ${describeReceived(key)}.`);
  }
  return key;
}

function checkKeys(operation: string, keys: unknown): string[] {
  return (keys as unknown[]).map((key) => checkKey(operation, key));
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function alarmTimeOf(value: unknown): number {
  if (types.isDate(value) && !Number.isNaN(Date.prototype.getTime.call(value)))
    return Date.prototype.getTime.call(value);
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new TypeError(
    `DurableObjectStorage.setAlarm() expects a Date or a number of milliseconds, received ${describeReceived(value)}.`,
  );
}

/**
 * In-memory Durable Object storage (`ctx.storage`): key-value operations and the alarm, each
 * reported as a `durable_object_storage_<op>` runtime span of the calling invocation.
 * @remarks Values are stored as structured clones. Writes apply at once; results are delivered
 * asynchronously, after the operation's span closed.
 */
export class DurableObjectStorage {
  readonly #data = new Map<string, unknown>();
  readonly #alarms: AlarmScheduler;
  // Whether the object has used its alarm yet; workerd's first getAlarm() reads it from the
  // alarm manager (I/O), later calls are answered from memory.
  #alarmRead = false;

  constructor(alarms: AlarmScheduler) {
    this.#alarms = alarms;
  }

  #op<T>(operation: string, compute: (span: SpanRecord<Invocation> | undefined) => T): Promise<T> {
    const span = startRuntimeSpan(`durable_object_storage_${operation}`);
    let value: T;
    try {
      value = compute(span);
    } catch (error) {
      span?.end();
      return Promise.reject(error);
    }
    return storageAnswer().then(() => {
      span?.end();
      return value;
    });
  }

  /** Reads one value (or a Map of the found keys for an array of keys). */
  get(keys: unknown): Promise<unknown> {
    return this.#op("get", () => {
      if (Array.isArray(keys)) {
        const found = new Map<string, unknown>();
        for (const key of checkKeys("get", keys).sort(compareKeys)) {
          if (this.#data.has(key)) found.set(key, structuredClone(this.#data.get(key)));
        }
        return found;
      }
      const key = checkKey("get", keys);
      return this.#data.has(key) ? structuredClone(this.#data.get(key)) : undefined;
    });
  }

  /** Writes one value, or every entry of an object. */
  put(keyOrEntries: unknown, value?: unknown): Promise<void> {
    return this.#op("put", () => {
      if (typeof keyOrEntries === "string") {
        if (value === undefined)
          throw new TypeError("DurableObjectStorage.put() needs a value; use delete() to remove a key.");
        this.#data.set(keyOrEntries, structuredClone(value));
        return;
      }
      if (keyOrEntries === null || typeof keyOrEntries !== "object" || Array.isArray(keyOrEntries)) {
        throw new TypeError(
          `DurableObjectStorage.put() expects a string key or an object of entries, received ${describeReceived(keyOrEntries)}.`,
        );
      }
      const entries = Object.entries(keyOrEntries).map(([key, entry]) => [key, structuredClone(entry)] as const);
      for (const [key, entry] of entries) this.#data.set(key, entry);
    });
  }

  /** Deletes one key (resolves whether it existed) or several (resolves how many existed). */
  delete(keys: unknown): Promise<boolean | number> {
    return this.#op("delete", () => {
      if (Array.isArray(keys)) {
        let count = 0;
        for (const key of checkKeys("delete", keys)) if (this.#data.delete(key)) count++;
        return count;
      }
      return this.#data.delete(checkKey("delete", keys));
    });
  }

  /** Deletes every key (not the alarm). */
  deleteAll(): Promise<void> {
    return this.#op("deleteAll", () => {
      this.#data.clear();
    });
  }

  /** Lists entries in key order, filtered by `prefix`, `start`/`startAfter`, `end`, `limit`, `reverse`. */
  list(options: unknown = {}): Promise<Map<string, unknown>> {
    return this.#op("list", () => {
      if (options === null || typeof options !== "object") {
        throw new TypeError(
          `DurableObjectStorage.list() expects an options object, received ${describeReceived(options)}.`,
        );
      }
      const { start, startAfter, end, prefix, reverse, limit } = options as ListOptions;
      let keys = [...this.#data.keys()].sort(compareKeys);
      keys = keys.filter(
        (key) =>
          (prefix === undefined || key.startsWith(prefix)) &&
          (start === undefined || key >= start) &&
          (startAfter === undefined || key > startAfter) &&
          (end === undefined || key < end),
      );
      if (reverse === true) keys.reverse();
      if (limit !== undefined) keys = keys.slice(0, Math.max(0, limit));
      return new Map(keys.map((key) => [key, structuredClone(this.#data.get(key))]));
    });
  }

  /**
   * Resolves the scheduled alarm time in milliseconds, or `null`; the span carries the time set.
   * @remarks The object's first alarm call, when it is a getAlarm(), resolves at once but its
   * span closes a turn of the event loop later, as workerd's first read of the alarm does.
   */
  getAlarm(): Promise<number | null> {
    const read = (span: SpanRecord<Invocation> | undefined): number | null => {
      const time = this.#alarms.alarmTime();
      if (time !== null)
        span?.setAttribute("cloudflare.durable_object.alarm.scheduled_time", new Date(time).toISOString());
      return time;
    };
    if (this.#alarmRead) return this.#op("getAlarm", read);
    this.#alarmRead = true;
    const span = startRuntimeSpan("durable_object_storage_getAlarm");
    const time = read(span);
    endFirstAlarmRead(span);
    return Promise.resolve(time);
  }

  /** Schedules the object's `alarm()` handler (replacing an earlier alarm). */
  setAlarm(scheduledTime: unknown): Promise<void> {
    this.#alarmRead = true;
    return this.#op("setAlarm", (span) => {
      const time = alarmTimeOf(scheduledTime);
      span?.setAttribute("cloudflare.durable_object.alarm.scheduled_time", new Date(time).toISOString());
      this.#alarms.scheduleAlarm(time);
    });
  }

  /** Cancels the scheduled alarm, if any. */
  deleteAlarm(): Promise<void> {
    this.#alarmRead = true;
    return this.#op("deleteAlarm", () => {
      this.#alarms.cancelAlarm();
    });
  }

  /**
   * Runs `closure(txn)` with this storage as the transaction; the work inside is not nested
   * under the transaction span (runtime spans never become current, spec §3.6).
   */
  transaction<T>(closure: (txn: DurableObjectStorage) => T | Promise<T>): Promise<T> {
    if (typeof closure !== "function") {
      return Promise.reject(
        new TypeError(`DurableObjectStorage.transaction() expects a function, received ${describeReceived(closure)}.`),
      );
    }
    const span = startRuntimeSpan("durable_object_storage_transaction");
    return storageAnswer()
      .then(() => closure(this))
      .finally(() => span?.end());
  }

  /** Runs `closure()` synchronously (there is nothing to roll back in memory). */
  transactionSync<T>(closure: () => T): T {
    return closure();
  }

  /** Resolves once earlier writes are durable (at once, in memory). */
  sync(): Promise<void> {
    return Promise.resolve();
  }
}
