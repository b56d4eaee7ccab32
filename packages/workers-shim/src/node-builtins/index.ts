import { createDiagnosticsChannelModule } from "./diagnostics-channel";

/**
 * Node built-in modules the shim serves to workers in its own version (nodejs_compat): the key
 * is the name without `node:`, the value creates the module's namespace (named exports plus
 * `default`) for one worker. Names without an entry are served from Node's own module.
 */
export const BUILTIN_OVERRIDES: Readonly<Record<string, () => Record<string, unknown>>> = Object.freeze({
  diagnostics_channel: createDiagnosticsChannelModule,
});
