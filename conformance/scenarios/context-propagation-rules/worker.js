// Which user span is current in continuations (spec §3.4 propagation table), as seen through
// the span that console.log calls and new spans are attributed to. Uses node:async_hooks
// (AsyncLocalStorage, AsyncResource), hence the nodejs_compat flag.
// test() runs these cases one after another (each inside or around enterSpan('case-<n>')):
//   1 then-inside:      Promise.resolve().then(cb) registered inside the span, cb runs after
//                       the span ended -> the span
//   2 resolved-inside:  a promise resolved inside the span, .then registered outside -> the
//                       outer (onset) span: registration time wins
//   3 registered-inside: a promise resolved outside, .then registered inside -> the span
//   4 function-created-inside: a function created inside the span, called outside -> the
//                       caller's span (dynamic, not lexical)
//   5 snapshot:         AsyncLocalStorage.snapshot() taken inside, run outside -> the span
//   6 bind:             AsyncResource.bind(fn) inside, called outside -> the span
//   7 als-run:          als.run() around and inside enterSpan neither hides nor changes the
//                       current span; the ALS value is still visible inside the span
//   8 interval:         setInterval registered inside the span, ticks after it ended -> the
//                       span (two ticks, 5 ms apart, then cleared)
// Expect: each log names its case; its span label shows which span was current; spans
// opened in continuations are children of that same span.
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async test(ctrl, env, ctx) {
    const tracing = ctx.tracing;

    tracing.enterSpan('case-1', () => {
      Promise.resolve().then(() => {
        console.log('1 then-inside');
        tracing.enterSpan('child-1', () => {});
      });
    });
    await sleep(5);

    let resolveInside;
    const resolvedInside = new Promise((resolve) => (resolveInside = resolve));
    tracing.enterSpan('case-2', () => resolveInside('value-2'));
    await resolvedInside.then((v) => console.log('2 resolved-inside', v));

    let resolveOutside;
    const resolvedOutside = new Promise((resolve) => (resolveOutside = resolve));
    const registered = tracing.enterSpan('case-3', () => resolvedOutside.then((v) => console.log('3 registered-inside', v)));
    resolveOutside('value-3');
    await registered;

    const created = tracing.enterSpan('case-4', () => () => console.log('4 function-created-inside'));
    created();
    await tracing.enterSpan('case-4-caller', async () => created());

    const snapshot = tracing.enterSpan('case-5', () => AsyncLocalStorage.snapshot());
    snapshot(() => {
      console.log('5 snapshot');
      tracing.enterSpan('child-5', () => {});
    });

    const bound = tracing.enterSpan('case-6', () => AsyncResource.bind(() => console.log('6 bind')));
    bound();

    const als = new AsyncLocalStorage();
    await als.run('outer-store', () =>
      tracing.enterSpan('case-7', async () => {
        console.log('7 als-run around', als.getStore());
        await als.run('inner-store', async () => {
          await sleep(1);
          console.log('7 als-run inside', als.getStore());
          tracing.enterSpan('child-7', () => {});
        });
      })
    );

    await new Promise((done) => {
      tracing.enterSpan('case-8', () => {
        let ticks = 0;
        const timer = setInterval(() => {
          ticks += 1;
          console.log('8 interval tick', ticks);
          if (ticks === 2) {
            clearInterval(timer);
            done();
          }
        }, 5);
      });
    });
    console.log('done');
  },
};
