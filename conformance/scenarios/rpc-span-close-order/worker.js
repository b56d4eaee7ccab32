// The order of spanClose events around JS-RPC calls made inside user spans, when the call
// returns and when it throws, for nested calls (main → callee → leaf) and a Durable Object.
// test() runs, 30 ms apart: an awaited call inside a span (returns; throws and the error
// leaves the span; throws and is caught inside the span), a call whose promise the span's
// callback returns without awaiting, a call the span does not wait for, two nested spans
// around one call, chains through the callee (its user span around a call to the leaf that
// returns, throws, or throws and is caught), and a throwing Durable Object method.
// Expect (workerd): the caller's user span closes first, then — a turn later — the call's
// `jsRpcCall` and `jsRpcSession` spans (a DO's `durable_object_subrequest` after them), so the
// runtime spans always outlive the user span that started them, whether the call returned or
// threw; a rejected call gives no `exception` in the callee and the user span still closes
// "ok". In a callee that calls on, its user span and the nested call's spans close in the same
// order before its own `jsRpcCall` span and its `return` (none when the method threw).
import { DurableObject } from 'cloudflare:workers';

Error.stackTraceLimit = 0;

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Thrower extends DurableObject {
  async fail() {
    throw new Error('object failed');
  }
}

async function step(label, fn) {
  try {
    console.log(label, 'result', await fn());
  } catch (e) {
    console.log(label, 'error', String(e));
  }
  await wait(30);
}

export default {
  async test(ctrl, env, ctx) {
    const { tracing } = ctx;
    await step('awaited', () => tracing.enterSpan('awaited', async () => await env.CALLEE.ok()));
    await step('throws', () => tracing.enterSpan('throws', async () => await env.CALLEE.fail()));
    await step('caught', () =>
      tracing.enterSpan('caught', async () => {
        try {
          await env.CALLEE.fail();
        } catch (e) {
          console.log('caught inside', String(e));
        }
        return 'after catch';
      }),
    );
    await step('returned-promise', () => tracing.enterSpan('returned-promise', () => env.CALLEE.ok()));
    await step('returned-rejection', () => tracing.enterSpan('returned-rejection', () => env.CALLEE.fail()));
    await step('not-awaited', async () => {
      let pending;
      tracing.enterSpan('not-awaited', () => {
        pending = env.CALLEE.ok();
      });
      console.log('span done');
      return pending;
    });
    await step('two-spans', () =>
      tracing.enterSpan('outer', () => tracing.enterSpan('inner', async () => await env.CALLEE.fail())),
    );
    await step('chain', () => tracing.enterSpan('chain', () => env.CALLEE.nested()));
    await step('chain-fail', () => tracing.enterSpan('chain-fail', () => env.CALLEE.nestedFail()));
    await step('chain-caught', () => tracing.enterSpan('chain-caught', () => env.CALLEE.nestedCaught()));
    const stub = env.objects.get(env.objects.idFromName('thrower'));
    await step('object', () => tracing.enterSpan('object', async () => await stub.fail()));
    await step('object-again', () => tracing.enterSpan('object-again', async () => await stub.fail()));
  },
};
