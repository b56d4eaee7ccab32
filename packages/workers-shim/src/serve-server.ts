import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Readable } from "node:stream";
import { describeError, describeErrorAt } from "./errors";
import { toRequest } from "./http";
import { holdReads } from "./hang";
import { responseAbandoned } from "./response-body";

/** What the HTTP front end hands each request to (e.g. `Runtime.dispatchFetch` of one service). */
export type FetchHandler = (request: Request) => Promise<Response>;

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** The loopback address to listen on. */
  readonly host: string;
  /** The port; `0` for any free port. */
  readonly port: number;
  /** Receives the requests. */
  readonly fetch: FetchHandler;
  /** Told about requests whose handler failed (they got a 500) and broken responses. */
  readonly onError: (message: string) => void;
}

/** A listening server. */
export interface HttpServer {
  /** The port it listens on (the chosen one when `0` was asked for). */
  readonly port: number;
  /**
   * Stops accepting connections and closes idle ones; resolves once every connection is gone.
   * Requests in flight may finish for at most `graceMs`, then their connections are dropped.
   */
  close(graceMs: number): Promise<void>;
  /** Drops every connection now (a second Ctrl-C). */
  destroyConnections(): void;
}

// Connection-level response headers: Node's HTTP layer sets its own.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Why `listen()` failed, from Node's error. */
export class ListenError extends Error {
  override readonly name = "ListenError";
  /** Node's error code (`EADDRINUSE`, `EACCES`, ...). */
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.code = code;
  }
}

/**
 * Serves HTTP on `host:port`, turning every request into a fetch `Request` (body streamed) and
 * writing the `Response` back (body streamed, with backpressure).
 * @throws ListenError (rejects) when the port cannot be bound.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const inFlight = new Set<Promise<void>>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const handled = handle(req, res, options).catch((error: unknown) => {
      options.onError(`${req.method ?? "?"} ${req.url ?? "?"}: ${describeError(error)}`);
      res.destroy();
    });
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await listen(server, options.host, options.port);
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const destroyConnections = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port,
    destroyConnections,
    close(graceMs) {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        });
        await Promise.race([Promise.allSettled([...inFlight]), grace]);
        clearTimeout(timer);
        destroyConnections();
        await closed;
      })();
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      reject(new ListenError(describeListenError(error, host, port), error.code));
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

function describeListenError(error: NodeJS.ErrnoException, host: string, port: number): string {
  switch (error.code) {
    case "EADDRINUSE":
      return `port ${port} on ${host} is already in use; expected a free port (--port 0 picks one).`;
    case "EACCES":
      return `cannot listen on ${host}:${port}: permission denied; expected a port above 1023 (--port 0 picks a free one).`;
    default:
      return `cannot listen on ${host}:${port}: ${describeError(error)}`;
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const aborted = new AbortController();
  // The client went away before the response was complete.
  res.once("close", () => {
    if (!res.writableFinished) aborted.abort(new Error("The client closed the connection."));
  });
  let request: Request;
  try {
    request = toFetchRequest(req, options, aborted.signal);
  } catch (error) {
    options.onError(`${req.method ?? "?"} ${req.url ?? "?"}: cannot make a Request of it: ${describeError(error)}`);
    writeError(res, 400);
    return;
  }
  let response: Response;
  try {
    response = await options.fetch(request);
  } catch (error) {
    // As workerd: the client gets a bare 500, the error goes to the log.
    options.onError(`${request.method} ${request.url}: the worker threw ${describeErrorAt(error)}`);
    writeError(res, 500);
    return;
  }
  await writeResponse(req, res, response, options);
}

function toFetchRequest(req: IncomingMessage, options: HttpServerOptions, signal: AbortSignal): Request {
  // The worker sees the headers as the client sent them (workerd keeps `connection` too).
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const method = req.method ?? "GET";
  const url = requestUrl(req, options);
  const hasBody =
    method !== "GET" &&
    method !== "HEAD" &&
    (req.headers["transfer-encoding"] !== undefined || hasLength(req.headers["content-length"]));
  // workerd's `request.cf` for a request from the network: the client's address and port.
  const cf = { clientIp: `${req.socket.remoteAddress ?? ""}:${req.socket.remotePort ?? 0}` };
  const init: RequestInit & { cf: object } = { method, headers, signal, cf };
  if (hasBody) init.body = holdReads(Readable.toWeb(req) as ReadableStream<Uint8Array>);
  else req.resume();
  return toRequest(url, init);
}

function hasLength(value: string | undefined): boolean {
  return value !== undefined && value !== "0";
}

function requestUrl(req: IncomingMessage, options: HttpServerOptions): string {
  const path = req.url ?? "/";
  const host = req.headers.host;
  if (host !== undefined && host !== "") {
    try {
      const url = new URL(path, `http://${host}`);
      if (url.host !== "") return url.href;
    } catch {
      // A malformed Host header: fall back to the address the server listens on.
    }
  }
  return new URL(path, `http://${options.host}:${(req.socket.address() as AddressInfo).port}`).href;
}

/** A bare error response, as workerd sends one: the reason phrase as body, no content type. */
function writeError(res: ServerResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = STATUS_CODES[status] ?? "Error";
  res.writeHead(status, { "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  options: HttpServerOptions,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (name === "set-cookie" || HOP_BY_HOP.has(name)) continue;
    headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  // An empty statusText (the usual case) gets Node's standard reason phrase.
  if (response.statusText === "") res.writeHead(response.status, headers);
  else res.writeHead(response.status, response.statusText, headers);
  const body = response.body;
  if (body === null || req.method === "HEAD") {
    if (body !== null) await body.cancel().catch(() => {});
    res.end();
    return;
  }
  const reader = body.getReader();
  // The client left (before the response was ready, or while its body was being sent): as in
  // workerd, the invocation still reports `return` and finishes; the body is cancelled.
  const abandon = async (): Promise<void> => {
    responseAbandoned(response);
    await reader.cancel().catch(() => {});
  };
  if (res.destroyed) {
    await abandon();
    return;
  }
  const onClose = (): void => {
    if (!res.writableFinished) void abandon();
  };
  res.once("close", onClose);
  let corked = false;
  const uncork = (): void => {
    corked = false;
    // end() has uncorked fully already.
    if (!res.writableEnded) res.uncork();
  };
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      // What arrives within the current turn's microtasks (a whole small body, then the end)
      // leaves in one write: a response costs one system call, not one per chunk plus the end.
      // A body that waits for I/O still goes out chunk by chunk.
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(uncork);
      }
      if (!res.write(chunk.value)) await drained(res);
      if (res.destroyed) {
        await abandon();
        return;
      }
    }
    res.end();
  } catch (error) {
    if (!res.destroyed)
      options.onError(`${req.method ?? "?"} ${req.url ?? "?"}: the response body failed: ${describeError(error)}`);
    res.destroy();
  } finally {
    res.off("close", onClose);
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) {
      resolve();
      return;
    }
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
