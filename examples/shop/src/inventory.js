// The inventory service: the product catalogue and the stock levels, offered to the storefront
// as a JS-RPC entrypoint (`env.INVENTORY.listProducts()`, `.reserve(items)`, ...).
import { WorkerEntrypoint } from "cloudflare:workers";

const PRODUCTS = [
  { sku: "tea-sencha", name: "Sencha green tea, 100 g", price: 12.5 },
  { sku: "mug-stoneware", name: "Stoneware mug", price: 18 },
  { sku: "kettle-copper", name: "Copper kettle", price: 64 },
];

// Stock lives as long as the service does (one `workers-shim serve` run).
const stock = new Map([
  ["tea-sencha", 40],
  ["mug-stoneware", 12],
  ["kettle-copper", 1],
]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Inventory extends WorkerEntrypoint {
  /** Every product with its price and the quantity in stock. */
  async listProducts() {
    return this.ctx.tracing.enterSpan("inventory.list", async (span) => {
      await sleep(3); // a database read
      span.setAttribute("inventory.products", PRODUCTS.length);
      return PRODUCTS.map((product) => ({ ...product, inStock: stock.get(product.sku) }));
    });
  }

  /** The product with `sku`, or `null`. */
  async product(sku) {
    return PRODUCTS.find((product) => product.sku === sku) ?? null;
  }

  /**
   * Takes every line of `items` out of stock, all or nothing.
   * @throws RangeError when a line asks for more than is in stock.
   */
  async reserve(items) {
    return this.ctx.tracing.enterSpan("inventory.reserve", async (span) => {
      span.setAttribute("inventory.lines", items.length);
      for (const item of items) {
        const available = stock.get(item.sku) ?? 0;
        if (item.qty > available) {
          span.setStatus({ code: "error", message: `out of stock: ${item.sku}` });
          throw new RangeError(`out of stock: ${item.sku} (wanted ${item.qty}, ${available} left)`);
        }
      }
      await sleep(4); // the write
      for (const item of items) stock.set(item.sku, stock.get(item.sku) - item.qty);
      console.log("reserved", items.map((item) => `${item.qty}x ${item.sku}`).join(", "));
      return { reservationId: `r-${Date.now().toString(36)}` };
    });
  }
}

export default {
  fetch() {
    return new Response("inventory is reached through its RPC entrypoint\n", { status: 404 });
  },
};
