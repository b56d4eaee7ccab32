// workers-shim's own flag workers_tracing_thenable_end (not recorded from workerd, which does not
// know the flag: the golden is the expected stream, written by hand). The same test() runs in two
// services: "before" without the flag, as workerd behaves — enterSpan ends its span at once when
// the callback returns a thenable that is not a native promise, and returns the thenable itself —
// and "after" with it, where the span ends when the thenable settles (fulfilled or rejected) and
// enterSpan returns what the thenable's then() returns: a Query for a Query, a promise for a minimal
// thenable whose then() returns nothing. Native promises behave the same in both.
class Query {
  #promise;
  constructor(promise) {
    this.#promise = promise;
  }
  then(onFulfilled, onRejected) {
    return new Query(this.#promise.then(onFulfilled, onRejected));
  }
}

const wait = (ms, value, fail = false) =>
  new Promise((resolve, reject) =>
    setTimeout(() => {
      console.log("settling", value);
      (fail ? reject : resolve)(value);
    }, ms),
  );

export default {
  async test(controller, env, ctx) {
    const { tracing } = ctx;
    const query = new Query(wait(5, "rows"));
    const returned = tracing.enterSpan("query", () => query);
    console.log("same object", returned === query, "a Query", returned instanceof Query);
    console.log("result", await returned);

    const failing = tracing.enterSpan("failing-query", () => new Query(wait(5, "no rows", true)));
    console.log("rejected", await new Promise((resolve) => failing.then(undefined, resolve)));

    const minimal = tracing.enterSpan("minimal", () => ({
      then(resolve) {
        setTimeout(() => resolve("minimal value"), 5);
      },
    }));
    console.log("awaitable", typeof minimal?.then === "function", "value", await minimal);

    const native = await tracing.enterSpan("native", () => wait(5, "native value"));
    console.log("native", native);
  },
};
