// The callee service of rpc-stream-result (see worker.js for the expectations): a stateless WorkerEntrypoint whose
// methods return pull-based byte streams (highWaterMark 0, one chunk per pull, logged).
import { WorkerEntrypoint } from 'cloudflare:workers';

export function numbers(label, n) {
  let i = 0;
  const encoder = new TextEncoder();
  return new ReadableStream(
    {
      pull(controller) {
        i += 1;
        console.log(label, 'pull', i);
        if (i > n) controller.close();
        else controller.enqueue(encoder.encode(`${label}-${i};`));
      },
    },
    { highWaterMark: 0 },
  );
}

export default class Producer extends WorkerEntrypoint {
  numbers(n) {
    console.log('numbers called', n);
    return numbers('entry', n);
  }

  inSpan(n) {
    return this.ctx.tracing.enterSpan('make-stream', () => numbers('span', n));
  }
}
