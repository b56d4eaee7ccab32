// queue() through a service binding's .queue() (service_binding_extra_handlers), beyond the
// shared queue-handler scenario: what the handler sees of the batch and what the caller gets
// back. Batches:
//   acks      explicit message.ack() / message.retry({delaySeconds}) on single messages, one
//             message acked then retried, one retried then acked; bodies of several types
//             (string, object, number, null, array); what the handler sees of each message
//             (id, attempts, body, timestamp)
//   all       batch.ackAll() after a message's retry(), then batch.retryAll({delaySeconds})
//   reverse   batch.retryAll() then batch.ackAll(); then ack() and retry() on messages
//   repeat    ack() twice; retry() twice with different delays; ackAll() then a message's
//             ack() and retry(); retry({delaySeconds: 'soon'})
//   throws    the handler throws inside a span after acking one message
//   empty     no messages
// Expect (workerd 2026-11-17): one `queue` invocation per batch (info queueName, batchSize),
// each under the caller's runtime `queue` span; the caller gets {outcome, ackAll, retryBatch,
// explicitAcks, retryMessages} (logged, keys sorted); the first decision wins: a call that
// contradicts an earlier one (retry() after ack()/ackAll(), ack() after retry()/retryAll(),
// ackAll() after retryAll() and the reverse) has no effect and logs a `warn` line "Received a
// call to … after … was already called. …" in the handler's invocation; a message's retry()
// after ackAll() is ignored with a warning, its ack() silently; repeated calls are fine and
// the last delay counts; a delay that is not a number becomes 0. A throwing handler gives
// `exception`, outcome "exception", and the caller's promise still resolves with outcome
// "exception".
import { tracing } from 'cloudflare:workers';

function describe(message) {
  const ts = message.timestamp;
  return [message.id, message.attempts, JSON.stringify(message.body), ts instanceof Date ? ts.getTime() : typeof ts];
}

function sorted(result) {
  return Object.fromEntries(Object.keys(result).sort().map((k) => [k, result[k]]));
}

export default {
  async queue(batch, env, ctx) {
    console.log('batch', batch.queue, batch.messages.length);
    for (const message of batch.messages) console.log('message', ...describe(message));
    if (batch.queue === 'acks') {
      const [a, b, c, d] = batch.messages;
      a.ack();
      b.retry({ delaySeconds: 7 });
      c.ack();
      c.retry();
      d.retry();
      d.ack();
    } else if (batch.queue === 'all') {
      batch.messages[0].retry();
      batch.ackAll();
      batch.retryAll({ delaySeconds: 3 });
    } else if (batch.queue === 'reverse') {
      const [a, b] = batch.messages;
      batch.retryAll();
      batch.ackAll();
      a.ack();
      b.retry();
    } else if (batch.queue === 'repeat') {
      const [a, b, c] = batch.messages;
      a.ack();
      a.ack();
      b.retry({ delaySeconds: 1 });
      b.retry({ delaySeconds: 2 });
      c.retry({ delaySeconds: 'soon' });
      batch.ackAll();
      a.retry();
      c.ack();
    } else if (batch.queue === 'throws') {
      batch.messages[0].ack();
      tracing.enterSpan('failing-batch', () => {
        throw new Error('cannot process batch');
      });
    }
  },
  async test(ctrl, env) {
    const at = (ms) => new Date(Date.UTC(2026, 0, 1) + ms);
    const batches = {
      acks: [
        { id: 'a1', timestamp: at(1000), body: 'text', attempts: 1 },
        { id: 'a2', timestamp: at(2000), body: { nested: [1, 2] }, attempts: 2 },
        { id: 'a3', timestamp: at(3000), body: 42, attempts: 1 },
        { id: 'a4', timestamp: at(4000), body: null, attempts: 3 },
        { id: 'a5', timestamp: at(5000), body: ['x', true], attempts: 1 },
      ],
      all: [
        { id: 'b1', timestamp: at(6000), body: 'one', attempts: 1 },
        { id: 'b2', timestamp: at(7000), body: 'two', attempts: 1 },
      ],
      reverse: [
        { id: 'r1', timestamp: at(6100), body: 'one', attempts: 1 },
        { id: 'r2', timestamp: at(6200), body: 'two', attempts: 1 },
      ],
      repeat: [
        { id: 'p1', timestamp: at(6300), body: 1, attempts: 1 },
        { id: 'p2', timestamp: at(6400), body: 2, attempts: 1 },
        { id: 'p3', timestamp: at(6500), body: 3, attempts: 1 },
      ],
      throws: [{ id: 'c1', timestamp: at(8000), body: 'boom', attempts: 1 }],
      empty: [],
    };
    for (const [name, messages] of Object.entries(batches)) {
      const result = await env.self.queue(name, messages);
      console.log('result', name, JSON.stringify(sorted(result)));
    }
  },
};
