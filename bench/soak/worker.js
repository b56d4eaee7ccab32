// The Durable Object of the memory soak (bench/soak.mjs). Every request leaves work behind: an
// enterSpan whose promise never settles, and a startSpan span it forgets to end. On an actor
// neither is closed when the request ends (spec §3.8); nothing may keep them alive either.
import { DurableObject, env, tracing } from "cloudflare:workers";

export class Soak extends DurableObject {
  fetch() {
    void tracing.enterSpan("abandoned", (span) => {
      span.setAttribute("n", 1);
      return new Promise(() => {});
    });
    tracing.startSpan("forgotten").setAttribute("k", "v");
    console.log("served");
    return new Response("ok");
  }
}

// The soak's requests reach the one object through the default export (the soak runs outside
// the worker's global scope, so it cannot hold the stub itself).
const stub = env.SOAK.get(env.SOAK.idFromName("soak"));

export default {
  fetch(request) {
    return stub.fetch(request);
  },
};
