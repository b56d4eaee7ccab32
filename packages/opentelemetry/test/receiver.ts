// An OTLP/HTTP receiver on loopback for the tests: records every request, decodes it with OTel's
// own decoder, and answers with the statuses it is given (then 200).
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJson, decodeProtobuf } from "./otlp-reference";

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The request decoded and normalised (see otlp-reference.ts). */
  readonly message: DecodedRequest;
}

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
  events?: { name: string; attributes?: { key: string; value: Record<string, unknown> }[] }[];
  status?: { code?: number; message?: string };
}

export interface DecodedRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { scope: { name: string; version?: string }; spans: DecodedSpan[] }[];
  }[];
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Never answer (the request hangs until the client gives up). */
  readonly hang?: boolean;
  /** Close the connection without an answer (a network error for the client). */
  readonly reset?: boolean;
}

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Every span received, with the service.name of its resource. */
  spans(): (DecodedSpan & { service: string })[];
  close(): Promise<void>;
}

export async function startReceiver(answers: Answer[] = []): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const json = request.headers["content-type"] === "application/json";
      requests.push({
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        message: (json ? decodeJson(body) : decodeProtobuf(body)) as DecodedRequest,
      });
      const answer = answers.shift() ?? { status: 200 };
      if (answer.hang === true) return;
      if (answer.reset === true) {
        request.socket.destroy();
        return;
      }
      response.writeHead(answer.status, { "content-type": request.headers["content-type"], ...answer.headers });
      response.end(json ? "{}" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans: () =>
      requests.flatMap((r) =>
        r.message.resourceSpans.flatMap((rs) => {
          const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
          return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ ...span, service })));
        }),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
