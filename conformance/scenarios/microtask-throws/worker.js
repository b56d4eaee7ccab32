// Values thrown from queueMicrotask() callbacks inside a fetch handler reached through a self
// binding: Errors (built without stack frames, so that their stacks are runtime independent),
// an Error without a stack, a string, a number, an object, a deeply nested array, a string past
// the per-event limit, and one queued from a promise reaction.
// Expect, from workerd: each gives an `exception` event on the onset span of the fetch, with name
// "Error" and as message the Error's stack (its message when it has none) or the value's string
// form, cut to the first 262144 - 5 bytes; the fetch still returns and its outcome is "ok".
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function frameless(make) {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function deepArray(depth) {
  let value = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const VALUES = [
  () => frameless(() => new TypeError('thrown from a microtask')),
  () => frameless(() => new RangeError('two\nlines')),
  () => {
    const error = new Error('no stack');
    delete error.stack;
    return error;
  },
  () => 'a string',
  () => 42,
  () => undefined,
  () => ({ a: 1 }),
  () => deepArray(1000),
  () => 'x'.repeat(300000),
  () => 'é'.repeat(300000),
];

export default {
  async test(controller, env) {
    const response = await env.self.fetch('http://example.com/microtasks');
    console.log('fetch', response.status, await response.text());
  },

  async fetch() {
    for (const make of VALUES) {
      const value = make();
      queueMicrotask(() => {
        throw value;
      });
      await sleep(1);
    }
    await Promise.resolve().then(() =>
      queueMicrotask(() => {
        throw 'from a reaction';
      }),
    );
    await sleep(1);
    return new Response('survived');
  },
};
