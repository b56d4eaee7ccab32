// Spans of a Durable Object request that are still open when the request finishes.
// test() sends /open, then /later, to one object ('keeper').
//   /open   starts a span it never ends (startSpan 'never-ended', with an attribute), a
//           startActiveSpan 'active-never-ended' it never ends, an enterSpan 'abandoned'
//           whose promise never settles, a normal span 'closed-normally', and a span
//           'timer-owner' that schedules a 30 ms timer; then returns.
//   /later  sets an attribute on and ends the two leftover spans of /open, makes its own
//           span 'in-later', then waits 80 ms: /open's timer fires meanwhile, opens
//           'late-child' (a child of /open's 'timer-owner') and logs.
// Expect: unlike a stateless worker, an actor does not close open spans at the end of a
// request: /open's stream has a spanOpen WITHOUT spanClose for 'never-ended',
// 'active-never-ended' and 'abandoned' (and no attributes events for them), then `return`
// and `outcome: ok` (not delayed by the abandoned promise). Ending them, setting attributes
// on them and opening 'late-child' from /open's timer later produce no events at all (they
// belong to /open, whose stream is finished). The timer's log still appears: in /later's
// stream (the request running at that moment), carrying /open's 'timer-owner' span id.
import { DurableObject, tracing } from 'cloudflare:workers';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Keeper extends DurableObject {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === '/open') {
      this.started = tracing.startSpan('never-ended');
      this.started.setAttribute('k', 1);
      tracing.startActiveSpan('active-never-ended', (span) => {
        this.active = span;
        span.setAttribute('a', 1);
      });
      void tracing.enterSpan('abandoned', async (span) => {
        span.setAttribute('c', 3);
        await new Promise(() => {});
      });
      tracing.enterSpan('closed-normally', () => {});
      tracing.enterSpan('timer-owner', () => {
        setTimeout(() => {
          tracing.enterSpan('late-child', (span) => span.setAttribute('late', true));
          console.log('timer from /open fired');
        }, 30);
      });
      return new Response('opened');
    }
    if (path === '/later') {
      this.started.setAttribute('k', 2);
      this.started.end();
      this.active.setAttribute('a', 2);
      this.active.end();
      tracing.enterSpan('in-later', () => console.log('later request'));
      await sleep(80);
      return new Response('later done');
    }
    return new Response('not found', { status: 404 });
  }
}

export default {
  async test(ctrl, env, ctx) {
    const stub = env.keepers.get(env.keepers.idFromName('keeper'));
    console.log(await (await stub.fetch('http://keeper/open')).text());
    console.log(await (await stub.fetch('http://keeper/later')).text());
  },
};
