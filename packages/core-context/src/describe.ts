/** Strings longer than this many UTF-16 units are shown cut, with an ellipsis. */
const SHOWN_STRING = 70;
/** At most this many keys of an object are listed. */
const SHOWN_KEYS = 5;

/**
 * Describes a value that was not what an API expected, for the `received …` part of its error:
 * `null`, `an array`, `an object with keys [a, b]`, `string "…"` (cut after 70 characters),
 * `number 42`, `undefined`, `a function`. Never throws, also for revoked Proxies and objects
 * whose keys cannot be read.
 * @example
 * ```ts
 * throw new TypeError(`expects a function, received ${describeReceived(value)}.`);
 * ```
 * @beta
 */
export function describeReceived(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "function":
      return "a function";
    case "string":
      return `string ${JSON.stringify(value.length > SHOWN_STRING ? `${value.slice(0, SHOWN_STRING)}…` : value)}`;
    case "object":
      return describeObject(value);
    default:
      return `${typeof value} ${String(value).slice(0, SHOWN_STRING)}`;
  }
}

function describeObject(value: object): string {
  try {
    if (Array.isArray(value)) return "an array";
    const keys = Object.keys(value);
    if (keys.length === 0) return "an object";
    return `an object with keys [${keys.slice(0, SHOWN_KEYS).join(", ")}${keys.length > SHOWN_KEYS ? ", …" : ""}]`;
  } catch {
    // A revoked Proxy, or a Proxy whose traps throw.
    return "an object";
  }
}
