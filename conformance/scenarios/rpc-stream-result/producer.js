// The callee service of rpc-stream-result (see worker.js for the expectations): a stateless WorkerEntrypoint whose
// methods return pull-based byte streams (highWaterMark 0, one chunk per pull, logged).
import { WorkerEntrypoint } from 'cloudflare:workers';
import { numbers } from './numbers.js';

export default class Producer extends WorkerEntrypoint {
  numbers(n) {
    console.log('numbers called', n);
    return numbers('entry', n);
  }

  inSpan(n) {
    return this.ctx.tracing.enterSpan('make-stream', () => numbers('span', n));
  }
}
