// A request that reaches a started Durable Object while another request's handler holds it in
// blockConcurrencyWhile(). test() calls visit('warm') (starts the object), then visit('A'),
// whose handler blocks the object for 30 ms, and 10 ms later visit('B').
// Expect (workerd): B's onset is reported at once, while A's block runs; from then on A's logs
// (inside and after the block) go to B's stream, on A's jsRpcCall span, while A's own
// invocation keeps its jsRpcCall span, `return` and `outcome`; B's method runs after the block.
import { DurableObject } from 'cloudflare:workers';

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Room extends DurableObject {
  async visit(label) {
    console.log(label, 'start');
    if (label === 'A') {
      await this.ctx.blockConcurrencyWhile(async () => {
        await wait(30);
        console.log('A block done');
      });
      console.log('A after block');
    }
    return label;
  }
}

export default {
  async test(ctrl, env) {
    const stub = env.objects.get(env.objects.idFromName('room'));
    await stub.visit('warm');
    await wait(10);
    const first = stub.visit('A');
    await wait(10);
    const second = stub.visit('B');
    const results = [await first, await second];
    await wait(20);
    console.log('results', results);
  },
};
