// The streaming tail handler OBJECT form: the "tail" service runs ../_shared/tail-object.js,
// whose tailStream() returns an object instead of a function. Its members are inherited
// (spanOpen/spanClose/attributes on a base class prototype, log/return/outcome on the
// subclass prototype, `exception` an accessor property) and check `this`.
// test() produces every event type the object has a member for: its own spans, attributes,
// a span link (`spanLinks`) and logs; a self-binding fetch of /ok (spans, a log, a `return`, waitUntil work after
// it); a self-binding fetch of /boom (an `exception` event, outcome "exception").
// Expect: the same events as with the function form, each delivered to the member named
// after its type, called with the handler object as `this` (no `envelope.handlerMethod` or
// `envelope.handlerThis` field anywhere); the onset is passed to tailStream() and never to
// a member.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === '/boom') {
      ctx.tracing.enterSpan('before-boom', (span) => span.setAttribute('will', 'throw'));
      throw new Error('boom from fetch');
    }
    ctx.tracing.enterSpan('ok-span', (span) => {
      span.setAttributes({ path, n: 1 });
      console.info('handling', path);
    });
    ctx.waitUntil(sleep(25).then(() => console.warn('after return')));
    return new Response('fine', { status: 201 });
  },
  async test(ctrl, env, ctx) {
    ctx.tracing.enterSpan('test-span', (span) => {
      span.setAttribute('flag', true);
      span.addLink({ context: { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 1 }, attributes: { why: 'linked' } });
      console.log('inside test-span');
    });
    const ok = await env.self.fetch('http://main/ok');
    console.log('ok', ok.status, await ok.text());
    try {
      await env.self.fetch('http://main/boom');
    } catch (e) {
      console.error('boom', String(e));
    }
  },
};
