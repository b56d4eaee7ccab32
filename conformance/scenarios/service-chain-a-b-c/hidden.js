// Untraced relay of the A -> hidden -> C path (see a.js): no streamingTails, so its own
// invocation emits nothing.
export default {
  async fetch(request, env, ctx) {
    const text = await ctx.tracing.enterSpan('hidden-span', async () => (await env.c.fetch('http://c/leaf')).text());
    return new Response(`hidden(${text})`);
  },
};
