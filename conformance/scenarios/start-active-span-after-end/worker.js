// startActiveSpan with a span ended early, and async work that continues after end().
// test():
//   1. startActiveSpan('manual', async cb): sets 'before', calls span.end(), sets 'after'
//      (ignored), logs, awaits 5 ms, logs, opens enterSpan 'child-after-end' and startSpan
//      'start-span-after-end' (ended at once), queues a microtask that logs and a 5 ms timer
//      that opens 'timer-child' and logs, then waits 20 ms and returns 'value';
//   2. logs the result (outside any span);
//   3. startActiveSpan('identity', ...) returning an existing promise: logs whether the
//      same promise object came back;
//   4. startActiveSpan('never-ended', async cb) that never calls end(): after 5 ms it opens
//      'under-never-ended'; test() waits 20 ms and logs 'end of test'.
// Expect: 'manual' gets one attributes event (before=1 only) and its spanClose right at
// end(), before anything that follows (isTraced is false from then on); the logs made
// afterwards in the callback (same tick, after await, microtask, timer) still carry the
// ended 'manual' span; 'child-after-end',
// 'start-span-after-end' and 'timer-child' are opened after their parent closed and are
// parented to 'manual'. The callback's return value comes back unchanged, a returned promise
// is the same object. 'never-ended' stays open during the test and is closed at the end of
// this stateless invocation, right before `outcome` (its child 'under-never-ended' closed
// normally earlier).
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async test(ctrl, env, ctx) {
    const tracing = ctx.tracing;
    const result = await tracing.startActiveSpan('manual', async (span) => {
      span.setAttribute('before', 1);
      span.end();
      span.setAttribute('after', 2);
      console.log('after end, same tick', span.isTraced);
      await sleep(5);
      console.log('after end, after await');
      tracing.enterSpan('child-after-end', () => {});
      tracing.startSpan('start-span-after-end').end();
      queueMicrotask(() => console.log('microtask after end'));
      setTimeout(() => tracing.enterSpan('timer-child', () => console.log('timer after end')), 5);
      await sleep(20);
      return 'value';
    });
    console.log('result', result);

    const existing = Promise.resolve('existing');
    const returned = tracing.startActiveSpan('identity', (span) => {
      span.end();
      return existing;
    });
    console.log('same promise', returned === existing, await returned);

    void tracing.startActiveSpan('never-ended', async (span) => {
      span.setAttribute('open', true);
      await sleep(5);
      tracing.enterSpan('under-never-ended', () => {});
    });
    await sleep(20);
    console.log('end of test');
  },
};
