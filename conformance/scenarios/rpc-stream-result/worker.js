// JS-RPC methods that return a ReadableStream. test() calls, one after the other:
//   A. Producer.numbers(2) (stateless entrypoint): waits 30 ms, then reads the stream to the
//      end, 20 ms between reads;
//   B. Producer.inSpan(3): reads one chunk, waits 20 ms, cancels the stream;
//   C. Streamer.numbers(1) on a Durable Object stub: waits 30 ms, reads to the end.
// Expect: each callee reports `return` when the method returns, then pulls one chunk at once
// and the next one whenever the caller has read one (the pump stays one chunk ahead). The
// callee's `outcome` waits for the stream: A. when its source has closed, a stateless callee
// gets workerd's "hung" `exception` and outcome "exception" (before the caller has read the
// end); B. a cancelled stream gives outcome "ok" at the cancel; C. an object's invocation has
// outcome "ok" after the caller read the end. The caller's `jsRpcCall` closes a turn after
// the result as usual, but its `jsRpcSession` (and the object's `durable_object_subrequest`)
// stays open until the callee's outcome.
import { DurableObject } from 'cloudflare:workers';
import { numbers } from './numbers.js';

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Streamer extends DurableObject {
  numbers(n) {
    console.log('object numbers called', n);
    return numbers('object', n);
  }
}

async function readAll(label, stream, gap) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    console.log(label, 'read', decoder.decode(value));
    await wait(gap);
  }
  console.log(label, 'read end');
}

export default {
  async test(ctrl, env) {
    const first = await env.PRODUCER.numbers(2);
    console.log('got stream', first instanceof ReadableStream);
    await wait(30);
    await readAll('entry', first, 20);
    await wait(40);

    const second = await env.PRODUCER.inSpan(3);
    const reader = second.getReader();
    console.log('first chunk', new TextDecoder().decode((await reader.read()).value));
    await wait(20);
    await reader.cancel('enough');
    console.log('cancelled');
    await wait(40);

    const stub = env.objects.get(env.objects.idFromName('streamer'));
    const third = await stub.numbers(1);
    await wait(30);
    await readAll('object', third, 20);
    await wait(40);
    console.log('end');
  },
};
