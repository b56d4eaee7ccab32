import { illegalConstructor } from "./unsupported";

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** workerd's warning for `new Response("", { status: 204 })` (recorded from workerd). */
export function nullBodyStatusWarning(status: number): string {
  return (
    `Constructing a Response with a null body status (${status}) and a non-null, zero-length body. ` +
    "This is technically incorrect, and we recommend you update your code to explicitly pass in a `null` body, " +
    `e.g. \`new Response(null, { status: ${status}, ... })\`. (We continue to allow the zero-length body behavior ` +
    "because it was previously the only way to construct a Response with a null body status. " +
    "This behavior may change in the future.)"
  );
}

/** workerd's warning for a FormData body with a custom Content-Type (recorded from workerd). */
export const FORM_DATA_CONTENT_TYPE_WARNING =
  "A FormData body was provided with a custom Content-Type header when constructing a Request or Response " +
  "object. This will prevent the recipient of the Request or Response from being able to parse the body. " +
  "Consider omitting the custom Content-Type header.";

const NULL_BODY_WITH_BODY = "Response with null body status (101, 204, 205, or 304) cannot have a body.";

/** The zero-length bodies workerd accepts (with a warning) for a null body status. */
function isEmptyBody(body: unknown): boolean {
  if (typeof body === "string") return body === "";
  if (body instanceof ArrayBuffer) return body.byteLength === 0;
  if (ArrayBuffer.isView(body)) return body.byteLength === 0;
  return false;
}

function hasContentType(headers: unknown): boolean {
  if (headers === undefined || headers === null) return false;
  try {
    return new Headers(headers as ConstructorParameters<typeof Headers>[0]).has("content-type");
  } catch {
    return false;
  }
}

function statusOf(init: unknown): number {
  if (init === null || typeof init !== "object") return 200;
  const status = (init as { status?: unknown }).status;
  return status === undefined ? 200 : Number(status);
}

/**
 * Node's `Request`/`Response` with workerd's observable differences: a zero-length body with a
 * null body status becomes a null body with a warning, a non-empty one throws workerd's
 * TypeError, and a FormData body with a custom Content-Type logs workerd's warning. The
 * constructors are proxies of Node's, so `fetch()` results and `Response.json()` are
 * instances, and subclassing works.
 */
export function createHttpClasses(warn: (message: string) => void): {
  readonly Response: typeof globalThis.Response;
  readonly Request: typeof globalThis.Request;
  readonly Body: object;
} {
  const HostResponse = globalThis.Response;
  const HostRequest = globalThis.Request;
  const Response = new Proxy(HostResponse, {
    construct(target, args: unknown[], newTarget) {
      const [body, init] = args;
      if (body !== undefined && body !== null) {
        const status = statusOf(init);
        if (NULL_BODY_STATUSES.has(status)) {
          if (!isEmptyBody(body)) throw new TypeError(NULL_BODY_WITH_BODY);
          warn(nullBodyStatusWarning(status));
          args = [null, ...args.slice(1)];
        } else if (body instanceof FormData && hasContentType((init as { headers?: unknown } | undefined)?.headers)) {
          warn(FORM_DATA_CONTENT_TYPE_WARNING);
        }
      }
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
  const Request = new Proxy(HostRequest, {
    construct(target, args: unknown[], newTarget) {
      const init = args[1] as { body?: unknown; headers?: unknown } | undefined;
      if (init !== null && typeof init === "object" && init.body instanceof FormData && hasContentType(init.headers)) {
        warn(FORM_DATA_CONTENT_TYPE_WARNING);
      }
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
  /** workerd's `Body`, the base of Request and Response: not constructible; instanceof works. */
  const Body = {
    Body: function Body(): never {
      throw illegalConstructor();
    },
  }.Body;
  Object.defineProperty(Body, Symbol.hasInstance, {
    value: (value: unknown): boolean => value instanceof HostResponse || value instanceof HostRequest,
  });
  return { Response, Request, Body };
}
