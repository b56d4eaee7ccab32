// The callee of hung-subrequest: handlers that can never finish.
//   /hang    awaits a promise nothing will ever settle
//   /span    the same inside enterSpan('callee-span')
//   /timer   a timer fires first (it is pending work), then the handler hangs
//   /wu      responds at once, but its waitUntil promise never settles
//   /fine    responds normally (later requests are unaffected)
//   hangRpc  a JS-RPC method that hangs
// Expect for each hung handler: `exception` (Error, workerd's "canceled this request because
// it detected that your Worker's code had hung" message) on the onset span, THEN the open
// spans close "ok", then outcome "exception" (also for RPC, where a thrown error gives none).
// /wu: `return` first, the same `exception`, outcome "ok".
import { WorkerEntrypoint } from 'cloudflare:workers';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const never = () => new Promise(() => {});

export default class extends WorkerEntrypoint {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    const ctx = this.ctx;
    if (path === '/hang') {
      console.log('callee hangs');
      await never();
    }
    if (path === '/span') {
      return ctx.tracing.enterSpan('callee-span', async (span) => {
        span.setAttribute('step', 1);
        await never();
      });
    }
    if (path === '/timer') {
      await sleep(5);
      console.log('timer fired');
      await never();
    }
    if (path === '/wu') {
      ctx.waitUntil(never());
      return new Response('wu ok');
    }
    return new Response('fine');
  }

  async hangRpc() {
    console.log('rpc hangs');
    await never();
  }
}
