import { unsupportedClass } from "./unsupported";

type Realm = Record<PropertyKey, unknown>;

function defineHidden(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true });
}

/**
 * Adds the JavaScript builtins that workerd's newer V8 has and Node 20's lacks, made for the
 * given realm: `SuppressedError`, `DisposableStack`, `AsyncDisposableStack`, `Iterator`
 * (constructor and prototype only; no iterator helpers), `Symbol.dispose`/`asyncDispose`, and a
 * `Float16Array` that throws as not supported.
 */
export function addEngineBuiltins(global: Realm): void {
  const RealmError = global["Error"] as ErrorConstructor;
  const RealmObject = global["Object"] as ObjectConstructor;
  const RealmSymbol = global["Symbol"] as SymbolConstructor & Record<string, unknown>;
  // Node defines these on its own realm's Symbol only; share the values so host objects work.
  for (const key of ["dispose", "asyncDispose"] as const) {
    if (RealmSymbol[key] === undefined && Symbol[key] !== undefined) {
      Object.defineProperty(RealmSymbol, key, { value: Symbol[key] });
    }
  }
  const dispose = RealmSymbol["dispose"] as symbol;
  const asyncDispose = RealmSymbol["asyncDispose"] as symbol;

  if (!("SuppressedError" in global)) {
    class SuppressedError extends RealmError {
      error: unknown;
      suppressed: unknown;
      constructor(error: unknown, suppressed: unknown, message?: unknown) {
        super(message === undefined ? undefined : String(message));
        defineHidden(this, "error", error);
        defineHidden(this, "suppressed", suppressed);
      }
    }
    defineHidden(SuppressedError.prototype, "name", "SuppressedError");
    defineHidden(SuppressedError.prototype, "message", "");
    defineHidden(global, "SuppressedError", SuppressedError);
  }
  const Suppressed = global["SuppressedError"] as new (error: unknown, suppressed: unknown) => Error;

  const ReferenceErrorCtor = global["ReferenceError"] as ReferenceErrorConstructor;
  const TypeErrorCtor = global["TypeError"] as TypeErrorConstructor;
  const combine = (failed: { error?: unknown } | undefined, error: unknown): { error: unknown } =>
    failed === undefined ? { error } : { error: new Suppressed(error, failed.error) };

  if (!("DisposableStack" in global)) {
    class DisposableStack {
      #disposed = false;
      #stack: (() => void)[] = [];
      get disposed(): boolean {
        return this.#disposed;
      }
      #check(): void {
        if (this.#disposed) throw new ReferenceErrorCtor("DisposableStack already disposed");
      }
      use<T>(value: T): T {
        this.#check();
        if (value === null || value === undefined) return value;
        const method = (value as Record<symbol, unknown>)[dispose];
        if (typeof method !== "function") throw new TypeErrorCtor("Value is not disposable");
        this.#stack.push(() => (method as () => void).call(value));
        return value;
      }
      adopt<T>(value: T, onDispose: (value: T) => void): T {
        this.#check();
        if (typeof onDispose !== "function") throw new TypeErrorCtor("onDispose is not a function");
        this.#stack.push(() => onDispose(value));
        return value;
      }
      defer(onDispose: () => void): void {
        this.#check();
        if (typeof onDispose !== "function") throw new TypeErrorCtor("onDispose is not a function");
        this.#stack.push(() => onDispose());
      }
      move(): DisposableStack {
        this.#check();
        const next = new DisposableStack();
        next.#stack = this.#stack;
        this.#stack = [];
        this.#disposed = true;
        return next;
      }
      dispose(): void {
        if (this.#disposed) return;
        this.#disposed = true;
        let failed: { error: unknown } | undefined;
        for (const fn of this.#stack.splice(0).reverse()) {
          try {
            fn();
          } catch (error) {
            failed = combine(failed, error);
          }
        }
        if (failed !== undefined) throw failed.error;
      }
    }
    defineHidden(DisposableStack.prototype, dispose, DisposableStack.prototype.dispose);
    defineHidden(DisposableStack.prototype, Symbol.toStringTag, "DisposableStack");
    RealmObject.setPrototypeOf(DisposableStack.prototype, RealmObject.prototype);
    defineHidden(global, "DisposableStack", DisposableStack);
  }

  if (!("AsyncDisposableStack" in global)) {
    class AsyncDisposableStack {
      #disposed = false;
      #stack: (() => unknown)[] = [];
      get disposed(): boolean {
        return this.#disposed;
      }
      #check(): void {
        if (this.#disposed) throw new ReferenceErrorCtor("AsyncDisposableStack already disposed");
      }
      use<T>(value: T): T {
        this.#check();
        if (value === null || value === undefined) return value;
        const record = value as Record<symbol, unknown>;
        const method = record[asyncDispose] ?? record[dispose];
        if (typeof method !== "function") throw new TypeErrorCtor("Value is not async disposable");
        this.#stack.push(() => (method as () => unknown).call(value));
        return value;
      }
      adopt<T>(value: T, onDisposeAsync: (value: T) => unknown): T {
        this.#check();
        if (typeof onDisposeAsync !== "function") throw new TypeErrorCtor("onDisposeAsync is not a function");
        this.#stack.push(() => onDisposeAsync(value));
        return value;
      }
      defer(onDisposeAsync: () => unknown): void {
        this.#check();
        if (typeof onDisposeAsync !== "function") throw new TypeErrorCtor("onDisposeAsync is not a function");
        this.#stack.push(() => onDisposeAsync());
      }
      move(): AsyncDisposableStack {
        this.#check();
        const next = new AsyncDisposableStack();
        next.#stack = this.#stack;
        this.#stack = [];
        this.#disposed = true;
        return next;
      }
      async disposeAsync(): Promise<void> {
        if (this.#disposed) return;
        this.#disposed = true;
        let failed: { error: unknown } | undefined;
        for (const fn of this.#stack.splice(0).reverse()) {
          try {
            await fn();
          } catch (error) {
            failed = combine(failed, error);
          }
        }
        if (failed !== undefined) throw failed.error;
      }
    }
    defineHidden(AsyncDisposableStack.prototype, asyncDispose, AsyncDisposableStack.prototype.disposeAsync);
    defineHidden(AsyncDisposableStack.prototype, Symbol.toStringTag, "AsyncDisposableStack");
    RealmObject.setPrototypeOf(AsyncDisposableStack.prototype, RealmObject.prototype);
    defineHidden(global, "AsyncDisposableStack", AsyncDisposableStack);
  }

  if (!("Iterator" in global)) {
    const arrayValues = (global["Array"] as ArrayConstructor).prototype[Symbol.iterator];
    const iteratorPrototype = RealmObject.getPrototypeOf(
      RealmObject.getPrototypeOf(arrayValues.call([])) as object,
    ) as object;
    const Iterator = function Iterator(this: unknown): void {
      if (new.target === undefined || new.target === Iterator) {
        throw new TypeErrorCtor("Abstract class Iterator not directly constructable");
      }
    };
    Object.defineProperty(Iterator, "prototype", { value: iteratorPrototype, writable: false });
    defineHidden(global, "Iterator", Iterator);
  }

  if (!("Float16Array" in global)) defineHidden(global, "Float16Array", unsupportedClass("Float16Array"));
}
