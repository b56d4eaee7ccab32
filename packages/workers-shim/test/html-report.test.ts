// The trace report in a real browser: Debian's Chromium driven by playwright-core (nothing is
// downloaded). The page is written to a file and opened from file://, as a user would.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRuntime,
  createTestRuntime,
  loadConfig,
  renderTraceReport,
  startTraceUi,
  type TraceTree,
} from "../src/index";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const SHOP = fileURLToPath(new URL("../../../examples/shop/config.json", import.meta.url));

/** What each waterfall row shows: its tree level, its name and its bar's inline style. */
async function waterfallRows(page: Page): Promise<{ level: string; name: string; style: string }[]> {
  const rows = [];
  for (const row of await page.locator("#trace .row").all()) {
    rows.push({
      level: (await row.getAttribute("aria-level")) ?? "",
      name: (await row.locator(".name").textContent()) ?? "",
      style: (await row.locator(".bar").getAttribute("style")) ?? "",
    });
  }
  return rows;
}

/** The shop's traces: products, two cart additions, a checkout and a refused checkout. */
async function shopTraces(): Promise<TraceTree[]> {
  const shop = await createTestRuntime(SHOP);
  try {
    const post = (path: string, body?: object) =>
      shop.fetch(`http://shop.example${path}`, { method: "POST", ...(body ? { body: JSON.stringify(body) } : {}) });
    const traces = [(await shop.fetch("http://shop.example/products")).trace];
    traces.push((await post("/cart/ada/items", { sku: "tea-sencha", qty: 2 })).trace);
    traces.push((await post("/checkout/ada")).trace);
    traces.push((await post("/cart/bob/items", { sku: "kettle-copper", qty: 3 })).trace);
    traces.push((await post("/checkout/bob")).trace);
    return traces;
  } finally {
    await shop.close();
  }
}

// Without Chromium the browser tests are skipped on a developer's machine; CI installs it, and there
// a missing browser fails them.
describe.skipIf(!existsSync(CHROMIUM) && process.env["CI"] !== "true")("the trace report in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    const traces = await shopTraces();
    dir = mkdtempSync(join(tmpdir(), "trace-report-"));
    const file = join(dir, "report.html");
    writeFileSync(
      file,
      renderTraceReport(
        traces.flatMap((trace) => trace.events),
        { title: "shop <traces>" },
      ),
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(file).href);
    expect(errors).toEqual([]);
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("lists the traces newest first, with outcome, duration and span count, the title escaped", async () => {
    expect(await page.title()).toBe("shop <traces>");
    const names = await page.locator("#traces button > div:first-child").allTextContents();
    expect(names).toEqual([
      "fetch POST http://shop.example/checkout/bob",
      "fetch POST http://shop.example/cart/bob/items",
      "fetch POST http://shop.example/checkout/ada",
      "fetch POST http://shop.example/cart/ada/items",
      "fetch GET http://shop.example/products",
    ]);
    expect(await page.locator("#count").textContent()).toBe("5 of 5 traces");
    const first = await page.locator("#traces button .meta").first().textContent();
    expect(first).toMatch(/^ok · error · \d+ms · \d+ spans$/);
  });

  it("shows the selected trace as a waterfall, nested across services, bars on one time axis", async () => {
    await page.locator("#traces button", { hasText: "checkout/ada" }).click();
    const rows = await waterfallRows(page);
    const outline = rows.map((row) => `${row.level} ${row.name}`);
    expect(outline).toEqual([
      "1 fetch POST http://shop.example/checkout/ada",
      "2 checkout",
      "3 durable_object_subrequest",
      "4 fetch",
      "5 fetch GET https://cart/",
      "6 durable_object_storage_get",
      "3 price-cart",
      "3 jsRpcSession",
      "4 jsRpcCall",
      "5 jsrpc reserve",
      "6 jsRpcCall",
      "7 inventory.reserve",
      "3 durable_object_subrequest",
      "4 fetch",
      "5 fetch DELETE https://cart/",
      "6 durable_object_storage_delete",
      "3 send-confirmation",
    ]);
    // A child's bar starts no earlier than its parent's and lies within the axis.
    const lefts = rows.map((row) => Number(/left: ([\d.]+)%/.exec(row.style)![1]));
    expect(lefts[0]).toBe(0);
    expect(lefts[1]).toBeGreaterThanOrEqual(lefts[0]!);
    for (const left of lefts) expect(left).toBeLessThanOrEqual(100);
    // The callee invocations get colours of their own.
    expect(new Set(rows.map((row) => /background: ([^;]+)/.exec(row.style)![1])).size).toBe(3);
    // The log of inventory.reserve is a marker on its row.
    expect(await page.locator('#trace .row:has-text("inventory.reserve") .marker.log').count()).toBe(1);
  });

  it("shows a span's attributes, events and ids when it is clicked", async () => {
    await page.locator("#trace .row", { hasText: "price-cart" }).click();
    const cells = await page.locator("#detail td").allTextContents();
    expect(cells).toContain("cart.lines");
    expect(cells[cells.indexOf("order.total") + 1]).toBe("25");
    expect(cells[cells.indexOf("trace id") + 1]).toMatch(/^[0-9a-f]{32}$/);
    expect(await page.locator("#detail h2").textContent()).toBe("price-cart");
  });

  it("marks the refused checkout's error spans and its exception", async () => {
    await page.locator("#traces button", { hasText: "checkout/bob" }).click();
    const errorRows = await page.locator("#trace .row.error .name").allTextContents();
    expect(errorRows).toEqual(expect.arrayContaining(["checkout", "inventory.reserve"]));
    await page.locator("#trace .row", { hasText: "checkout" }).first().click();
    await page.locator("#trace .row .name", { hasText: /^checkout$/ }).click();
    expect(await page.locator("#detail .events li").allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/exception RangeError: out of stock: kettle-copper/)]),
    );
  });

  it("filters by text and by outcome", async () => {
    await page.fill("#filter", "inventory.list");
    expect(await page.locator("#traces button > div:first-child").allTextContents()).toEqual([
      "fetch GET http://shop.example/products",
    ]);
    await page.fill("#filter", "");
    await page.selectOption("#outcome", "error");
    expect(await page.locator("#traces button > div:first-child").allTextContents()).toEqual([
      "fetch POST http://shop.example/checkout/bob",
    ]);
    expect(await page.locator("#count").textContent()).toBe("1 of 5 traces");
    await page.selectOption("#outcome", "");
  });

  it("is keyboard navigable: arrows move between rows and fold a subtree", async () => {
    await page.locator("#traces button", { hasText: "checkout/ada" }).click();
    await page.locator("#trace .row").first().focus();
    await page.keyboard.press("ArrowDown");
    expect(await page.locator("#trace .row:focus .name").textContent()).toBe("checkout");
    await page.keyboard.press("ArrowLeft");
    expect(await page.locator("#trace .row").count()).toBe(2);
    await page.keyboard.press("ArrowRight");
    expect(await page.locator("#trace .row").count()).toBe(17);
    await page.keyboard.press("Enter");
    expect(await page.locator("#detail h2").textContent()).toBe("checkout");
  });
});

