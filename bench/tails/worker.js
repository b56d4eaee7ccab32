// The traced worker of `bench:tails`: GET /spans opens 20 spans one after the other (each sets
// an attribute and spends about 0.25 ms of CPU) and answers `total 190`.
export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname !== "/spans") return new Response("not found", { status: 404 });
    let total = 0;
    for (let i = 0; i < 20; i++) {
      total += await ctx.tracing.enterSpan(`step ${i}`, async (span) => {
        span.setAttribute("step", i);
        const end = performance.now() + 0.25;
        while (performance.now() < end);
        return i;
      });
    }
    return new Response(`total ${total}`);
  },
};
