// A service that is its own streaming tail ("tail-self" lists itself and "tail" in
// streamingTails; the shared checks refuse a tail with tails, this suite's runner accepts a
// service naming itself). Its test() logs, runs a user span of 10 ms, waits 50 ms and logs the
// event types its own tailStream() has seen so far; tailStream() logs the onset type, opens a
// user span, and logs each event type it receives.
// Expect (workerd): the tail session of "tail-self" gets the test() invocation's events only,
// never its own tail invocations' events; that session invocation (onset info type "trace",
// no traces) is reported to the other tail ("tail") with its logs and span, a `return` and an
// outcome "ok" after the test() invocation's outcome was delivered.
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seen = [];

export default {
  tailStream(onset, env, ctx) {
    console.log('self tail onset', onset.event.info.type);
    ctx.tracing.enterSpan('self-tail-span', () => {});
    return (event) => {
      seen.push(event.event.type);
      console.log('self tail event', event.event.type);
    };
  },

  async test(ctrl, env, ctx) {
    console.log('hello from test');
    await ctx.tracing.enterSpan('work', () => wait(10));
    await wait(50);
    console.log('seen so far', seen);
  },
};
