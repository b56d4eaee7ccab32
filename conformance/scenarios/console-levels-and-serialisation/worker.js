// console.* levels, how log arguments are serialised (spec §4.4 table) and `errorInfo`.
// test() calls console.debug/info/log/warn/error, then (inside enterSpan('serialise')) logs
// one kind of value per call, then logs native Errors among other arguments.
// Expect: `level` is "debug" | "info" | "log" | "warn" | "error" after the method; every
// log inside 'serialise' carries that span. `message` holds the arguments JSON-serialised by
// the runtime: undefined / NaN / ±Infinity -> null, -0 -> 0, BigInt -> decimal string, Date
// -> ISO string, Map / Set -> "[object Map]" / "[object Set]", a function -> its source
// text, an Error -> "Name: message", a Symbol or a circular object -> {}, undefined object
// members dropped and undefined/NaN array items -> null, toJSON honoured, an Error inside an
// object -> {}, no arguments -> [].
// `errorInfo` is present only when an argument is a native Error (also a subclass): one slot
// per argument, null for non-errors, {name, message} for errors. The errors are created with
// Error.stackTraceLimit = 0, so they have no frames and errorInfo has no `stack` (frame text
// is runtime specific); an object that merely looks like an error gets no errorInfo.
class CustomError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CustomError';
  }
}

export default {
  async test(ctrl, env, ctx) {
    console.debug('debug level', 1);
    console.info('info level', true);
    console.log('log level', null);
    console.warn('warn level', 'w');
    console.error('error level', 0);

    ctx.tracing.enterSpan('serialise', () => {
      console.log(undefined);
      console.log(NaN, Infinity, -Infinity, -0, 1.5, -7);
      console.log(12345678901234567890n, -1n, 0n);
      console.log(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)));
      console.log(new Map([['k', 'v']]), new Set([1, 2]));
      console.log(function named(a, b) { return a + b; });
      console.log((x) => x * 2);
      console.log({ a: 1, skip: undefined, nested: { u: undefined, list: [undefined, 1, NaN, -0, Infinity] } });
      console.log([undefined, null, 'two', [3, [4]]]);
      console.log({ toJSON() { return 'from toJSON'; } }, { when: new Date(Date.UTC(2026, 5, 1)) });
      const circular = { name: 'loop' };
      circular.self = circular;
      console.log(circular);
      console.log(Symbol('sym'));
      console.log({ key: Symbol('in-object'), big: 'kept' });
      console.log();
      console.log('', 'empty string first');
      console.log(true, false, null, 'multi', 'args');
    });

    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const plain = new Error('plain error');
    const typed = new TypeError('bad type');
    const custom = new CustomError('custom message');
    const nameless = new Error('');
    Error.stackTraceLimit = saved;
    console.error('failed:', plain, 42, typed);
    console.warn(custom);
    console.log(nameless, { message: 'looks like an error', name: 'Error' });
    console.info('no errors here', { error: plain });
  },
};
