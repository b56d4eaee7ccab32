// A chain of service bindings A -> B -> C, and A -> hidden -> C through a service that has no
// streaming tail. Modules: a.js (test() handlers), b.js, hidden.js, c.js.
//   default test():  inside enterSpan('a-outer') A fetches B (/chain); B, inside
//                    enterSpan('b-work'), fetches C (/leaf) and then calls C's RPC entrypoint
//                    CApi.describe(); C makes its own spans.
//   viaHidden test(): A fetches the untraced service `hidden`, which fetches C.
// Expect: every invocation of the A -> B -> C chain shares A's trace id (T0). B's onset
// parent is A's runtime `fetch` span (opened under 'a-outer'); C's /leaf onset parent is B's
// `fetch` span (under 'b-work'); the CApi invocation's parent is B's `jsRpcCall` span.
// Each callee's user spans hang off its own onset span. Through `hidden` (not traced, so it
// emits nothing): C's invocation is a root of its own (a new trace id, no parent span),
// as an untraced worker has no span to pass on.
export default {
  async test(ctrl, env, ctx) {
    await ctx.tracing.enterSpan('a-outer', async (span) => {
      span.setAttribute('hop', 'a');
      const res = await env.b.fetch('http://b/chain');
      console.log('a got', await res.text());
    });
  },
};

export const viaHidden = {
  async test(ctrl, env, ctx) {
    const res = await env.hidden.fetch('http://hidden/relay');
    console.log('a via hidden got', await res.text());
  },
};
