// The HTTP serve path with subrequests: the served worker ("main") calls a second traced
// service ("backend") through a service binding while it handles each request from http.json.
//   POST /forward   a new POST to the backend with JSON body and headers set in code
//   GET  /proxy     the incoming Request object passed on as is (its headers forwarded)
//   GET  /stream    the backend answers with a ReadableStream body (length unknown), which is
//                   read to the end inside a span
//   GET  /upstream-error   the backend answers 503; main answers 502 with its body
// Expect (workerd 2026-11-17): the served request's invocation is a root; each backend
// invocation is its child, parented to main's runtime `fetch` span. That span's attributes
// describe the subrequest (method, url, user agent, content-type, content-length, accept, body
// size when known) and the response (status code, body size when known). The backend's onset
// lists the headers as main sent them (for /proxy: the served request's own headers).
import { tracing } from 'cloudflare:workers';

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/forward': {
        const payload = await request.text();
        const response = await env.backend.fetch('http://backend.test/store?from=main', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'main-worker/2' },
          body: JSON.stringify({ payload }),
        });
        return new Response(`forwarded: ${response.status} ${await response.text()}`);
      }
      case '/proxy':
        return env.backend.fetch(request);
      case '/stream': {
        const response = await env.backend.fetch('http://backend.test/stream');
        const text = await tracing.enterSpan('read-stream', async (span) => {
          const body = await response.text();
          span.setAttribute('chars', body.length);
          return body;
        });
        return new Response(text.toUpperCase());
      }
      case '/upstream-error': {
        const response = await env.backend.fetch('http://backend.test/fail', { headers: { 'x-attempt': '1' } });
        return new Response(`upstream said ${response.status}: ${await response.text()}`, { status: 502 });
      }
      default:
        return new Response('no route', { status: 400 });
    }
  },
};
