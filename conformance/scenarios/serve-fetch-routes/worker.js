// The HTTP serve path: requests from http.json reach the first service's fetch() handler over
// a real socket (`workerd serve`; a candidate's `serve` command). Routes:
//   GET    /hello?name=…   200 text, the query read inside enterSpan('route')
//   POST   /echo           reads the JSON body inside a span, answers 201 JSON
//   GET    /missing        404 with a body
//   DELETE /items/7        204 without a body
//   GET    /throw          throws inside a span
//   PUT    /reject         rejects after an await (the request body is left unread)
//   GET    /later          202 at once; ctx.waitUntil() work (a span and a log) after it
// Expect (workerd 2026-11-17): one invocation per request, each the root of its own trace,
// onset info {type fetch, method, url "http://serve.test/…", headers (lower-cased, sorted by
// name, `connection`/`host` included), cfJson {clientIp "127.0.0.1:<port>"}}; `return` with
// the status for answered requests, before the waitUntil work; a thrown error or rejection:
// `exception` on the onset span, no `return`, outcome "exception" and a 500 "Internal Server
// Error" response (text/plain is not set). The `http` part of the golden lists the responses.
import { tracing } from 'cloudflare:workers';

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    console.log(request.method, url.pathname, request.headers.get('x-request-tag'));
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /hello': {
        const name = tracing.enterSpan('route', (span) => {
          span.setAttribute('route', '/hello');
          return url.searchParams.get('name');
        });
        return new Response(`hello ${name}`);
      }
      case 'POST /echo': {
        const data = await tracing.enterSpan('read-body', async (span) => {
          span.setAttribute('content-type', request.headers.get('content-type'));
          const parsed = await request.json();
          span.setAttribute('keys', Object.keys(parsed).length);
          return parsed;
        });
        return Response.json({ received: data, length: Number(request.headers.get('content-length')) }, { status: 201 });
      }
      case 'GET /missing':
        return new Response('not found', { status: 404 });
      case 'DELETE /items/7':
        return new Response(null, { status: 204 });
      case 'GET /throw':
        return tracing.enterSpan('failing', () => {
          throw new TypeError('route failed');
        });
      case 'PUT /reject':
        await wait(5);
        throw new RangeError('rejected later');
      case 'GET /later':
        ctx.waitUntil(
          tracing.enterSpan('after-response', async () => {
            await wait(10);
            console.log('waitUntil done');
          })
        );
        return new Response('accepted', { status: 202 });
      default:
        return new Response('no route', { status: 400 });
    }
  },
};
