/**
 * The OTLP protocols this package speaks: OTLP/HTTP with a JSON or a protobuf body.
 * @public
 */
export type OtlpProtocol = "http/json" | "http/protobuf";

/**
 * Where and how spans are sent, after options and `OTEL_*` variables were combined.
 * @public
 */
export interface OtlpConnection {
  /** The full URL the requests are POSTed to, e.g. `http://localhost:4318/v1/traces`. */
  readonly url: string;
  /** The body encoding. */
  readonly protocol: OtlpProtocol;
  /** Extra request headers (from `OTEL_EXPORTER_OTLP_HEADERS` and the options). */
  readonly headers: Readonly<Record<string, string>>;
  /** The `service.name` of spans whose service is not known otherwise. */
  readonly serviceName: string;
  /** How long one request may take, in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * The settings {@link resolveOtlpConnection} combines; each one left out comes from the
 * environment, then from OTel's default.
 * @public
 */
export interface OtlpConnectionOptions {
  /**
   * The full traces URL. Default: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`.
   */
  readonly endpoint?: string;
  /** Body encoding. Default: `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL`, else `"http/protobuf"`. */
  readonly protocol?: OtlpProtocol;
  /** Request headers, added to (and winning over) `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_TRACES_HEADERS`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default `service.name`. Default: `OTEL_SERVICE_NAME`, else `"unknown_service"`. */
  readonly serviceName?: string;
  /** Request timeout in milliseconds. Default: `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, `OTEL_EXPORTER_OTLP_TIMEOUT`, else 10000. */
  readonly timeoutMs?: number;
  /** Where `OTEL_*` variables are read; `process.env` by default (none where there is no `process`). */
  readonly env?: Readonly<Record<string, unknown>>;
}

const PROTOCOLS: readonly OtlpProtocol[] = ["http/protobuf", "http/json"];
const DEFAULT_ENDPOINT = "http://localhost:4318";

function defaultEnv(): Readonly<Record<string, unknown>> {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return process?.env ?? {};
}

/** A non-empty string variable; OTel treats an empty one as unset. */
function variable(env: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = env[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function quoted(value: unknown): string {
  const text = typeof value === "string" ? value : String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function checkUrl(source: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`opentelemetry: ${source} expects an http(s) URL, received ${quoted(value)}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`opentelemetry: ${source} expects an http(s) URL, received ${quoted(value)}.`);
  }
  return url.href;
}

/** `OTEL_EXPORTER_OTLP_HEADERS`: `key=value` pairs separated by commas, values percent-encoded. */
function parseHeaders(source: string, value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value === undefined) return headers;
  for (const pair of value.split(",")) {
    if (pair.trim() === "") continue;
    const eq = pair.indexOf("=");
    const key = eq === -1 ? "" : pair.slice(0, eq).trim();
    if (key === "") {
      throw new TypeError(
        `opentelemetry: ${source} expects comma-separated key=value pairs, received ${quoted(pair)}.`,
      );
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw new TypeError(`opentelemetry: ${source} has a value that is not percent-encoded: ${quoted(pair)}.`);
    }
    headers[key.toLowerCase()] = decoded;
  }
  return headers;
}

function parseTimeout(source: string, value: unknown): number {
  const ms = typeof value === "string" ? (/^\d+$/.test(value) ? Number(value) : Number.NaN) : value;
  if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new RangeError(
      `opentelemetry: ${source} expects a positive whole number of milliseconds, received ${quoted(value)}.`,
    );
  }
  return ms;
}

/**
 * Combines options and OTel's `OTEL_EXPORTER_OTLP_*` and `OTEL_SERVICE_NAME` variables into the
 * settings an exporter uses; options win over variables.
 * @throws TypeError for a URL, protocol or header list that cannot be used.
 * @throws RangeError for a timeout that is not a positive whole number.
 * @example
 * ```ts
 * const connection = resolveOtlpConnection({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" } });
 * connection.url; // "http://127.0.0.1:4318/v1/traces"
 * ```
 * @public
 */
export function resolveOtlpConnection(options: OtlpConnectionOptions = {}): OtlpConnection {
  const env = options.env ?? defaultEnv();
  let url: string;
  if (options.endpoint !== undefined) url = checkUrl("the endpoint option", options.endpoint);
  else {
    const traces = variable(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    if (traces !== undefined) url = checkUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", traces);
    else {
      const base = variable(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
      const href = checkUrl(
        base === undefined ? "the default endpoint" : "OTEL_EXPORTER_OTLP_ENDPOINT",
        base ?? DEFAULT_ENDPOINT,
      );
      url = href.endsWith("/") ? `${href}v1/traces` : `${href}/v1/traces`;
    }
  }
  let protocol: string;
  let protocolSource: string;
  if (options.protocol !== undefined) [protocol, protocolSource] = [options.protocol, "the protocol option"];
  else {
    const traces = variable(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
    const general = variable(env, "OTEL_EXPORTER_OTLP_PROTOCOL");
    [protocol, protocolSource] =
      traces !== undefined
        ? [traces, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]
        : general !== undefined
          ? [general, "OTEL_EXPORTER_OTLP_PROTOCOL"]
          : ["http/protobuf", ""];
  }
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new TypeError(
      `opentelemetry: ${protocolSource} expects "http/protobuf" or "http/json", received ${quoted(protocol)}.`,
    );
  }
  const headers = {
    ...parseHeaders("OTEL_EXPORTER_OTLP_HEADERS", variable(env, "OTEL_EXPORTER_OTLP_HEADERS")),
    ...parseHeaders("OTEL_EXPORTER_OTLP_TRACES_HEADERS", variable(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS")),
  };
  for (const [key, value] of Object.entries(options.headers ?? {})) {
    if (typeof value !== "string") {
      throw new TypeError(
        `opentelemetry: the headers option expects string values, received ${typeof value} for ${quoted(key)}.`,
      );
    }
    headers[key.toLowerCase()] = value;
  }
  const serviceName = options.serviceName ?? variable(env, "OTEL_SERVICE_NAME") ?? "unknown_service";
  if (typeof serviceName !== "string" || serviceName === "") {
    throw new TypeError(
      `opentelemetry: the serviceName option expects a non-empty string, received ${quoted(serviceName)}.`,
    );
  }
  const tracesTimeout = variable(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT");
  const timeout = variable(env, "OTEL_EXPORTER_OTLP_TIMEOUT");
  const timeoutMs =
    options.timeoutMs !== undefined
      ? parseTimeout("the timeoutMs option", options.timeoutMs)
      : tracesTimeout !== undefined
        ? parseTimeout("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", tracesTimeout)
        : timeout !== undefined
          ? parseTimeout("OTEL_EXPORTER_OTLP_TIMEOUT", timeout)
          : 10000;
  return { url, protocol: protocol as OtlpProtocol, headers, serviceName, timeoutMs };
}
