// workers-shim's own flag workers_tracing_own_invocation_logs (not recorded from workerd, which
// does not know the flag: the golden is the expected stream, written by hand). The alarm case of
// spec §3.7, in two services: "before" without the flag, as workerd behaves, and "after" with it.
// test() fetches /alarm from a Durable Object; its fetch() sets an alarm 50 ms ahead and waits
// until alarm() releases it, then logs from its own async chain ('W2-log', and 'log-inside-W2'
// inside a span 'W2-span') while alarm() is still live (it stays 30 ms after releasing).
// Expect without the flag (workerd): both of fetch's late logs are delivered in the alarm
// invocation — 'W2-log' on the alarm's onset span, 'log-inside-W2' on 'W2-span', a span of the
// fetch invocation (mixed identity); the span itself is in fetch's stream. With the flag both logs
// are in fetch's stream, on fetch's onset span and on 'W2-span'; the alarm keeps only its own.
import { DurableObject, tracing } from "cloudflare:workers";

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Clock extends DurableObject {
  async fetch() {
    await this.ctx.storage.setAlarm(Date.now() + 50);
    await new Promise((resolve) => (this.release = resolve));
    console.log("W2-log");
    tracing.enterSpan("W2-span", () => console.log("log-inside-W2"));
    return new Response("OK");
  }

  async alarm() {
    console.log("A1-log");
    this.release();
    await wait(30);
    console.log("alarm-end-log");
  }
}

export default {
  async test(controller, env) {
    const stub = env.clocks.get(env.clocks.idFromName("clock"));
    console.log(await (await stub.fetch("http://do/alarm")).text());
    await wait(60);
  },
};
