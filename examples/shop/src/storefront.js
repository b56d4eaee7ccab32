// The shop's HTTP front end. Routes:
//   GET  /products            the catalogue, from the inventory service
//   POST /cart/:id/items      add {"sku", "qty"} to customer :id's cart (a Durable Object)
//   POST /checkout/:id        price the cart, reserve the stock, empty the cart
import { withSpan } from "@workers-tracing/tracing-helpers";

export { Cart } from "./cart.js";

const ROUTES = [
  { method: "GET", pattern: /^\/products$/, name: "list-products", handle: listProducts },
  { method: "POST", pattern: /^\/cart\/([\w-]+)\/items$/, name: "add-to-cart", handle: addToCart },
  { method: "POST", pattern: /^\/checkout\/([\w-]+)$/, name: "checkout", handle: checkout },
];

const json = (body, status = 200) => Response.json(body, { status });

export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    const route = ROUTES.find((r) => r.method === request.method && r.pattern.test(pathname));
    if (route === undefined) return json({ error: `no route for ${request.method} ${pathname}` }, 404);
    const [, id] = route.pattern.exec(pathname);
    // One span per route; everything the handler does nests under it.
    return ctx.tracing.enterSpan(route.name, (span) => {
      if (id !== undefined) span.setAttribute("customer.id", id);
      return route.handle({ request, env, ctx, span, id });
    });
  },
};

async function listProducts({ env, span }) {
  const products = await env.INVENTORY.listProducts();
  span.setAttribute("products.count", products.length);
  return json({ products });
}

async function addToCart({ request, env, span, id }) {
  const item = await request.json().catch(() => null);
  if (typeof item?.sku !== "string" || !Number.isInteger(item.qty) || item.qty < 1) {
    return json({ error: 'expected a JSON body {"sku": string, "qty": positive integer}' }, 400);
  }
  const product = await env.INVENTORY.product(item.sku);
  if (product === null) return json({ error: `unknown product ${item.sku}` }, 404);
  span.setAttributes({ "cart.sku": item.sku, "cart.qty": item.qty });
  const response = await env.CARTS.getByName(id).fetch("https://cart/items", {
    method: "POST",
    body: JSON.stringify({ sku: item.sku, qty: item.qty, price: product.price }),
  });
  return json(await response.json());
}

async function checkout({ env, ctx, span, id }) {
  const cart = env.CARTS.getByName(id);
  const { items } = await (await cart.fetch("https://cart/")).json();
  if (items.length === 0) return json({ error: "the cart is empty" }, 400);

  // withSpan (from @workers-tracing/tracing-helpers) is how library code adds spans.
  const total = withSpan("price-cart", (priceSpan) => {
    const sum = items.reduce((acc, item) => acc + item.qty * item.price, 0);
    priceSpan.setAttributes({ "cart.lines": items.length, "order.total": sum });
    return sum;
  });

  try {
    await env.INVENTORY.reserve(items);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    span.recordException(error);
    span.setStatus({ code: "error", message: "out of stock" });
    console.warn("checkout refused:", error.message);
    return json({ error: error.message }, 409);
  }
  await cart.fetch("https://cart/", { method: "DELETE" });
  const orderId = `order-${id}-${items.length}`;
  span.setAttribute("order.id", orderId);
  // After the response: the invocation's outcome waits for it, the customer does not.
  ctx.waitUntil(
    ctx.tracing.enterSpan("send-confirmation", async (mail) => {
      mail.setAttribute("order.id", orderId);
      await new Promise((resolve) => setTimeout(resolve, 5));
      console.log("confirmation sent for", orderId);
    }),
  );
  return json({ orderId, total }, 201);
}
