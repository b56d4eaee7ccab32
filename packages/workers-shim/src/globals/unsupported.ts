/** The one-line error thrown by a global the shim cannot implement. */
export function unsupportedError(name: string): Error {
  return new Error(`${name} is not supported by workers-shim`);
}

/**
 * A class that exists (so `typeof`, feature checks and `instanceof` behave) but throws
 * `<name> is not supported by workers-shim` when constructed or called.
 */
export function unsupportedClass(name: string): new (...args: unknown[]) => never {
  const holder = {
    [name]: class {
      constructor() {
        throw unsupportedError(name);
      }
    },
  };
  return holder[name] as unknown as new (...args: unknown[]) => never;
}

/** A function that throws `<name> is not supported by workers-shim` when called. */
export function unsupportedFunction(name: string): (...args: unknown[]) => never {
  const holder = {
    [name]: function (): never {
      throw unsupportedError(name);
    },
  };
  return holder[name]!;
}

/** workerd's error for classes that scripts cannot construct (`new FetchEvent()`). */
export function illegalConstructor(): TypeError {
  return new TypeError("Illegal constructor");
}

/**
 * A class whose constructor throws workerd's `TypeError: Illegal constructor`, like workerd's
 * classes that only the runtime creates (`Body`, `Cache`, `Navigator`, …).
 */
export function illegalClass(name: string): { new (): object; readonly prototype: object } {
  const holder = {
    [name]: class {
      constructor() {
        throw illegalConstructor();
      }
    },
  };
  return holder[name]!;
}
