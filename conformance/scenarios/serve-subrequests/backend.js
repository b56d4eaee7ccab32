// The backend service of the serve-subrequests scenario (traced, reached only through main's
// service binding). It logs what it received and answers per path; see worker.js.
import { tracing } from 'cloudflare:workers';

export default {
  async fetch(request) {
    const url = new URL(request.url);
    console.log('backend', request.method, request.url, request.headers.get('user-agent'));
    switch (url.pathname) {
      case '/store': {
        const body = await tracing.enterSpan('parse', () => request.json());
        return Response.json({ stored: body.payload.length });
      }
      case '/stream': {
        const chunks = ['one ', 'two ', 'three'];
        const stream = new ReadableStream({
          pull(controller) {
            if (chunks.length) controller.enqueue(new TextEncoder().encode(chunks.shift()));
            else controller.close();
          },
        });
        return new Response(stream, { headers: { 'content-type': 'text/plain' } });
      }
      case '/fail':
        return new Response('try later', { status: 503 });
      default:
        return new Response(`proxied ${request.method} ${url.pathname}${url.search}`);
    }
  },
};
