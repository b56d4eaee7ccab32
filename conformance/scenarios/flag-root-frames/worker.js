// workers-shim's own flag workers_tracing_root_frames (not recorded from workerd, which does not
// know the flag: the golden is the expected stream, written by hand). The same module runs in two
// services: "before" without the flag, as workerd behaves, and "after" with it. test() calls
// visit('A') and visit('B') on one Durable Object together (JS RPC, before the object started;
// A waits 30 ms inside its span, B 15 ms).
// Expect without the flag (workerd, spec §3.3/§3.7): an RPC method has no root frame, so both
// methods' callee `jsRpcCall` spans and user spans go to the newest invocation (B's); A's
// invocation shows only onset, jsrpc.method, return and outcome. With the flag each method runs
// in its own invocation's root frame: A's jsRpcCall and visit-A spans are in A's stream, B's in
// B's. Logs still go to the newest live invocation, with the span ids of their own spans (that
// is workers_tracing_own_invocation_logs' business).
import { DurableObject, tracing } from "cloudflare:workers";

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Room extends DurableObject {
  async visit(label) {
    return tracing.enterSpan(`visit-${label}`, async () => {
      console.log(label, "in span");
      await wait(label === "A" ? 30 : 15);
      return label;
    });
  }
}

export default {
  async test(controller, env) {
    const stub = env.rooms.get(env.rooms.idFromName("room"));
    console.log("rpc", await Promise.all([stub.visit("A"), stub.visit("B")]));
  },
};
