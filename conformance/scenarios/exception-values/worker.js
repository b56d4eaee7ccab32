// What an `exception` event says for thrown values of every kind, and that none of them can
// cost an invocation its `outcome`. test() calls the fetch handler once per case through a
// self binding (/throw/<case>: the handler throws the value) and once more per case with the
// value rejected into ctx.waitUntil (/wait/<case>: the handler returns 200).
// Expect, from workerd: Errors as name + message; a thrown non-Error as name "Error" with V8's
// side-effect-free string of it ("#<Object>" for a plain object, "[object Object]" for one
// without the default toString, "Symbol(sym)", "42", "undefined"); an Error whose name,
// message or stack getter throws, an Error behind a Proxy whose get trap throws and a revoked
// Proxy as "Error: Promise will never complete."; a name or message over 4096 UTF-8 bytes cut
// to 4096 at a character boundary. Every invocation ends with its outcome ("exception" for
// /throw, "ok" for /wait).
function getterThrows(key) {
  const error = new Error('hostile ' + key);
  Object.defineProperty(error, key, {
    get() {
      throw new Error(key + ' getter');
    },
  });
  return error;
}

function revoked() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

class Custom {}

const CASES = {
  error: () => new RangeError('out of range'),
  'long-name': () => {
    const error = new Error('short');
    error.name = 'ab' + 'é'.repeat(5000);
    return error;
  },
  'long-message': () => new Error('a' + '😀'.repeat(300000)),
  'stack-getter': () => getterThrows('stack'),
  'message-getter': () => getterThrows('message'),
  'name-getter': () => getterThrows('name'),
  'error-proxy': () =>
    new Proxy(new Error('in proxy'), {
      get(target, key) {
        if (key === 'message') throw new Error('get trap');
        return Reflect.get(target, key);
      },
    }),
  'revoked-proxy': revoked,
  'prototype-trap': () =>
    new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    ),
  'throwing-tostring': () => ({
    toString() {
      throw new Error('toString throws');
    },
  }),
  'null-prototype': () => Object.create(null),
  object: () => ({ a: 1 }),
  'class-instance': () => new Custom(),
  array: () => [1, 2],
  symbol: () => Symbol('sym'),
  number: () => 42,
  undefined: () => undefined,
};

export default {
  async test(controller, env) {
    for (const name of Object.keys(CASES)) {
      await env.self.fetch('http://example.com/throw/' + name).then(
        () => console.log('resolved', name),
        () => console.log('rejected', name),
      );
      const response = await env.self.fetch('http://example.com/wait/' + name);
      console.log('waitUntil', name, response.status);
    }
  },

  async fetch(request, env, ctx) {
    const [, mode, name] = new URL(request.url).pathname.split('/');
    const value = CASES[name]();
    if (mode === 'throw') throw value;
    ctx.waitUntil(Promise.reject(value));
    return new Response('ok');
  },
};
