// ctx.waitUntil(): work that outlives the handler's result.
// test() fetches /later through a self service binding. The fetch handler opens a span, hands
// two timer-driven promises to ctx.waitUntil() (30 ms and 45 ms; the second one registered
// inside the user span 'registers-work') and returns at once; then /reject, whose waitUntil
// promise rejects after 25 ms; then test() itself passes a 15 ms promise to ctx.waitUntil().
// Expect, in the /later invocation: onset, the 'before-return' span and log, the
// 'registers-work' span, `return` (statusCode 200), THEN the waitUntil events — the
// 'in-wait-until' span with its attribute and log, the log made in the continuation
// registered inside 'registers-work' (attributed to that ended span) and the 'late-child'
// span parented to it (opened after its parent closed) — and only then `outcome: ok`: the
// outcome waits for waitUntil work. /reject: `return` 200, then an `exception` event (on the
// onset span) for the rejected waitUntil promise, and still `outcome: "ok"`. test(): the
// log made 15 ms after the handler finished still precedes its outcome.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === '/later') {
      ctx.tracing.enterSpan('before-return', () => console.log('handler body'));
      ctx.waitUntil(
        sleep(30).then(() => {
          ctx.tracing.enterSpan('in-wait-until', (span) => {
            span.setAttribute('phase', 'after-return');
            console.log('wait-until work');
          });
        })
      );
      ctx.tracing.enterSpan('registers-work', () => {
        ctx.waitUntil(
          sleep(45).then(() => {
            console.log('continuation of registers-work');
            ctx.tracing.enterSpan('late-child', () => {});
          })
        );
      });
      return new Response('early');
    }
    if (path === '/reject') {
      ctx.waitUntil(
        sleep(25).then(() => {
          throw new Error('wait-until failed');
        })
      );
      return new Response('rejected later');
    }
    return new Response('not found', { status: 404 });
  },
  async test(ctrl, env, ctx) {
    const later = await env.self.fetch('http://main/later');
    console.log('later', later.status, await later.text());
    const rejected = await env.self.fetch('http://main/reject');
    console.log('reject', rejected.status, await rejected.text());
    await sleep(60);
    ctx.waitUntil(sleep(15).then(() => console.log('test wait-until done')));
    ctx.tracing.enterSpan('test-body-end', () => {});
  },
};
