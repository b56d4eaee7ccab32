// Renews docs/trace-report.png, the README's picture of the trace report: the shop's requests as
// the browser test makes them, the report opened from a file in Debian's Chromium, the refused
// checkout and its inventory.reserve span selected.
// usage (after a build): node --experimental-vm-modules scripts/screenshot-trace-report.mjs
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { createTestRuntime, renderTraceReport } from "../dist/index.js";

const SHOP = fileURLToPath(new URL("../../../examples/shop/config.json", import.meta.url));
const OUT = fileURLToPath(new URL("../docs/trace-report.png", import.meta.url));

const shop = await createTestRuntime(SHOP);
const post = (path, body) =>
  shop.fetch(`http://shop.example${path}`, { method: "POST", ...(body ? { body: JSON.stringify(body) } : {}) });
const traces = [(await shop.fetch("http://shop.example/products")).trace];
traces.push((await post("/cart/ada/items", { sku: "tea-sencha", qty: 2 })).trace);
traces.push((await post("/checkout/ada")).trace);
traces.push((await post("/cart/bob/items", { sku: "kettle-copper", qty: 3 })).trace);
traces.push((await post("/checkout/bob")).trace);
await shop.close();

const dir = mkdtempSync(join(tmpdir(), "trace-report-"));
const file = join(dir, "report.html");
writeFileSync(
  file,
  renderTraceReport(
    traces.flatMap((trace) => trace.events),
    { title: "shop traces" },
  ),
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(pathToFileURL(file).href);
  await page.locator("#traces button", { hasText: "checkout/bob" }).click();
  await page.locator("#trace .row .name", { hasText: /^inventory\.reserve$/ }).click();
  await page.screenshot({ path: OUT });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
