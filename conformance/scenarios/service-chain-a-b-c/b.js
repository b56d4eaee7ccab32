// Service B of the A -> B -> C chain (see a.js for what the scenario checks).
export default {
  async fetch(request, env, ctx) {
    return ctx.tracing.enterSpan('b-work', async (span) => {
      span.setAttribute('hop', 'b');
      const leaf = await (await env.c.fetch('http://c/leaf')).text();
      const described = await env.cApi.describe('from-b');
      console.log('b got', leaf, described);
      return new Response(`b(${leaf}, ${described})`);
    });
  },
};
