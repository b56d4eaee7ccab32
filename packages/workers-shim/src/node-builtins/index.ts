/**
 * Node.js built-in modules whose namespace the shim replaces for workers, by name without the
 * `node:` prefix; each factory returns the module's namespace exports, `default` included.
 * Names not listed here are served from Node's own module.
 */
export const BUILTIN_OVERRIDES: Record<string, () => Record<string, unknown>> = {};
