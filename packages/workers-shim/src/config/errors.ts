/**
 * Codes carried by {@link WorkersShimError}.
 * @remarks Problems in the input: `ERR_CONFIG`: the config file or object is invalid.
 * `ERR_COMPAT_FLAGS`: a worker's compatibility date or flags are invalid (the message is
 * workerd's text). `ERR_VM_MODULES`: Node.js runs without `--experimental-vm-modules`, which
 * loading workers needs.
 *
 * Misuse of a runtime: `ERR_RUNTIME_CLOSED`: a {@link Runtime} method was called after
 * {@link Runtime.close}. `ERR_UNKNOWN_SERVICE`: no service of the config has the name given.
 * `ERR_UNKNOWN_ENTRYPOINT`: the service has no such export (or no default export).
 * `ERR_UNKNOWN_METHOD`: the export has no RPC method of that name (or the name is reserved).
 * `ERR_SERVICE_NOT_LOADED`: a service was used before its modules were loaded (a worker's
 * top-level code sent a subrequest to a service that loads after it).
 * @public
 */
export type WorkersShimErrorCode =
  | "ERR_CONFIG"
  | "ERR_COMPAT_FLAGS"
  | "ERR_VM_MODULES"
  | "ERR_RUNTIME_CLOSED"
  | "ERR_UNKNOWN_SERVICE"
  | "ERR_UNKNOWN_ENTRYPOINT"
  | "ERR_UNKNOWN_METHOD"
  | "ERR_SERVICE_NOT_LOADED";

/**
 * Reports a problem the shim found in its input, with a stable `code` and a one-line message.
 * @example
 * ```ts
 * try {
 *   loadConfig("config.json");
 * } catch (error) {
 *   if (error instanceof WorkersShimError && error.code === "ERR_CONFIG") console.error(error.message);
 * }
 * ```
 * @public
 */
export class WorkersShimError extends Error {
  /** Identifies the kind of problem; see {@link WorkersShimErrorCode}. */
  readonly code: WorkersShimErrorCode;

  /**
   * Creates the error; line breaks in `message` are escaped so the message stays on one line.
   * @param options - `cause`: the underlying error, kept as `error.cause` and never copied into the message
   */
  constructor(code: WorkersShimErrorCode, message: string, options?: { cause?: unknown }) {
    super(toOneLine(message), options);
    this.name = "WorkersShimError";
    this.code = code;
  }
}

function toOneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, "\\n");
}
