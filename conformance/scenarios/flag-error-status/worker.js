// workers-shim's own flag workers_tracing_error_status (not recorded from workerd, which does not
// know the flag: the golden is the expected stream, written by hand). The same test() runs in two
// services: "before" without the flag, as workerd behaves (every span closes "ok", nothing else),
// and "after" with it, where a span whose enterSpan callback throws or rejects first gets an
// `exception` event and a `spanUpdate` with status error (the error's message), then its
// attributes and `spanClose`. An error crossing two spans marks both; a span the callback ended
// itself gets nothing more; the invocation's own events (no uncaught error here) do not change.
export default {
  async test(controller, env, ctx) {
    const { tracing } = ctx;
    try {
      tracing.enterSpan("sync-throw", (span) => {
        span.setAttribute("step", 1);
        throw new TypeError("bad input");
      });
    } catch (error) {
      console.log("caught", error.message);
    }
    const rejected = await tracing
      .enterSpan("async-reject", async () => {
        await null;
        throw new RangeError("later");
      })
      .catch((error) => error.message);
    console.log("rejected", rejected);
    try {
      tracing.enterSpan("outer", () => tracing.enterSpan("inner", () => {
        throw "a string";
      }));
    } catch (error) {
      console.log("caught", error);
    }
    try {
      tracing.enterSpan("ended-first", (span) => {
        span.end();
        throw new Error("after end");
      });
    } catch {
      console.log("caught after end");
    }
    tracing.enterSpan("fine", (span) => span.setAttribute("ok", true));
  },
};
