// One shopping cart per customer: a Durable Object keeping its lines in storage. Durable Objects
// get no ctx.tracing, so their spans come from the `tracing` export of "cloudflare:workers".
import { DurableObject, tracing } from "cloudflare:workers";

export class Cart extends DurableObject {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/") return Response.json(await this.#load());
    if (request.method === "POST" && pathname === "/items") return this.#addItem(await request.json());
    if (request.method === "DELETE" && pathname === "/") {
      await this.ctx.storage.delete("cart");
      return new Response(null, { status: 204 });
    }
    return new Response(`no cart route for ${request.method} ${pathname}`, { status: 404 });
  }

  async #load() {
    return (await this.ctx.storage.get("cart")) ?? { items: [] };
  }

  #addItem(item) {
    return tracing.enterSpan("cart.add-item", async (span) => {
      span.setAttributes({ "cart.sku": item.sku, "cart.qty": item.qty });
      const cart = await this.#load();
      const line = cart.items.find((existing) => existing.sku === item.sku);
      if (line === undefined) cart.items.push({ sku: item.sku, qty: item.qty, price: item.price });
      else line.qty += item.qty;
      await this.ctx.storage.put("cart", cart);
      span.setAttribute("cart.lines", cart.items.length);
      return Response.json(cart);
    });
  }
}
