// Two Durable Objects of one class with different ids ('alpha' and 'beta').
// test() fetches alpha /visit, beta /visit, alpha /visit again (sequentially), each inside a
// user span named after the object; each visit counts in storage and makes a user span.
// Expect: two distinct durableObjectIds (D0 for alpha, D1 for beta) in the onsets and in the
// caller's `objectId` attributes of `durable_object_subrequest`; every DO invocation shares
// the caller's trace and is parented to the caller's `fetch` span under the matching
// `durable_object_subrequest`; the second alpha visit sees count 2 (same object, D0 again)
// while beta sees 1.
import { DurableObject, tracing } from 'cloudflare:workers';

export class Room extends DurableObject {
  async fetch(request) {
    const name = new URL(request.url).hostname;
    return tracing.enterSpan('visit', async (span) => {
      const count = ((await this.ctx.storage.get('count')) ?? 0) + 1;
      await this.ctx.storage.put('count', count);
      span.setAttributes({ room: name, count });
      console.log('visit', name, count);
      return new Response(`${name}:${count}`);
    });
  }
}

export default {
  async test(ctrl, env, ctx) {
    const alpha = env.rooms.get(env.rooms.idFromName('alpha'));
    const beta = env.rooms.get(env.rooms.idFromName('beta'));
    for (const [label, stub] of [['alpha', alpha], ['beta', beta], ['alpha', alpha]]) {
      const text = await ctx.tracing.enterSpan(`to-${label}`, async () => (await stub.fetch(`http://${label}/visit`)).text());
      console.log('got', text);
    }
  },
};
