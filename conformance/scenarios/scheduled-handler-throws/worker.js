// A scheduled() handler that throws, driven through a service binding's .scheduled()
// (service_binding_extra_handlers), with an explicit scheduledTime.
//   first call:  throws inside enterSpan('in-scheduled') after logging
//   second call: rejects after an await, outside any user span
//   third call:  succeeds (control)
// Expect: the caller's runtime `scheduled` spans close "ok"; each failing scheduled
// invocation has the span (closed "ok"), an `exception` event on the onset span, no `return`
// event and `outcome: "exception"`; the successful one has `return` and outcome "ok".
// test() logs the ScheduledResult objects ({outcome: "exception" | "ok", noRetry: false}).
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async scheduled(controller, env, ctx) {
    if (controller.cron === 'sync') {
      ctx.tracing.enterSpan('in-scheduled', (span) => {
        span.setAttribute('cron', controller.cron);
        console.log('scheduled about to throw');
        throw new Error('scheduled failed');
      });
    }
    if (controller.cron === 'async') {
      await sleep(5);
      throw new TypeError('scheduled rejected');
    }
    console.log('scheduled ok', controller.cron);
  },
  async test(ctrl, env, ctx) {
    for (const cron of ['sync', 'async', 'fine']) {
      const result = await env.self.scheduled({ cron, scheduledTime: new Date(120000) });
      console.log(cron, JSON.stringify(result));
    }
  },
};
