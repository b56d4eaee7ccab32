// Logs whose serialised message is larger than 256 KiB (262144 bytes), and what follows.
// test() logs, in order:
//   1. 'x' x 262140: the serialised message `["x…x"]` is exactly 262144 bytes
//   2. 'y' x 262141: one byte over the limit
//   3. a small log inside enterSpan('between')
//   4. 'a' + 'é' x 140000: over the limit, the cut falls inside a 2-byte UTF-8 character
//   5. an object with a 300000-character string, plus a second argument
//   6. a small log and a final span with an attribute
// Expect: (1) is delivered whole: `message` is the array, no `truncated`. (2), (4), (5)
// arrive with `truncated: true` and `message` as the raw STRING of the first 262144 bytes
// of the serialised JSON (the normaliser shows it as {"$long": {length, sha256, head}}; in
// (4) the cut-off half character decodes as one U+FFFD). Every event after a truncated log
// still arrives, in order, and the invocation ends with outcome "ok".
export default {
  async test(ctrl, env, ctx) {
    console.log('x'.repeat(262140));
    console.log('y'.repeat(262141));
    ctx.tracing.enterSpan('between', () => console.log('small after big'));
    console.log('a' + 'é'.repeat(140000));
    console.log({ big: 'z'.repeat(300000) }, 'second arg');
    console.log('after all big logs');
    ctx.tracing.enterSpan('final', (span) => span.setAttribute('k', 'v'));
  },
};
