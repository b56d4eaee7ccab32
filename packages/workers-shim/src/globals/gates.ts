/**
 * Which compatibility fields expose which global names, measured on workerd 1.20261117.1 (see
 * scripts/record-globals.mjs) and read from the fields of workerd's compatibility-date.capnp.
 * A field missing from a worker's resolved flags counts as false.
 */
export type Flags = Readonly<Record<string, boolean>>;

const on = (flags: Flags, field: string): boolean => flags[field] === true;

/** `WeakRef` and `FinalizationRegistry` (jsWeakRef, on from 2025-05-05). */
export const hasWeakRefs = (f: Flags): boolean => on(f, "jsWeakRef");
/** `navigator` and `Navigator` (globalNavigator, on from 2022-03-21). */
export const hasNavigator = (f: Flags): boolean => on(f, "globalNavigator");
/** `navigator.language(s)` (enableNavigatorLanguage, on from 2025-05-19). */
export const hasNavigatorLanguage = (f: Flags): boolean => on(f, "enableNavigatorLanguage");
/** `importScripts` on WorkerGlobalScope (removed by noImportScripts, on from 2024-03-04). */
export const hasImportScripts = (f: Flags): boolean => !on(f, "noImportScripts");
/** `global`, `process`, `Buffer`, `setImmediate`, `clearImmediate` (nodeJsCompatV2). */
export const hasNodeGlobals = (f: Flags): boolean => on(f, "nodeJsCompatV2");
/** Own `setTimeout`/`setInterval`/`clear*` returning Node timers (enableNodejsGlobalTimers). */
export const hasNodeTimers = (f: Flags): boolean => on(f, "enableNodejsGlobalTimers");
/** `MessageChannel` and `MessagePort` (exposeGlobalMessageChannel, on from 2025-08-15). */
export const hasMessageChannel = (f: Flags): boolean => on(f, "exposeGlobalMessageChannel");
/** `Performance*` classes (enableGlobalPerformanceClasses, or the perf_hooks module flag). */
export const hasPerformanceClasses = (f: Flags): boolean =>
  on(f, "enableGlobalPerformanceClasses") || on(f, "enableNodeJsPerfHooksModule");
/** Stream controller classes (streamsJavaScriptControllers, on from 2022-11-30). */
export const hasStreamControllers = (f: Flags): boolean => on(f, "streamsJavaScriptControllers");
/** `Symbol.toStringTag` on the global scope's prototypes (setToStringTag, on from 2024-09-26). */
export const hasToStringTag = (f: Flags): boolean => on(f, "setToStringTag");
/** `Datagram` (workerdExperimental). */
export const hasDatagram = (f: Flags): boolean => on(f, "workerdExperimental");
