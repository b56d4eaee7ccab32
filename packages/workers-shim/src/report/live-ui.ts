import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describeReceived, type TailEvent, type TailStreamHandler } from "@workers-tracing/core-context";
import { renderPage, scriptJson, toReportTraces, type ReportTrace } from "./html-report";

/**
 * Options of {@link startTraceUi}.
 * @public
 */
export interface TraceUiOptions {
  /** The loopback port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** The page title; `workers-shim traces` by default. */
  readonly title?: string;
  /** How many traces are kept (the oldest are dropped, and counted on the page); 500 by default. */
  readonly maxTraces?: number;
}

/**
 * A running trace page: give {@link TraceUi.tail} to the runtime as a streaming tail, open
 * {@link TraceUi.url} in a browser.
 * @public
 */
export interface TraceUi {
  /** The page's address, on 127.0.0.1. */
  readonly url: string;
  /** The streaming tail that feeds the page (`RuntimeOptions.tail`, or one of several). */
  readonly tail: TailStreamHandler;
  /** The tail events of the traces kept, for a report written at the end. */
  events(): TailEvent[];
  /** Stops the server and ends the pages' event streams. */
  close(): Promise<void>;
}

const DEFAULT_MAX_TRACES = 500;

/**
 * Serves a live trace page on loopback: the waterfall page of `renderTraceReport`, kept up to
 * date through server-sent events as invocations report their outcomes (nothing polls, so an idle
 * page costs nothing). `workers-shim serve --ui` starts one.
 * @throws RangeError for a port or trace limit that is not a whole number in range.
 * @example
 * ```ts
 * const ui = await startTraceUi({ port: 8788 });
 * const runtime = await createRuntime(config, { tail: ui.tail });
 * console.log(`traces at ${ui.url}`);
 * ```
 * @public
 */
export async function startTraceUi(options: TraceUiOptions = {}): Promise<TraceUi> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `workers-shim: startTraceUi() expects a port from 0 to 65535, received ${describeReceived(port)}.`,
    );
  }
  const maxTraces = options.maxTraces ?? DEFAULT_MAX_TRACES;
  if (!Number.isInteger(maxTraces) || maxTraces < 1) {
    throw new RangeError(
      `workers-shim: startTraceUi() expects maxTraces to be a positive whole number, received ${describeReceived(maxTraces)}.`,
    );
  }
  const title = options.title ?? "workers-shim traces";
  /** Events per trace id, in the order the traces started (a Map keeps insertion order). */
  const traces = new Map<string, TailEvent[]>();
  let dropped = 0;
  const clients = new Set<ServerResponse>();

  const snapshot = (): ReportTrace[] => toReportTraces([...traces.values()].flat());
  const send = (traceId: string): void => {
    const events = traces.get(traceId);
    if (events === undefined || clients.size === 0) return;
    const trace = toReportTraces(events)[0];
    if (trace === undefined) return;
    const message = `event: trace\ndata: ${scriptJson({ trace, dropped, limit: maxTraces })}\n\n`;
    for (const client of clients) client.write(message);
  };
  const record = (event: TailEvent): void => {
    const traceId = event.spanContext.traceId;
    let events = traces.get(traceId);
    if (events === undefined) {
      traces.set(traceId, (events = []));
      if (traces.size > maxTraces) {
        traces.delete(traces.keys().next().value!);
        dropped++;
      }
    }
    events.push(event);
  };

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://ui").pathname;
    if (request.method !== "GET") {
      response.writeHead(405, { allow: "GET" }).end();
    } else if (path === "/") {
      const page = renderPage(snapshot(), { title, live: true, dropped });
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(page);
    } else if (path === "/events") {
      response.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
      response.write(": connected\n\n");
      clients.add(response);
      request.on("close", () => clients.delete(response));
    } else {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}/`,
    tail: {
      tailStream(onset) {
        record(onset);
        send(onset.spanContext.traceId);
        return (event: TailEvent) => {
          record(event);
          // A trace is sent again when one of its invocations ends, not for every event.
          if (event.event.type === "outcome") send(event.spanContext.traceId);
        };
      },
    },
    events: () => [...traces.values()].flat(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
