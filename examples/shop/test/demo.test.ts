import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const DEMO = fileURLToPath(new URL("../demo.mjs", import.meta.url));

/** The demo's output cut into requests: the request line, the response line and the waterfall. */
function parse(stdout: string) {
  const sections = stdout.split(/\n(?=(?:GET|POST) \/)/).slice(1);
  return sections.map((section) => {
    const [request, response, , ...rest] = section.trimEnd().split("\n");
    const tree = rest.filter((line) => line !== "" && !line.startsWith("server stopped"));
    return { request: request!, response: response!, tree };
  });
}

/**
 * A waterfall without what changes from run to run: each line keeps its tree prefix, the name,
 * the outcome of invocations and a span's error status; durations, ids, ports and other
 * attributes are left out.
 */
function outline(tree: readonly string[]): string[] {
  return tree.map((line) => {
    const match = /^([│├└─ ]*)(.*)$/.exec(line)!;
    const [name, ...parts] = match[2]!.split("  ");
    const kept = parts.filter(
      (part) => /^(ok|exception|canceled|exceededCpu|unknown)$/.test(part) || part.startsWith("status="),
    );
    return [match[1]! + name!.replace(/127\.0\.0\.1:\d+/, "HOST"), ...kept].join("  ");
  });
}

describe("examples/shop demo", () => {
  it("serves the shop and prints one waterfall per request", { timeout: 120000 }, () => {
    const run = spawnSync(process.execPath, [DEMO], {
      encoding: "utf8",
      timeout: 110000,
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("server stopped (SIGTERM), exit status 0");

    const requests = parse(run.stdout);
    expect(requests.map((r) => [r.request, r.response.split(" ").slice(0, 2).join(" ")])).toEqual([
      ["GET /products", "← 200"],
      ['POST /cart/ada/items {"sku":"tea-sencha","qty":2}', "← 200"],
      ['POST /cart/ada/items {"sku":"mug-stoneware","qty":1}', "← 200"],
      ["POST /checkout/ada", "← 201"],
      ['POST /cart/bob/items {"sku":"kettle-copper","qty":3}', "← 200"],
      ["POST /checkout/bob", "← 409"],
    ]);
    const [products, addTea, , checkout, , refused] = requests;
    expect(checkout!.response).toBe('← 201 {"orderId":"order-ada-2","total":43}');
    expect(refused!.response).toBe('← 409 {"error":"out of stock: kettle-copper (wanted 3, 1 left)"}');

    expect(outline(products!.tree)).toMatchInlineSnapshot(`
      [
        "fetch GET http://HOST/products  ok",
        "├─ list-products",
        "│  └─ jsRpcSession",
        "│     └─ jsRpcCall",
        "│        └─ jsrpc listProducts  ok",
        "│           ├─ jsRpcCall",
        "│           │  └─ inventory.list",
        "│           └─ return",
        "└─ return 200",
      ]
    `);
    expect(products!.tree[1]).toMatch(/^├─ list-products {2}\d+ms {2}products\.count=3$/);
    expect(outline(addTea!.tree)).toMatchInlineSnapshot(`
      [
        "fetch POST http://HOST/cart/ada/items  ok",
        "├─ add-to-cart",
        "│  ├─ jsRpcSession",
        "│  │  └─ jsRpcCall",
        "│  │     └─ jsrpc product  ok",
        "│  │        ├─ jsRpcCall",
        "│  │        └─ return",
        "│  └─ durable_object_subrequest",
        "│     └─ fetch",
        "│        └─ fetch POST https://cart/items  ok",
        "│           ├─ cart.add-item",
        "│           │  ├─ durable_object_storage_get",
        "│           │  └─ durable_object_storage_put",
        "│           └─ return 200",
        "└─ return 200",
      ]
    `);
    expect(outline(checkout!.tree)).toMatchInlineSnapshot(`
      [
        "fetch POST http://HOST/checkout/ada  ok",
        "├─ checkout",
        "│  ├─ durable_object_subrequest",
        "│  │  └─ fetch",
        "│  │     └─ fetch GET https://cart/  ok",
        "│  │        ├─ durable_object_storage_get",
        "│  │        └─ return 200",
        "│  ├─ price-cart",
        "│  ├─ jsRpcSession",
        "│  │  └─ jsRpcCall",
        "│  │     └─ jsrpc reserve  ok",
        "│  │        ├─ jsRpcCall",
        "│  │        │  └─ inventory.reserve",
        "│  │        │     └─ log: [log] reserved 2x tea-sencha, 1x mug-stoneware",
        "│  │        └─ return",
        "│  ├─ durable_object_subrequest",
        "│  │  └─ fetch",
        "│  │     └─ fetch DELETE https://cart/  ok",
        "│  │        ├─ durable_object_storage_delete",
        "│  │        └─ return 204",
        "│  └─ send-confirmation",
        "│     └─ log: [log] confirmation sent for order-ada-2",
        "└─ return 201",
      ]
    `);
    expect(checkout!.tree.find((line) => line.includes("price-cart"))).toMatch(
      /price-cart {2}\d+ms {2}cart\.lines=2 {2}order\.total=43$/,
    );
    expect(outline(refused!.tree)).toMatchInlineSnapshot(`
      [
        "fetch POST http://HOST/checkout/bob  ok",
        "├─ checkout  status=error("out of stock")",
        "│  ├─ durable_object_subrequest",
        "│  │  └─ fetch",
        "│  │     └─ fetch GET https://cart/  ok",
        "│  │        ├─ durable_object_storage_get",
        "│  │        └─ return 200",
        "│  ├─ price-cart",
        "│  ├─ jsRpcSession",
        "│  │  └─ jsRpcCall",
        "│  │     └─ jsrpc reserve  ok",
        "│  │        └─ jsRpcCall",
        "│  │           └─ inventory.reserve  status=error("out of stock: kettle-copper")",
        "│  ├─ exception: RangeError: out of stock: kettle-copper (wanted 3, 1 left)",
        "│  └─ log: [warn] checkout refused: out of stock: kettle-copper (wanted 3, 1 left)",
        "└─ return 409",
      ]
    `);
  });
});

describe("examples/shop demo with --ui", () => {
  it("keeps serving the live trace page after the requests, until Ctrl-C", { timeout: 120000 }, async () => {
    const demo = spawn(process.execPath, [DEMO, "--ui", "0"], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    demo.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => demo.once("exit", (code) => resolve(code)));
    try {
      await expect
        .poll(() => /The traces are at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1], { timeout: 100000 })
        .toBeDefined();
      const url = /The traces are at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)![1]!;
      const page = await (await fetch(url)).text();
      expect(page).toContain('"live":true');
      expect(page).toContain("fetch POST http://127.0.0.1");
      expect(page.match(/"traceId":/g)!.length).toBeGreaterThanOrEqual(6);
      demo.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(stdout.trimEnd().split("\n").at(-1)).toBe("server stopped (SIGTERM), exit status 0");
    } finally {
      demo.kill("SIGKILL");
    }
  });
});
