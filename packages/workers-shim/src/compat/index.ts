// Public surface of the compatibility-flag registry (spec §6). Each declaration carries its own
// TSDoc summary and release tag; the package entry re-exports these names.
export { COMPAT_FLAG_REGISTRY } from "./registry";
export type { CompatFlagDefinition, CompatFlagField } from "./registry";
export type { CompatFieldFacts } from "./registry-types";
export { WORKERD_REGISTRY_VERSION } from "./registry-data";
export type { WorkerdCompatField } from "./registry-data";
export { OWN_FLAG_PREFIX } from "./own-flags";
export type { OwnCompatField } from "./own-flags";
export { SUPPORTED_COMPATIBILITY_DATE, resolveCompatibilityFlags } from "./resolve";
export { COMPAT_PROFILES, isTracingEnabled } from "./tracing-gate";
export type { CompatProfile } from "./tracing-gate";
export type { CompatFlags, CompatibilityInput, ResolvedCompatibilityFlags } from "./resolve";
export { formatFlagTable } from "./format";
