// The walk over globalThis's prototype chain that both the recording worker
// (record-globals.mjs, run on workerd) and the global-scope test (run on a vm context) perform,
// so that what is recorded and what is compared are made the same way.

/**
 * Source text of an expression that evaluates to the levels of `globalThis`'s prototype chain:
 * per level, the constructor's name (null for the global itself) and each own key with the
 * `typeof` of `globalThis[key]` ("throws" when reading it throws).
 */
export const DESCRIBE_LEVELS = `(() => {
  const levels = [];
  for (let o = globalThis; o !== null; o = Object.getPrototypeOf(o)) {
    const names = {};
    for (const k of Reflect.ownKeys(o)) {
      const key = typeof k === "symbol" ? k.toString() : k;
      let t;
      try { t = typeof globalThis[k]; } catch (e) { t = "throws"; }
      names[key] = t;
    }
    let ctor = null;
    if (o !== globalThis) {
      const d = Object.getOwnPropertyDescriptor(o, "constructor");
      ctor = d && typeof d.value === "function" ? d.value.name : null;
    }
    levels.push({ constructor: ctor, names });
  }
  return levels;
})()`;
