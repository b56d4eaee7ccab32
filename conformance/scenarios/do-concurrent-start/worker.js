// Two requests reach a Durable Object at once, before it has started (its constructor, with a
// blockConcurrencyWhile of 10 ms, runs when the first one arrives). test() calls visit('A')
// and visit('B') on one object together (JS RPC; A waits 30 ms inside its span, B 15 ms),
// then, on a second object, fetches /C (waits 60 ms) and calls visit('D') (15 ms) together and
// reads the response body once both results arrived (two fetches would race: workerd hands
// both responses to the caller in one turn); then the same on a third object with the RPC
// call visit('E') (15 ms) made before the fetch of /F (60 ms).
// Expect (workerd): both onsets are delivered before any handler code runs, so the constructor,
// both handlers' spans (the callee `jsRpcCall` spans too) and logs all go to the stream of the
// newest invocation, also after that invocation's own `return`; the other invocation gets only
// onset, `return` (when its own handler finished) and `outcome`. The newest invocation's
// outcome waits for the other handler too (the other one's does not). A fetch reaches the
// object after an RPC call made at the same time, so in both mixed pairs the fetch invocation
// is the newest, and its handler runs before the RPC method.
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
      await wait(60);
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
    const [response, label] = await Promise.all([other.fetch('http://room/C'), other.visit('D')]);
    console.log('fetch and rpc', await response.text(), label);
    const third = env.objects.get(env.objects.idFromName('mixed-room'));
    const [mixedLabel, mixedResponse] = await Promise.all([third.visit('E'), third.fetch('http://room/F')]);
    console.log('rpc and fetch', mixedLabel, await mixedResponse.text());
  },
};