describe.skipIf(!existsSync(CHROMIUM) && process.env["CI"] !== "true")("the live trace page in Chromium", () => {
  it(
    "shows each request's trace as it completes, newest first, within its trace limit",
    { timeout: 60000 },
    async () => {
      const ui = await startTraceUi({ maxTraces: 2, title: "live shop" });
      const runtime = await createRuntime(loadConfig(SHOP), { tail: ui.tail, onWarning: () => {} });
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      try {
        const page = await browser.newPage();
        await page.goto(ui.url);
        expect(await page.locator("#trace .empty").textContent()).toBe("No traces.");
        const names = () => page.locator("#traces button > div:first-child").allTextContents();

        await (await runtime.dispatchFetch("storefront", "http://shop.example/products")).text();
        await page.waitForSelector('#trace .row:has-text("inventory.list")');
        expect(await names()).toEqual(["fetch GET http://shop.example/products"]);
        // The first trace is selected as it arrives, its callee nested.
        expect(await page.locator('#trace .row[aria-level="5"] .name').first().textContent()).toBe(
          "jsrpc listProducts",
        );

        const add = await runtime.dispatchFetch("storefront", "http://shop.example/cart/ada/items", {
          method: "POST",
          body: JSON.stringify({ sku: "tea-sencha", qty: 1 }),
        });
        await add.text();
        await expect.poll(() => page.locator("#traces li").count(), { timeout: 20000 }).toBe(2);
        expect(await names()).toEqual([
          "fetch POST http://shop.example/cart/ada/items",
          "fetch GET http://shop.example/products",
        ]);

        await (await runtime.dispatchFetch("storefront", "http://shop.example/products")).text();
        await expect
          .poll(() => page.locator("#count").textContent(), { timeout: 20000 })
          .toBe("2 of 2 traces (1 older ones dropped)");
        // A page opened now gets the kept traces with the page itself.
        const fresh = await browser.newPage();
        await fresh.goto(ui.url);
        expect(await fresh.locator("#traces li").count()).toBe(2);
        expect(ui.events().length).toBeGreaterThan(0);
      } finally {
        await browser.close();
        await runtime.close();
        await ui.close();
      }
    },
  );
});

describe(startTraceUi.name, () => {
  it("refuses a bad port or trace limit, and answers 404 and 405 off its two routes", async () => {
    await expect(startTraceUi({ port: 70000 })).rejects.toThrow(
      "workers-shim: startTraceUi() expects a port from 0 to 65535, received number 70000.",
    );
    await expect(startTraceUi({ maxTraces: 0 })).rejects.toThrow(
      "workers-shim: startTraceUi() expects maxTraces to be a positive whole number, received number 0.",
    );
    const ui = await startTraceUi();
    try {
      expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect((await fetch(new URL("nope", ui.url))).status).toBe(404);
      expect((await fetch(ui.url, { method: "POST" })).status).toBe(405);
      const page = await fetch(ui.url);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await page.text()).toContain('"live":true');
    } finally {
      await ui.close();
    }
  });
});

describe(renderTraceReport.name, () => {
  it("keeps the data from closing its script element", () => {
    const html = renderTraceReport([]);
    expect(html).toContain('<script type="application/json" id="data">{"live":false,"dropped":0,"traces":[]}</script>');
    const hostile = renderTraceReport([], { title: "</script><script>alert(1)</script>" });
    expect(hostile).not.toContain("<script>alert(1)");
    expect(() => renderTraceReport("x" as never)).toThrow(
      'workers-shim: renderTraceReport() expects an array of tail events, received string "x".',
    );
  });
});
