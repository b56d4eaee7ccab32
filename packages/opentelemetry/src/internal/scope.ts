declare const __PACKAGE_VERSION__: string;

/** The instrumentation scope of every exported span: this package. */
export const SCOPE_NAME = "@workers-tracing/opentelemetry";

/** The package version, set at build time. */
export const SCOPE_VERSION: string = __PACKAGE_VERSION__;
