// Promise rejections nobody handles, in test() and in a fetch handler reached through a self
// binding: one never handled, one handled only after a timer turn. An error thrown from a
// timer, for contrast.
// Expect, from workerd (also at old compatibility dates): unhandled rejections give no
// `exception` event and change no outcome; the error thrown from a timer gives an `exception`
// event on the onset span of the invocation whose code set the timer, outcome still "ok".
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async test(controller, env) {
    Promise.reject(new Error('never handled in test'));
    await sleep(10);
    const late = Promise.reject(new Error('handled late'));
    await sleep(10);
    late.catch(() => {});
    const response = await env.self.fetch('http://example.com/reject');
    console.log('fetch', response.status);
    const timer = await env.self.fetch('http://example.com/timer');
    console.log('timer', timer.status);
  },

  async fetch(request) {
    if (new URL(request.url).pathname === '/timer') {
      setTimeout(() => {
        throw new TypeError('thrown from a timer');
      }, 0);
      await sleep(10);
      return new Response('timer');
    }
    Promise.reject(new TypeError('never handled in fetch'));
    await sleep(10);
    return new Response('ok');
  },
};
