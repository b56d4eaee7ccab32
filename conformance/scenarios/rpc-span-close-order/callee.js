// The middle service of rpc-span-close-order (see worker.js): methods that return, throw, and
// call the leaf service inside a user span (returning its result or letting its error through).
import { WorkerEntrypoint } from 'cloudflare:workers';

Error.stackTraceLimit = 0;

export default class Callee extends WorkerEntrypoint {
  ok() {
    return 'ok value';
  }

  async fail() {
    throw new Error('callee failed');
  }

  nested() {
    return this.ctx.tracing.enterSpan('callee-span', () => this.env.LEAF.value());
  }

  nestedFail() {
    return this.ctx.tracing.enterSpan('callee-span-fail', async () => {
      await this.env.LEAF.fail();
    });
  }

  async nestedCaught() {
    return this.ctx.tracing.enterSpan('callee-span-caught', async () => {
      try {
        await this.env.LEAF.fail();
      } catch (e) {
        console.log('callee caught', String(e));
      }
      return 'recovered';
    });
  }
}
