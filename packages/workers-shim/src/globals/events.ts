import { illegalConstructor } from "./unsupported";

/** Lets the runtime construct the event classes that scripts cannot (`new FetchEvent()` throws). */
export const RUNTIME_ONLY: unique symbol = Symbol("workers-shim runtime-only constructor");

function guard(token: unknown): void {
  if (token !== RUNTIME_ONLY) throw illegalConstructor();
}

/** An event class that takes the event type and an init dictionary. */
export type EventClassWithInit = new (type: string, init?: Record<string, unknown>) => Event;

/** The event classes of {@link createEventClasses}. */
export interface EventClasses {
  readonly ExtendableEvent: new (...args: never[]) => Event;
  readonly FetchEvent: new (...args: never[]) => Event;
  readonly ScheduledEvent: new (...args: never[]) => Event;
  readonly TailEvent: new (...args: never[]) => Event;
  readonly TraceEvent: new (...args: never[]) => Event;
  readonly PromiseRejectionEvent: new (...args: never[]) => Event;
  readonly ErrorEvent: EventClassWithInit;
  readonly CloseEvent: EventClassWithInit;
}

/** workerd's event classes that Node does not have, built fresh for one global scope. */
export function createEventClasses(): EventClasses {
  class ExtendableEvent extends Event {
    readonly #promises: Promise<unknown>[] = [];
    constructor(token: unknown, type: string) {
      guard(token);
      super(type);
    }
    waitUntil(promise: unknown): void {
      this.#promises.push(Promise.resolve(promise));
    }
  }
  class FetchEvent extends ExtendableEvent {
    respondWith(_response: unknown): void {
      // Only the runtime creates FetchEvents; module workers never see one.
    }
    passThroughOnException(): void {}
  }
  class ScheduledEvent extends ExtendableEvent {
    noRetry(): void {}
  }
  class TailEvent extends ExtendableEvent {}
  class TraceEvent extends ExtendableEvent {}
  class PromiseRejectionEvent extends Event {
    constructor(token: unknown, type: string) {
      guard(token);
      super(type);
    }
  }
  class ErrorEvent extends Event {
    readonly #init: { message?: unknown; filename?: unknown; lineno?: unknown; colno?: unknown; error?: unknown };
    constructor(type: string, init: Record<string, unknown> = {}) {
      super(type, init);
      this.#init = init;
    }
    get message(): string {
      return String(this.#init.message ?? "");
    }
    get filename(): string {
      return String(this.#init.filename ?? "");
    }
    get lineno(): number {
      return Number(this.#init.lineno ?? 0);
    }
    get colno(): number {
      return Number(this.#init.colno ?? 0);
    }
    get error(): unknown {
      return this.#init.error;
    }
  }
  class CloseEvent extends Event {
    readonly #init: { code?: unknown; reason?: unknown; wasClean?: unknown };
    constructor(type: string, init: Record<string, unknown> = {}) {
      super(type, init);
      this.#init = init;
    }
    get code(): number {
      return Number(this.#init.code ?? 0);
    }
    get reason(): string {
      return String(this.#init.reason ?? "");
    }
    get wasClean(): boolean {
      return Boolean(this.#init.wasClean);
    }
  }
  return {
    ExtendableEvent,
    FetchEvent,
    ScheduledEvent,
    TailEvent,
    TraceEvent,
    PromiseRejectionEvent,
    ErrorEvent,
    CloseEvent,
  };
}
