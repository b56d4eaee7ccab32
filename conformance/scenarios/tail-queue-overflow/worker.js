// Tail queue overflow (spec §4.7).
// test() writes, in one synchronous burst, 25 logs of about 200 000 bytes each (`<i> xxx…`),
// then a short log and a span; then it calls its own fetch() handler through a service
// binding, which writes 3 more such logs and a short one in its own invocation.
// Expect (workerd 2026-11-17): each invocation's tail session holds at most 4 MiB (4194304
// bytes) of pending events and keeps an event only if it still fits: of the burst, logs 0..19
// are delivered and 20..24 dropped (their sequence numbers stay unused); the short log and the
// span that follow still fit and are delivered; a `streamDiagnostic` {droppedEvents, count 5}
// comes right before the outcome, taking the outcome's sequence number, and the outcome gets
// the next one. The callee's session is separate and loses nothing.
// Nothing is drained during the synchronous burst, so the counts do not depend on timing, and
// everything after it is small enough to fit however far the tail got. (This is not the HEAD
// accounting of spec §4.7 — 2 MiB, drop while full — which keeps 11 logs and drops the short
// log and the span.)
import { tracing } from 'cloudflare:workers';

const BIG = 'x'.repeat(200000);

export default {
  async fetch(request) {
    for (let i = 0; i < 3; i++) console.log(`callee ${i} ${BIG}`);
    console.log('callee done');
    return new Response('callee ok');
  },
  async test(ctrl, env) {
    for (let i = 0; i < 25; i++) console.log(`${i} ${BIG}`);
    console.log('after burst');
    tracing.enterSpan('after-burst', (span) => span.setAttribute('fits', true));
    const response = await env.self.fetch('http://overflow.test/callee');
    console.log('callee said', await response.text());
  },
};
