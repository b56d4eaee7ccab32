// workers-tracing as an implementation for the shared benchmark harness (<repo>/../shared/bench):
// the contract of its README ("Adding an implementation"). Run it with ../shared-harness.mjs.
//
// Each traced batch is one invocation of a fresh stateless IoContext whose tail sink only
// counts events. withTrace drives the invocation synchronously (what traceInvocation does, minus
// its `await`), so that sync ops stay sync for the harness, which decides sync/async from what
// withTrace returns.
import { IoContext, runInInvocation } from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";

export const meta = {
  name: "workers-tracing",
  description:
    "@workers-tracing/user-tracing tracing.enterSpan; events to a counting TailSink, one invocation per batch",
};

let events = 0;
let invocations = 0;
const sink = {
  deliver() {
    events++;
  },
  close() {},
};

const isThenable = (v) => v !== null && typeof v === "object" && typeof v.then === "function";

/** Runs `fn` inside one traced invocation: onset, root span current, return, outcome. */
export function withTrace(fn) {
  const invocation = new IoContext().startInvocation({ kind: "custom", info: { type: "custom" }, sink });
  invocations++;
  const fail = (error) => {
    invocation.reportException(error);
    invocation.finish("exception");
    throw error;
  };
  let result;
  try {
    result = runInInvocation(invocation, fn);
  } catch (error) {
    fail(error);
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then((value) => {
      invocation.reportReturn();
      invocation.finish("ok");
      return value;
    }, fail);
  }
  invocation.reportReturn();
  invocation.finish("ok");
  return result;
}

const leafSync = (span) => {
  span.setAttribute("k", 1);
  return 1;
};
const leafAsync = async (span) => {
  span.setAttribute("k", 1);
  await null;
  return 1;
};
const nestC = () => tracing.enterSpan("c", leafSync);
const nestB = () => tracing.enterSpan("b", nestC);

export const ops = {
  enterSpanSync: () => tracing.enterSpan("s", leafSync),
  enterSpanAsync: () => tracing.enterSpan("s", leafAsync),
  nested3: () => tracing.enterSpan("a", nestB),
  untraced: () => tracing.enterSpan("s", leafSync),
  startSpanManual: () => {
    const s = tracing.startSpan("s");
    s.setAttribute("k", 1);
    s.end();
    return 1;
  },
};

export const memOps = {
  openSpan: () => tracing.startSpan("open"),
  abandonAsync: (never) => {
    // An inline closure, as in the harness's other impls, so that the figures compare.
    tracing.enterSpan("abandoned", async (span) => {
      span.setAttribute("k", 1);
      await never;
    });
  },
};

export function check() {
  return { events, invocations };
}
