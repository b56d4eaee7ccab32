// Two requests reach a Durable Object at once, before it has started (its constructor, with a
// blockConcurrencyWhile of 10 ms, runs when the first one arrives). test() calls visit('A')
// and visit('B') on one object together (JS RPC; A waits 30 ms inside its span, B 15 ms),
// then fetches /C and /D on a second object together (C waits 30 ms, D 15 ms) and reads both
// bodies once both responses arrived.
// Expect (workerd): both onsets are delivered before any handler code runs, so the constructor,
// both handlers' spans (the callee `jsRpcCall` spans too) and logs all go to the stream of the
// second (newest) invocation, also after that invocation's own `return`; the first invocation
// gets only onset, `return` (when its own handler finished) and `outcome`. Outcomes wait until
// both handlers have finished.
import { DurableObject, tracing } from 'cloudflare:workers';
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    console.log('constructor', ctx.id.name ?? 'id');
    ctx.blockConcurrencyWhile(async () => {
      console.log('blocking start');
      await wait(10);
      console.log('blocking end');
    });
  }
  async visit(label) {
    console.log(label, 'start');
    return tracing.enterSpan(`visit-${label}`, async () => {
      console.log(label, 'in span');
      await wait(label === 'A' ? 30 : 15);
      console.log(label, 'after wait');
      return label;
    });
  }
  async fetch(request) {
    const label = new URL(request.url).pathname.slice(1);
    console.log(label, 'fetch start');
    await tracing.enterSpan(`fetch-${label}`, async () => {
      await wait(label === 'C' ? 30 : 15);
      console.log(label, 'fetch after wait');
    });
    return new Response(label);
  }
}
export default {
  async test(ctrl, env) {
    const stub = env.objects.get(env.objects.idFromName('rpc-room'));
    console.log('rpc', await Promise.all([stub.visit('A'), stub.visit('B')]));
    const other = env.objects.get(env.objects.idFromName('fetch-room'));
    const responses = await Promise.all([other.fetch('http://room/C'), other.fetch('http://room/D')]);
    console.log('fetch', await Promise.all(responses.map((r) => r.text())));
  },
};
