// A fetch handler that throws, reached through a self service binding from test().
//   /sync     throws synchronously inside enterSpan('sync-span') (TypeError)
//   /async    awaits, then rejects inside nested spans ('async-outer' > 'async-inner')
//   /string   throws a string (not an Error) outside any span
// Expect, for each failing invocation: the spans it opened close with outcome "ok" (the
// throw passes through enterSpan), an `exception` event (name, message; stack dropped by the
// normaliser) attributed to the ONSET span even though it was thrown inside a user span, no
// `return` event, and `outcome: "exception"`; a thrown string arrives as name "Error". The
// caller does not get a response: the binding's fetch() rejects with the handler's error
// (test() catches and logs it), and its runtime `fetch` span closes "ok" without response
// attributes (status, body size), later than for a successful fetch: after test() has
// logged the error and opened the next `fetch` span.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === '/sync') {
      return ctx.tracing.enterSpan('sync-span', () => {
        console.log('about to throw');
        null.boom;
      });
    }
    if (path === '/async') {
      return ctx.tracing.enterSpan('async-outer', async (outer) => {
        outer.setAttribute('step', 1);
        await sleep(5);
        return ctx.tracing.enterSpan('async-inner', async () => {
          await Promise.resolve();
          throw new RangeError('async failure');
        });
      });
    }
    if (path === '/string') {
      throw 'plain string thrown';
    }
    return new Response('ok');
  },
  async test(ctrl, env, ctx) {
    for (const path of ['/sync', '/async', '/string', '/fine']) {
      try {
        const res = await env.self.fetch(`http://main${path}`);
        console.log(path, 'status', res.status, await res.text());
      } catch (e) {
        console.log(path, 'threw', String(e));
      }
    }
  },
};
