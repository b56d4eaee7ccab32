// The served worker of `bench:serve` (service "main"): GET /item/<n> opens 10 spans with
// attributes, nested and side by side, calls the "backend" service once through its binding and
// answers `item <n> costs <price>` with the backend's price. The same file runs on workers-shim
// and on workerd.
//
//   request                       n, route
//   ├─ parse                      path length
//   ├─ cache                      key
//   │  └─ cache.lookup            hit
//   ├─ backend                    url, status    (the service binding call)
//   └─ render                     parts
//      ├─ render.head
//      ├─ render.body             chars
//      │  └─ render.format        currency
//      └─ render.foot
const ITEM = /^\/item\/(\d{1,9})$/;

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const match = ITEM.exec(url.pathname);
    if (match === null) return new Response("not found", { status: 404 });
    const n = Number(match[1]);
    const tracing = ctx.tracing;
    return tracing.enterSpan("request", async (root) => {
      root.setAttribute("item.n", n);
      root.setAttribute("http.route", "/item/:n");
      const key = tracing.enterSpan("parse", (span) => {
        span.setAttribute("url.path.length", url.pathname.length);
        return `item:${n}`;
      });
      tracing.enterSpan("cache", (span) => {
        span.setAttribute("cache.key", key);
        return tracing.enterSpan("cache.lookup", (lookup) => {
          lookup.setAttribute("cache.hit", false);
        });
      });
      const price = await tracing.enterSpan("backend", async (span) => {
        const target = `http://backend/price?n=${n}`;
        span.setAttribute("backend.url", target);
        const response = await env.backend.fetch(target);
        span.setAttribute("backend.status", response.status);
        return response.text();
      });
      const body = tracing.enterSpan("render", (span) => {
        span.setAttribute("render.parts", 3);
        const head = tracing.enterSpan("render.head", () => `item ${n}`);
        const text = tracing.enterSpan("render.body", (inner) => {
          const formatted = tracing.enterSpan("render.format", (format) => {
            format.setAttribute("currency", "EUR");
            return `costs ${price}`;
          });
          inner.setAttribute("render.chars", formatted.length);
          return formatted;
        });
        const foot = tracing.enterSpan("render.foot", () => "");
        return `${head} ${text}${foot}`;
      });
      return new Response(body, { headers: { "content-type": "text/plain" } });
    });
  },
};
