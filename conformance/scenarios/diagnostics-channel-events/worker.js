// `node:diagnostics_channel` publishes as tail events (nodejs_compat).
// test() publishes on a channel nobody subscribed to, subscribes, publishes values of many
// kinds (inside a user span, after an await inside another span), values that cannot be
// structured-cloned, strings just under and just over the event size limit, with a throwing
// subscriber, after unsubscribing, and through a TracingChannel; it also logs the module's
// shape (namespace and default keys, `Channel` identity, `new Channel()`).
// Expect one `diagnosticChannel` event per publish, subscribers or not, emitted right after
// the subscribers ran, attributed to the current span (the onset span outside user spans):
// `message` is a structured clone (Date kept, Map emptied by JSON, class instance → plain
// object, undefined → no `message`); a function / symbol / WeakMap gives the message
// "[[ Diagnostic event was not serializable ]]" and publish() does not throw; publish()
// without an argument throws a TypeError and emits nothing; an event whose serialised
// message plus channel name plus 56 bytes exceeds 262144 bytes is dropped silently
// ('size-ok' carries 262075 characters, 'size-no' 262076 and is missing); a throwing
// subscriber makes publish() throw before the event; tracingChannel publishes
// `tracing:<name>:start/end/asyncStart/asyncEnd` with the context object.
import dc from 'node:diagnostics_channel';
import * as ns from 'node:diagnostics_channel';

class Point {
  constructor() {
    this.x = 1;
    this.y = 2;
  }
}

function attempt(label, fn) {
  try {
    fn();
    console.log(label, 'published');
  } catch (e) {
    console.log(label, 'threw', String(e));
  }
}

export default {
  async test(ctrl, env, ctx) {
    console.log('namespace', Object.keys(ns).sort(), 'default', Object.keys(dc).sort());
    console.log('same default', ns.default === dc, ns.channel === dc.channel);

    dc.channel('nobody').publish(1);

    const ch = dc.channel('watched');
    console.log('before subscribe', ch.hasSubscribers, dc.hasSubscribers('watched'));
    const subscriber = (message, name) => console.log('subscriber', name, typeof message);
    dc.subscribe('watched', subscriber);
    console.log('after subscribe', ch.hasSubscribers, dc.hasSubscribers('watched'), ch.name);

    ctx.tracing.enterSpan('publish-span', () =>
      ch.publish({
        n: 1,
        s: 'text',
        date: new Date(0),
        big: 5n,
        list: [1, undefined, 'x'],
        nested: { map: new Map([[1, 2]]), set: new Set([3]) },
        point: new Point(),
        bytes: new Uint8Array([1, 2, 3]),
        nan: NaN,
      }),
    );
    attempt('undefined', () => ch.publish(undefined));
    attempt('null', () => ch.publish(null));
    attempt('no argument', () => ch.publish());
    attempt('function', () => ch.publish(() => 1));
    attempt('symbol', () => ch.publish(Symbol('s')));
    attempt('weakmap', () => ch.publish({ inner: new WeakMap() }));

    dc.channel('size-ok').publish('x'.repeat(262075));
    dc.channel('size-no').publish('x'.repeat(262076));
    console.log('after sizes');

    const thrower = () => {
      throw new Error('subscriber failed');
    };
    ch.subscribe(thrower);
    attempt('throwing subscriber', () => ch.publish('with thrower'));
    ch.unsubscribe(thrower);

    console.log('unsubscribe', dc.unsubscribe('watched', subscriber), dc.unsubscribe('watched', subscriber));
    console.log('after unsubscribe', ch.hasSubscribers);
    ch.publish('unsubscribed');

    const tc = dc.tracingChannel('op');
    console.log('traceSync', tc.traceSync(() => 42, { q: 1 }));
    console.log('tracePromise', await tc.tracePromise(async () => 7, { q: 2 }));

    console.log('Channel', typeof dc.Channel, ch instanceof dc.Channel, dc.channel('watched') === ch);
    attempt('new Channel', () => new dc.Channel('constructed'));

    await ctx.tracing.enterSpan('later-span', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      ch.publish('after await');
    });
  },
};
