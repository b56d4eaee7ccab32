// Response bodies across a service binding (test() calls its own fetch() handler via "self"),
// seen from both sides:
//   /stream    a ReadableStream body: test() logs right after the await and after a
//              microtask, then reads the body
//   /fixed     a string body, read after a 5 ms timer
//   /late      the callee's ctx.waitUntil() logs after 5 ms; test() reads the body after 25 ms
//   /empty     a null body (204)
//   /cancelled the body is cancelled unread
//   /object    the handler returns the response of a Durable Object stub's fetch() as its
//              own; test() reads it
//   /unread    the body is never touched; test() ends
// Expect (workerd 2026-11-17): the caller's `fetch` span gets its response attributes and
// closes a turn after the response arrived — after the caller's synchronous continuation and
// its microtasks, before its next timer or the end of a body read; `http.response.body.size` is
// there for a string body and missing for a stream. The callee reports `return` only once the
// caller has read the body to the end (for /late after the waitUntil log; for a null body at
// once); a cancelled or unread body gives no `return` at all, and the callee's outcome is
// still "ok". For /object the callee's `return` comes before its `durable_object_subrequest`
// span closes (the subrequest ends once the object's response body has been consumed).
import { DurableObject } from 'cloudflare:workers';

export class Echo extends DurableObject {
  async fetch(request) {
    return new Response(`object saw ${new URL(request.url).pathname}`);
  }
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function chunks() {
  const parts = ['one ', 'two ', 'three'];
  return new ReadableStream({
    pull(controller) {
      if (parts.length) controller.enqueue(new TextEncoder().encode(parts.shift()));
      else controller.close();
    },
  });
}

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    console.log('callee', path);
    switch (path) {
      case '/fixed':
        return new Response('fixed body');
      case '/late':
        ctx.waitUntil(wait(5).then(() => console.log('callee waitUntil done')));
        return new Response('late body');
      case '/empty':
        return new Response(null, { status: 204 });
      case '/object':
        return env.echo.get(env.echo.idFromName('echo')).fetch(request);
      default:
        return new Response(chunks());
    }
  },
  async test(ctrl, env) {
    const streamed = await env.self.fetch('http://self/stream');
    console.log('stream: resumed');
    await Promise.resolve();
    console.log('stream: after a microtask');
    console.log('stream: read', await streamed.text());

    const fixed = await env.self.fetch('http://self/fixed');
    await wait(5);
    console.log('fixed: after a timer');
    console.log('fixed: read', await fixed.text());

    const late = await env.self.fetch('http://self/late');
    await wait(25);
    console.log('late: read', await late.text());

    const empty = await env.self.fetch('http://self/empty');
    console.log('empty:', empty.status);

    const object = await env.self.fetch('http://self/object');
    console.log('object: read', await object.text());

    const cancelled = await env.self.fetch('http://self/cancelled');
    await cancelled.body.cancel();
    console.log('cancelled: done');

    await env.self.fetch('http://self/unread');
    console.log('unread: left');
  },
};
