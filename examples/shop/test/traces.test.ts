// How a user tests their worker's traces: the shop's config runs in this process with
// createTestRuntime(), each request comes back with its trace, and the matchers and the snapshot
// serializer come from one import.
import "@workers-tracing/workers-shim/vitest";
import { createTestRuntime, type TestRuntime } from "@workers-tracing/workers-shim";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CONFIG = fileURLToPath(new URL("../config.json", import.meta.url));

describe("the shop's traces", () => {
  let shop: TestRuntime;
  beforeAll(async () => {
    shop = await createTestRuntime(CONFIG);
  });
  afterAll(() => shop.close());

  it("lists products with one span per inventory call", async () => {
    const { response, trace } = await shop.fetch("http://shop.example/products");
    expect(response.status).toBe(200);
    expect(trace).toHaveSpan("list-products", { attributes: { "products.count": 3 } });
    expect(trace).toHaveSpanTree({
      name: "fetch GET http://shop.example/products",
      children: [{ name: "list-products" }],
    });
    expect(trace).toHaveNoOpenSpans();
    expect(trace).toMatchInlineSnapshot(`
      fetch GET http://shop.example/products  ok
      ├─ list-products  products.count=3
      │  └─ jsRpcSession
      │     └─ jsRpcCall  jsrpc.target_kind="fetcher"  jsrpc.operation="call"  jsrpc.method="listProducts"
      │        └─ jsrpc listProducts  ok  entrypoint="Inventory"
      │           ├─ jsRpcCall  jsrpc.method="listProducts"  jsrpc.target_kind="entrypoint"  jsrpc.operation="call"  jsrpc.caller_span_id="0000000000000004"
      │           │  └─ inventory.list  inventory.products=3
      │           └─ return
      └─ return 200
    `);
  });

  it("checks out a cart across the storefront, the cart Durable Object and the inventory service", async () => {
    const add = (body: object) =>
      shop.fetch("http://shop.example/cart/ada/items", { method: "POST", body: JSON.stringify(body) });
    await add({ sku: "tea-sencha", qty: 2 });
    const { response, trace } = await shop.fetch("http://shop.example/checkout/ada", { method: "POST" });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ orderId: "order-ada-1", total: 25 });
    expect(trace.roots).toHaveLength(1);
    expect(trace.find("checkout")?.status).toBeUndefined();
    expect(trace).toMatchInlineSnapshot(`
      fetch POST http://shop.example/checkout/ada  ok
      ├─ checkout  customer.id="ada"  order.id="order-ada-1"
      │  ├─ durable_object_subrequest  objectId="3bfae60f8c3dbe60a33495cc2610ec77ef85fbf993f0ca416e1ec327dc216329"
      │  │  └─ fetch  network.protocol.name="http"  network.protocol.version="HTTP/1.1"  http.request.method="GET"  url.full="https://cart/"  http.response.status_code=200n  http.response.body.size=53n
      │  │     └─ fetch GET https://cart/  ok  entrypoint="Cart"  durableObjectId="3bfae60f8c3dbe60a33495cc2610ec77ef85fbf993f0ca416e1ec327dc216329"
      │  │        ├─ durable_object_storage_get
      │  │        └─ return 200
      │  ├─ price-cart  cart.lines=1  order.total=25
      │  ├─ jsRpcSession
      │  │  └─ jsRpcCall  jsrpc.target_kind="fetcher"  jsrpc.operation="call"  jsrpc.method="reserve"
      │  │     └─ jsrpc reserve  ok  entrypoint="Inventory"
      │  │        ├─ jsRpcCall  jsrpc.method="reserve"  jsrpc.target_kind="entrypoint"  jsrpc.operation="call"  jsrpc.caller_span_id="000000000000001c"
      │  │        │  └─ inventory.reserve  inventory.lines=1
      │  │        │     └─ log: [log] reserved 2x tea-sencha
      │  │        └─ return
      │  ├─ durable_object_subrequest  objectId="3bfae60f8c3dbe60a33495cc2610ec77ef85fbf993f0ca416e1ec327dc216329"
      │  │  └─ fetch  network.protocol.name="http"  network.protocol.version="HTTP/1.1"  http.request.method="DELETE"  url.full="https://cart/"  http.response.status_code=204n  http.response.body.size=0n
      │  │     └─ fetch DELETE https://cart/  ok  entrypoint="Cart"  durableObjectId="3bfae60f8c3dbe60a33495cc2610ec77ef85fbf993f0ca416e1ec327dc216329"
      │  │        ├─ durable_object_storage_delete
      │  │        └─ return 204
      │  └─ send-confirmation  order.id="order-ada-1"
      │     └─ log: [log] confirmation sent for order-ada-1
      └─ return 201
    `);
  });

  it("marks the refused checkout", async () => {
    await shop.fetch("http://shop.example/cart/bob/items", {
      method: "POST",
      body: JSON.stringify({ sku: "kettle-copper", qty: 3 }),
    });
    const { response, trace } = await shop.fetch("http://shop.example/checkout/bob", { method: "POST" });
    expect(response.status).toBe(409);
    expect(trace).toMatchInlineSnapshot(`
      fetch POST http://shop.example/checkout/bob  ok
      ├─ checkout  status=error("out of stock")  customer.id="bob"
      │  ├─ durable_object_subrequest  objectId="dcf67498687c0f877218666c55155f373257cd79cc817f9fe55d78167f65b6d6"
      │  │  └─ fetch  network.protocol.name="http"  network.protocol.version="HTTP/1.1"  http.request.method="GET"  url.full="https://cart/"  http.response.status_code=200n  http.response.body.size=54n
      │  │     └─ fetch GET https://cart/  ok  entrypoint="Cart"  durableObjectId="dcf67498687c0f877218666c55155f373257cd79cc817f9fe55d78167f65b6d6"
      │  │        ├─ durable_object_storage_get
      │  │        └─ return 200
      │  ├─ price-cart  cart.lines=1  order.total=192
      │  ├─ jsRpcSession
      │  │  └─ jsRpcCall  jsrpc.target_kind="fetcher"  jsrpc.operation="call"  jsrpc.method="reserve"
      │  │     └─ jsrpc reserve  ok  entrypoint="Inventory"
      │  │        └─ jsRpcCall  jsrpc.method="reserve"  jsrpc.target_kind="entrypoint"  jsrpc.operation="call"  jsrpc.caller_span_id="0000000000000039"
      │  │           └─ inventory.reserve  status=error("out of stock: kettle-copper")  inventory.lines=1
      │  ├─ exception: RangeError: out of stock: kettle-copper (wanted 3, 1 left)
      │  └─ log: [warn] checkout refused: out of stock: kettle-copper (wanted 3, 1 left)
      └─ return 409
    `);
  });

  it("calls the inventory's RPC entrypoint directly, and keeps the trace of a call that throws", async () => {
    const inventory = { service: "inventory", entrypoint: "Inventory" };
    const { result, trace } = await shop.rpc("product", ["mug-stoneware"], inventory);
    expect(result).toEqual({ sku: "mug-stoneware", name: "Stoneware mug", price: 18 });
    expect(trace.roots.map((root) => [root.name, root.entrypoint, root.outcome])).toEqual([
      ["jsrpc product", "Inventory", "ok"],
    ]);

    const error = await shop.rpc("reserve", [[{ sku: "kettle-copper", qty: 5 }]], inventory).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect(shop.traceOf(error)).toMatchInlineSnapshot(`
      jsrpc reserve  ok  entrypoint="Inventory"
      └─ jsRpcCall  jsrpc.method="reserve"  jsrpc.target_kind="entrypoint"  jsrpc.operation="call"
         └─ inventory.reserve  status=error("out of stock: kettle-copper")  inventory.lines=1
    `);
  });
});
