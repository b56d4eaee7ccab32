// Service C, the end of the A -> B -> C chain (see a.js for what the scenario checks): a
// fetch handler and an RPC entrypoint, each with a user span and a log.
import { WorkerEntrypoint } from 'cloudflare:workers';

export class CApi extends WorkerEntrypoint {
  describe(caller) {
    return this.ctx.tracing.enterSpan('c-describe', (span) => {
      span.setAttribute('caller', caller);
      console.log('c describe for', caller);
      return `described(${caller})`;
    });
  }
}

export default {
  async fetch(request, env, ctx) {
    ctx.tracing.enterSpan('c-leaf', (span) => {
      span.setAttribute('hop', 'c');
      console.log('c handling', new URL(request.url).pathname);
    });
    return new Response('leaf');
  },
};
