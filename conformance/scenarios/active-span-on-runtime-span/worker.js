// tracing.getActiveSpan() while a runtime span is current: in a JS-RPC method the callee's
// `jsRpcCall` span is the active span (workerd 2026-11-17). test() calls the method
// `tag(label)` of this worker's own WorkerEntrypoint "Api" through a service binding; the
// method calls setAttributes() with mixed value types (string, integer, float, boolean,
// undefined) and setAttribute() on the span getActiveSpan() returns, opens a user span, and
// reads isTraced.
// Expect (workerd): the returned span is traced; every attribute set on it is reported at
// once, one `attributes` event per attribute (undefined skipped), attributed to the jsRpcCall
// span, before the user span opens; the runtime's own jsrpc.* attributes still come as one
// event when the span closes. (A user span created by the method is a child of jsRpcCall.)
import { WorkerEntrypoint, tracing } from 'cloudflare:workers';

export class Api extends WorkerEntrypoint {
  tag(label) {
    const active = tracing.getActiveSpan();
    active.setAttributes({ label, count: 3, ratio: 0.5, dryRun: false, skipped: undefined });
    active.setAttribute('single', 'one');
    console.log('active span traced', active.isTraced);
    tracing.enterSpan('inside-method', (span) => span.setAttribute('nested', true));
    return `tagged ${label}`;
  }
}

export default {
  async test(ctrl, env) {
    console.log(await env.api.tag('cache'));
  },
};
