// Span links (workerd 2026-11-23): `span.addLink({context, attributes})` and
// `span.addLinks([...])`. Each case runs in its own span (named after it), so its events (or
// their absence) are easy to find; a caught error is logged as `threw <name>: <message>`.
// Expect (workerd 2026-11-23):
//  * a usable link is reported at once as one `spanLinks` event {links: [{context: {traceId,
//    spanId, traceFlags}, attributes: [{name, value}], droppedAttributesCount}]} on the span;
//    addLink/addLinks return the span;
//  * ids are lowercased; traceFlags 0..255 kept; attribute values: strings, numbers (also NaN,
//    -0, Infinity) and booleans kept in Object.keys() order; undefined skipped; null, objects,
//    arrays, functions, BigInt, Symbol dropped and counted in droppedAttributesCount (a given
//    droppedAttributesCount is ignored); non-object attributes give none;
//  * silently ignored (no event, no error): a non-object link, a missing or non-object context,
//    ids that are not 32/16 hex digits (numbers, too short, non-hex) or all zeros, traceFlags
//    missing, non-integer, negative, over 255 or not a number;
//  * a missing argument throws TypeError "Failed to execute 'addLink' on 'Span': parameter 1 is
//    not of type 'Value'." (also addLinks), `undefined` does not;
//  * addLinks: one event per usable item (others skipped); a non-array (Set, generator,
//    array-like, string, a Proxy of an array) is ignored; an array of more than 512 items is
//    ignored as a whole;
//  * budget: links share the span's 64 KiB with attributes; a link costs 72 bytes + per
//    attribute 48 + key + value bytes (numbers/booleans 8); one that does not fit is not
//    reported and not charged: the span gets the warning attributes "exceeded span data limit
//    while trying to record link "" of size <n>" (the last such message wins) at close, and
//    later smaller links and attributes still fit;
//  * an ended span ignores links; a no-op span (module scope) returns itself; the invocation
//    span (getActiveSpan() in test) and an RPC method's jsRpcCall span report links at once,
//    and drop an oversized link without a warning.
import { WorkerEntrypoint, tracing } from 'cloudflare:workers';

const T = '0af7651916cd43dd8448eb211c80319c';
const S = 'b7ad6b7169203331';
const ctx = (traceFlags = 1, traceId = T, spanId = S) => ({ traceId, spanId, traceFlags });
const link = (attributes, context = ctx()) => ({ context, attributes });
const X = 'x'.repeat(70000);
const moduleSpan = tracing.startSpan('module-scope');

function inSpan(name, fn) {
  tracing.enterSpan(name, (span) => {
    try {
      const result = fn(span);
      if (result !== undefined && result !== span) console.log('returned', typeof result);
    } catch (error) {
      console.log(`threw ${error.name}: ${error.message}`);
    }
  });
}

export class Api extends WorkerEntrypoint {
  linkFromMethod() {
    const active = tracing.getActiveSpan();
    active.addLink(link({ from: 'method' }));
    active.addLink(link({ huge: X }));
    active.addLink(link({ after: 'huge' }));
    return 'linked';
  }
}

export default {
  async test(ctrl, env) {
    inSpan('basic', (span) => {
      const returned = span.addLink(link({ s: 'x', i: 1, f: 0.5, b: false, u: undefined, nan: NaN, neg0: -0, inf: -Infinity }));
      console.log('addLink returns the span', returned === span);
      return span.addLinks([link({ second: true })]);
    });
    inSpan('dropped-values', (span) =>
      span.addLink({ ...link({ n: null, o: { a: 1 }, a: [1], d: new Date(0), fn() {}, big: 1n, sym: Symbol('s'), ok: 'kept' }), droppedAttributesCount: 99 }),
    );
    inSpan('attribute-shapes', (span) => {
      span.addLink(link('not an object'));
      span.addLink(link(['zero', 'one']));
      span.addLink(link({ b: 1, a: 2, 10: 'ten', 2: 'two', [Symbol('k')]: 3 }));
      return span.addLink(link(Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true }, hidden: { value: 3 } })));
    });
    inSpan('ids-and-flags', (span) => {
      span.addLink(link(undefined, ctx(0)));
      span.addLink(link(undefined, ctx(255)));
      span.addLink(link({ upper: true }, ctx(1, T.toUpperCase(), S.toUpperCase())));
      span.addLink(link({ self: true }, span.spanContext()));
      return span;
    });
    inSpan('ignored-links', (span) => {
      const ignored = [
        null, undefined, 'x', 5, [], {}, { context: null }, { context: 'x' },
        link(1, { spanId: S, traceFlags: 1 }), link(2, { traceId: T, traceFlags: 1 }),
        link(3, ctx(1, 'abc')), link(4, ctx(1, T, 'abc')), link(5, ctx(1, 'g'.repeat(32))),
        link(6, ctx(1, '0'.repeat(32))), link(7, ctx(1, T, '0'.repeat(16))), link(8, ctx(1, 12, 34)),
        link(9, ctx(1, T + 'aa')), link(10, { traceId: T, spanId: S }), link(11, ctx(256)), link(12, ctx(-1)),
        link(13, ctx(1.5)), link(14, ctx('1')), link(15, ctx(NaN)), link(16, ctx(true)), link(17, ctx(null)),
      ];
      for (const item of ignored) span.addLink(item);
      console.log('ignored', ignored.length);
    });
    inSpan('missing-argument-addLink', (span) => span.addLink());
    inSpan('missing-argument-addLinks', (span) => span.addLinks());
    inSpan('addLinks-items', (span) => span.addLinks([link({ n: 1 }), { context: ctx(1, 'bad') }, undefined, null, , link({ n: 2 })]));
    inSpan('addLinks-not-arrays', (span) => {
      span.addLinks(new Set([link({ from: 'set' })]));
      span.addLinks((function* () { yield link({ from: 'generator' }); })());
      span.addLinks({ 0: link({ from: 'array-like' }), length: 1 });
      span.addLinks(new Proxy([link({ from: 'proxy' })], {}));
      span.addLinks('ab');
      span.addLinks(null);
      span.addLinks(undefined);
      return span.addLinks(link({ from: 'single' }));
    });
    inSpan('addLinks-513', (span) => span.addLinks(Array.from({ length: 513 }, (_, i) => link({ i }))));
    inSpan('budget-link-too-big', (span) => {
      span.addLink(link({ huge: X }));
      span.addLink(link({ huge2: X + 'x' }));
      span.addLink(link({ small: 1 }));
      return span.setAttribute('after', 1);
    });
    inSpan('budget-shared-attribute-first', (span) => {
      span.setAttribute('big', 'q'.repeat(65000));
      span.addLink(link({ a: 'w'.repeat(600) }));
      return span.setAttribute('fits', 1);
    });
    inSpan('budget-shared-link-first', (span) => {
      span.addLink(link({ a: 'w'.repeat(65000) }));
      span.setAttribute('big', 'q'.repeat(600));
      span.setAttribute('ignored', 1);
      return span.addLink(link({ tiny: 1 }));
    });
    inSpan('ended-span', (span) => {
      span.end();
      return span.addLinks([link({ late: 1 })]).addLink(link({ late: 2 }));
    });
    inSpan('module-scope-span', () => {
      console.log('no-op returns itself', moduleSpan.addLink(link({ m: 1 })) === moduleSpan, moduleSpan.isTraced);
    });
    const root = tracing.getActiveSpan();
    root.addLink(link({ on: 'invocation' }));
    root.addLink(link({ huge: X }));
    root.addLink(link({ on: 'invocation again' }));
    console.log(await env.api.linkFromMethod());
  },
};
