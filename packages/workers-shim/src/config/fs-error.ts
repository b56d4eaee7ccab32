/**
 * Turns a Node.js fs error into `<description> (<CODE>)`, without the path Node.js appends.
 * @internal
 */
export function describeFsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const match = /^([A-Z0-9_]+): (.*?)(?:, \w+ '.*')?$/.exec(error.message.split("\n", 1)[0] ?? "");
  if (match?.[1] !== undefined && match[2] !== undefined) return `${match[2]} (${match[1]})`;
  return error.message.split("\n", 1)[0] ?? "";
}
