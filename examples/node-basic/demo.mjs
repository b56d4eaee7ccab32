// A traced "handle order" request, run on plain Node and printed as an event tree.
// Run from the repo root after a build: node examples/node-basic/demo.mjs
import { styleText } from "node:util";
import { formatEventTree, reportLog, runningInvocation, traceInvocation } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import { startActiveSpan, withSpan } from "@workers-tracing/tracing-helpers";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// What a Workers runtime does with console.*: report a log event for the current span.
const log = {
  info: (...args) => reportLog("info", args),
  log: (...args) => reportLog("log", args),
  warn: (...args) => reportLog("warn", args),
};

const CART = [
  { sku: "tea-001", qty: 2, price: 12.5 },
  { sku: "mug-014", qty: 1, price: 18 },
  { sku: "pot-003", qty: 1, price: 24.97 },
];

/** A second worker, called through a traced RPC: its spans continue the caller's trace. */
function callPayments(parent, amount) {
  return traceInvocation(
    { tail: events, kind: "jsrpc", info: { type: "jsrpc" }, entrypoint: "Payments", parent },
    async () => {
      // As a runtime reports the called method (runningInvocation() is of the runtime tier).
      runningInvocation().reportAttributes([{ name: "jsrpc.method", value: "charge" }]);
      return tracing.enterSpan("authorize-card", async (span) => {
        span.setAttributes({ "payment.amount": amount, "payment.currency": "EUR" });
        await sleep(10);
        return { approved: true };
      });
    },
  );
}

async function handleOrder(orderId) {
  // Started now, ended at the very end: not made current, so later spans are its siblings.
  const audit = tracing.startSpan("audit-trail");
  audit.setAttribute("order.id", orderId);
  log.info("handling order", { orderId });

  const cart = await tracing.enterSpan("load-cart", async (span) => {
    span.setAttribute("cart.id", `c-${orderId}`);
    await sleep(5);
    const rows = await tracing.enterSpan("db.query", async (query) => {
      query.setAttributes({ "db.statement": "SELECT * FROM cart_items WHERE cart = ?", "db.rows": CART.length });
      await new Promise((resolve) => setTimeout(resolve, 8));
      return CART;
    });
    span.setAttribute("cart.items", rows.length);
    return rows;
  });

  // Three sibling spans running in parallel.
  const [, total] = await Promise.all([
    tracing.enterSpan("check-stock", async (span) => {
      await sleep(4);
      span.recordException(new Error("inventory service timed out"));
      log.warn("retrying stock check");
      await sleep(6);
      span.setAttribute("stock.ok", true);
    }),
    tracing.enterSpan("price-cart", async (span) => {
      await sleep(3);
      const sum = cart.reduce((acc, item) => acc + item.qty * item.price, 0);
      span.setAttribute("price.total", sum);
      return sum;
    }),
    tracing.enterSpan("fraud-score", async (span) => {
      await sleep(7);
      span.setAttributes({ "fraud.score": 0.12, "fraud.model": "v3" });
    }),
  ]);

  await tracing.enterSpan("charge", async (span) => {
    const result = await callPayments(span.spanContext(), total);
    span.setAttribute("charge.approved", result.approved);
  });

  // A span over a streamed iteration: open until the last receipt line was produced.
  const lines = withSpan("render-receipt", async function* (span) {
    for (const item of CART) {
      await sleep(2);
      yield tracing.enterSpan("format-line", (line) => {
        line.setAttribute("sku", item.sku);
        return `${item.sku} x${item.qty}`;
      });
    }
    span.setAttribute("receipt.lines", CART.length);
  });
  const receipt = [];
  for await (const line of lines) receipt.push(line);
  log.log("receipt ready:", receipt);

  // Ended later, from a timer: startActiveSpan never ends the span for you.
  await new Promise((resolve) =>
    startActiveSpan("send-confirmation", (span) => {
      span.setAttribute("email.to", "ada@example.com");
      setTimeout(() => {
        log.info("confirmation queued");
        span.end();
        resolve();
      }, 5);
    }),
  );

  audit.end();
  return { status: 201, body: receipt.join("\n") };
}

const events = [];
await traceInvocation(
  {
    tail: events,
    kind: "fetch",
    info: {
      type: "fetch",
      method: "POST",
      url: "https://shop.example/orders/42",
      headers: [{ name: "content-type", value: "application/json" }],
    },
    entrypoint: "OrderWorker",
    returnInfo: (response) => ({ type: "fetch", statusCode: response.status }),
  },
  () => handleOrder("42"),
);

// On a terminal, mark up a few parts of the tree (any role of EventTreeStyle can be styled).
const style = process.stdout.isTTY
  ? {
      name: (text) => styleText("bold", text),
      failure: (text) => styleText("red", text),
      detail: (text) => styleText("dim", text),
    }
  : {};
console.log(formatEventTree(events, { style }));
