// Durable Object storage operations and the runtime spans they create.
// test() sends two requests to one object ('storage-demo'):
//   /plain    put / put(object) / get / get([...]) / list / delete sequence outside any
//             user span, then the same kinds of calls inside enterSpan('batch'), one of them
//             nested in enterSpan('inner');
//   /txn      storage.transaction(async (txn) => ...) called inside enterSpan('txn-outer'),
//             the callback doing txn.get / txn.put, a user span and a log; then get,
//             deleteAll and list({prefix}) outside any user span.
// Expect: one `durable_object_storage_<op>` span per call (get, put, list, delete,
// transaction, deleteAll; a multi-key get/put/delete is still one span), parented to the
// user span current at the call (the onset span outside enterSpan), with no attributes.
// Runtime spans are never made current: inside the transaction callback, the txn.get and
// txn.put spans, the user span 'in-txn' and the log are all parented to 'txn-outer', not to
// `durable_object_storage_transaction` (which closes after them). Logs show the values read
// back.
import { DurableObject, tracing } from 'cloudflare:workers';

export class Store extends DurableObject {
  async fetch(request) {
    const storage = this.ctx.storage;
    const path = new URL(request.url).pathname;
    if (path === '/plain') {
      await storage.put('a', 1);
      await storage.put({ b: 2, c: 3 });
      console.log('get a', await storage.get('a'));
      const many = await storage.get(['b', 'c']);
      console.log('get b,c', [...many.entries()]);
      console.log('list', [...(await storage.list()).keys()]);
      console.log('delete a', await storage.delete('a'));
      await tracing.enterSpan('batch', async () => {
        await storage.put('d', 4);
        console.log('get d', await storage.get('d'));
        await tracing.enterSpan('inner', async () => {
          console.log('delete b,c', await storage.delete(['b', 'c']));
        });
        console.log('list after', [...(await storage.list()).keys()]);
      });
      return new Response('plain done');
    }
    if (path === '/txn') {
      const result = await tracing.enterSpan('txn-outer', async () => {
        return storage.transaction(async (txn) => {
          const d = await txn.get('d');
          await txn.put('e', d + 1);
          tracing.enterSpan('in-txn', (span) => span.setAttribute('d', d));
          console.log('in transaction', d);
          return d + 1;
        });
      });
      console.log('transaction result', result, await storage.get('e'));
      await storage.deleteAll();
      console.log('after deleteAll', (await storage.list({ prefix: '' })).size);
      return new Response('txn done');
    }
    return new Response('not found', { status: 404 });
  }
}

export default {
  async test(ctrl, env, ctx) {
    const stub = env.stores.get(env.stores.idFromName('storage-demo'));
    console.log(await (await stub.fetch('http://store/plain')).text());
    console.log(await (await stub.fetch('http://store/txn')).text());
  },
};
