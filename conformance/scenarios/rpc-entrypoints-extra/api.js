// The "api" service of the rpc-entrypoints-extra scenario (see worker.js): its default export
// is a WorkerEntrypoint, "Admin" a named one.
import { WorkerEntrypoint, tracing } from 'cloudflare:workers';

export default class Api extends WorkerEntrypoint {
  sum(a, b) {
    return tracing.enterSpan('summing', (span) => {
      span.setAttribute('operands', 2);
      return a + b;
    });
  }
  get version() {
    console.log('version read');
    return 'v2';
  }
  async fail(kind) {
    await Promise.resolve();
    if (kind === 'type') throw new TypeError('bad input for fail()');
    throw new RangeError('out of range');
  }
  fetch() {
    return new Response('api fetch');
  }
}

export class Admin extends WorkerEntrypoint {
  async reset(target) {
    console.log('reset', target);
    const total = await this.env.self.sum(40, 2);
    tracing.enterSpan('after-nested', (span) => span.setAttribute('total', total));
    return { target, total };
  }
}
