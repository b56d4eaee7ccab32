import type { FetchEventInfo, FetchHeader, SpanRecord, Invocation } from "@workers-tracing/core-context";

/** The `cf` object of a request (workerd's `request.cf`), when it has one. */
export function requestCf(request: Request): object | undefined {
  const cf = (request as { cf?: unknown }).cf;
  return cf !== null && typeof cf === "object" ? cf : undefined;
}

/** Gives `request` a read-only `cf` property, as workerd's requests have. */
function attachCf(request: Request, cf: object | undefined): Request {
  if (cf !== undefined) Object.defineProperty(request, "cf", { value: cf, enumerable: false, configurable: true });
  return request;
}

/**
 * Builds the `Request` a service-binding `fetch(input, init)` sends, as the global `fetch` would;
 * `init.cf`, or else the `cf` of an input `Request`, becomes the request's `cf`.
 * @throws TypeError for an invalid URL or init, as `new Request()` does.
 */
export function toRequest(input: unknown, init: unknown): Request {
  let cf = input instanceof Request ? requestCf(input) : undefined;
  if (init !== undefined && init !== null && typeof init === "object") {
    const body = (init as { body?: unknown }).body;
    // Node needs `duplex: "half"` for a stream body; workerd has no such option.
    if (body instanceof ReadableStream && (init as { duplex?: unknown }).duplex === undefined) {
      init = { ...init, duplex: "half" };
    }
    const initCf = (init as { cf?: unknown }).cf;
    if (initCf !== null && typeof initCf === "object") cf = initCf;
  }
  return attachCf(new Request(input as Request | string | URL, init as RequestInit | undefined), cf);
}

/** The headers of a request or response as tail events list them: lower-cased, sorted by name. */
export function eventHeaders(headers: Headers): FetchHeader[] {
  const list: FetchHeader[] = [];
  for (const [name, value] of headers) list.push({ name: name.toLowerCase(), value });
  list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return list;
}

/** The onset info of a fetch invocation; `cfJson` is the request's `cf`, when it has one. */
export function fetchEventInfo(request: Request): FetchEventInfo {
  const cf = requestCf(request);
  const headers = eventHeaders(request.headers);
  return cf === undefined
    ? { type: "fetch", method: request.method, url: request.url, headers }
    : { type: "fetch", method: request.method, url: request.url, cfJson: cf, headers };
}

/**
 * The length of a request or response body when it is known without reading it (a string or
 * buffer body), `0` for no body, else `undefined` (a stream).
 * @remarks Reads the fetch implementation's internal state; falls back to `content-length`.
 */
export function knownBodyLength(message: Request | Response): number | undefined {
  if (message.body === null) return 0;
  for (const symbol of Object.getOwnPropertySymbols(message)) {
    if (symbol.description !== "state") continue;
    const state = (message as unknown as Record<symbol, unknown>)[symbol] as
      { body?: { length?: unknown } } | undefined;
    const length = state?.body?.length;
    if (typeof length === "number" && Number.isSafeInteger(length) && length >= 0) return length;
    if (length === null) return undefined;
  }
  const header = message.headers.get("content-length");
  if (header !== null && /^\d+$/.test(header)) return Number(header);
  return undefined;
}

const REQUEST_HEADER_ATTRIBUTES: readonly (readonly [string, string])[] = [
  ["user-agent", "user_agent.original"],
  ["content-type", "http.request.header.content-type"],
  ["content-length", "http.request.header.content-length"],
  ["accept", "http.request.header.accept"],
  ["accept-encoding", "http.request.header.accept-encoding"],
];

/** Sets the request attributes of a runtime `fetch` span, in workerd's order (spec §4.8). */
export function setRequestAttributes(
  span: SpanRecord<Invocation>,
  request: Request,
  bodyLength: number | undefined,
): void {
  span.setAttribute("network.protocol.name", "http");
  span.setAttribute("network.protocol.version", "HTTP/1.1");
  span.setAttribute("http.request.method", request.method);
  span.setAttribute("url.full", request.url);
  for (const [header, attribute] of REQUEST_HEADER_ATTRIBUTES) {
    const value = request.headers.get(header);
    if (value !== null) span.setAttribute(attribute, value);
  }
  if (request.body !== null && bodyLength !== undefined)
    span.setAttribute("http.request.body.size", BigInt(bodyLength));
}

/** Sets the response attributes of a runtime `fetch` span, in workerd's order (spec §4.8). */
export function setResponseAttributes(
  span: SpanRecord<Invocation>,
  response: Response,
  bodyLength: number | undefined,
): void {
  span.setAttribute("http.response.status_code", BigInt(response.status));
  if (bodyLength !== undefined) span.setAttribute("http.response.body.size", BigInt(bodyLength));
  const ray = response.headers.get("cf-ray");
  if (ray !== null) span.setAttribute("cloudflare.ray_id", ray);
}
