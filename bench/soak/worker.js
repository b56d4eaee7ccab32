// The Durable Object of the memory soak (bench/soak.mjs). Every request leaves work behind: an
// enterSpan whose promise never settles, and a startSpan span it forgets to end. On an actor
// neither is closed when the request ends (spec §3.8); nothing may keep them alive either.
import { DurableObject, env, tracing } from 'cloudflare:workers';

export class Soak extends DurableObject {
  fetch() {
    void tracing.enterSpan('abandoned', (span) => {
      span.setAttribute('n', 1);
      return new Promise(() => {});
    });
    tracing.startSpan('forgotten').setAttribute('k', 'v');
    console.log('served');
    return new Response('ok');
  }
}

export default {
  fetch() {
    return new Response('not used');
  },
};

// The soak drives the one object directly, from outside any invocation.
globalThis[Symbol.for('workers-tracing.soak.stub')] = env.SOAK.get(env.SOAK.idFromName('soak'));
