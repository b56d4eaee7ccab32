// JS RPC on a Durable Object stub (a method of a class extending DurableObject).
// test() gets one stub for 'rpc-counter' and calls, in order: increment(2) inside
// enterSpan('call-increment'), increment(3) outside any span, and fail() (which throws;
// test() catches the error).
// Expect, in the caller: per call a `durable_object_subrequest` span (attribute objectId)
// parented to the user span current at the call, with jsRpcSession -> jsRpcCall under it
// (jsRpcCall attributes: jsrpc.target_kind, jsrpc.operation "call", jsrpc.method). These
// runtime spans close late: 'call-increment' closes before its children, and a call's
// spans close only after the next call's spans have opened. Each call is its own
// invocation of the object (executionModel durableObject, entrypoint Counter, onset info
// type jsrpc, the same durableObjectId D0, the caller's trace, parent = the caller's
// jsRpcCall span) with a `jsrpc.method` attributes event on its onset span and a callee-side
// `jsRpcCall` span that is current for the method: the user span 'increment' and the
// storage spans nest under it; storage state carries over (2, then 5). A method that
// throws: no `exception` event and no `return` in the callee, `outcome: "ok"`; the error
// goes to the caller (logged by test()).
import { DurableObject, tracing } from 'cloudflare:workers';

export class Counter extends DurableObject {
  async increment(by) {
    return tracing.enterSpan('increment', async (span) => {
      span.setAttribute('by', by);
      const current = (await this.ctx.storage.get('n')) ?? 0;
      await this.ctx.storage.put('n', current + by);
      console.log('incremented to', current + by);
      return current + by;
    });
  }

  async fail() {
    tracing.enterSpan('before-failure', () => {});
    throw new Error('rpc method failed');
  }
}

export default {
  async test(ctrl, env, ctx) {
    const stub = env.counters.get(env.counters.idFromName('rpc-counter'));
    const first = await ctx.tracing.enterSpan('call-increment', () => stub.increment(2));
    console.log('first', first);
    console.log('second', await stub.increment(3));
    try {
      await stub.fail();
    } catch (e) {
      console.log('fail() threw', String(e));
    }
  },
};
