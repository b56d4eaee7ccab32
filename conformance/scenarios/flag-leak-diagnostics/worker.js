// workers-shim's own flag workers_tracing_leak_diagnostics (not recorded from workerd, which does
// not know the flag: the golden is the expected stream, written by hand). The same module runs in
// two services: "before" without the flag, as workerd behaves, and "after" with it. Each test()
// asks its Durable Object (one per service) for /open, then leaves spans open itself.
//   Durable Object /open: a startSpan 'object-never-ended' (attribute k=1) and an enterSpan
//     'object-abandoned' whose promise never settles are left open; 'object-closed' ends.
//   test(): a startSpan 'never-ended' (attribute a=1) and an enterSpan 'abandoned' are left
//     open; 'closed' ends.
// Expect without the flag (workerd): the object's invocation shows only the spanOpens of its two
// leftover spans; the stateless test() closes its two at teardown, newest first, before the
// outcome. With the flag: the object's leftover spans get an `attributes` event
// workers_tracing.unended = "left_open" (newest first) and stay open; the test()'s leftover
// spans close with workers_tracing.unended = "closed_by_teardown" appended to their attributes;
// both outcomes carry `unendedSpans: 2`.
import { DurableObject, tracing } from "cloudflare:workers";

export class Keeper extends DurableObject {
  async fetch() {
    tracing.startSpan("object-never-ended").setAttribute("k", 1);
    void tracing.enterSpan("object-abandoned", () => new Promise(() => {}));
    tracing.enterSpan("object-closed", () => {});
    return new Response("opened");
  }
}

export default {
  async test(controller, env) {
    const stub = env.keepers.get(env.keepers.idFromName("keeper"));
    console.log(await (await stub.fetch("http://keeper/open")).text());
    tracing.startSpan("never-ended").setAttribute("a", 1);
    void tracing.enterSpan("abandoned", () => new Promise(() => {}));
    tracing.enterSpan("closed", () => {});
  },
};
