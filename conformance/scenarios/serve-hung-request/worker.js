// serve: fetch handlers that hang, over HTTP.
//   /hang        awaits a promise nothing will ever settle
//   /span        the same inside enterSpan('served-span') after a timer fired
//   /sub         calls a callee that hangs and lets its rejection escape
//   /wu          responds at once; its waitUntil promise never settles
//   /fine        a normal response: later requests are unaffected
// Expect: the client receives workerd's 500 with body "Internal Server Error" for /hang,
// /span and /sub; each hung invocation gets an `exception` with workerd's hang message and
// outcome "exception" (open spans closed "ok" after the exception); /wu answers 200, then
// `exception`, outcome "ok".
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const never = () => new Promise(() => {});

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === '/hang') {
      console.log('hangs');
      await never();
    }
    if (path === '/span') {
      return ctx.tracing.enterSpan('served-span', async () => {
        await sleep(5);
        console.log('timer fired');
        await never();
      });
    }
    if (path === '/sub') return env.callee.fetch('http://callee/hang');
    if (path === '/wu') {
      ctx.waitUntil(never());
      return new Response('wu ok');
    }
    return new Response('fine');
  },
};
