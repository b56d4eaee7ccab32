// The physical floor, measured in a worker thread: a fresh V8 isolate per round, so that the
// AsyncLocalStorage figures are those of a program that has only ever run these ops (the state
// the shared harness gets from a fresh process). In the main thread, once tracing code has
// called AsyncLocalStorage.prototype.run with other callbacks and stores, the shared run() code
// costs 2-5x more for every caller, which would inflate the floor and flatter every ratio.
import { AsyncLocalStorage } from "node:async_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { measureOp } from "./measure.mjs";

const als = new AsyncLocalStorage();
const store = { span: null };
const plain = (x) => x + 1;
const syncOne = () => 1;
const asyncOne = async () => {
  await null;
  return 1;
};
const keep = (value) => value;
const rethrow = (error) => {
  throw error;
};
// What a traced async span cannot do without (issue 9): one AsyncLocalStorage.run, the promise
// `enterSpan` must return (settling after the span ended), and two clock reads.
const asyncSpanFloor = () => {
  const start = Date.now();
  return als.run(store, asyncOne).then((value) => (Date.now() >= start ? value : keep(value)), rethrow);
};
const gen3 = async function* () {
  yield 1;
  yield 2;
  yield 3;
};
const drain = async (iterable) => {
  let sum = 0;
  for await (const v of iterable) sum += v;
  return sum;
};

/** name -> [op, isAsync, expected result] */
export const FLOOR_OPS = {
  plainCall: [() => plain(1), false, 2],
  alsRunSync: [() => als.run(store, syncOne), false, 1],
  alsRunAsync: [() => als.run(store, asyncOne), true, 1],
  asyncSpanFloor: [asyncSpanFloor, true, 1],
  asyncGen3: [() => drain(gen3()), true, 6],
  clockRead: [() => (Date.now() > 0 ? 1 : 0), false, 1],
};

if (parentPort !== null) {
  const { names, measureOptions } = workerData;
  const results = {};
  for (const name of names) {
    const entry = FLOOR_OPS[name];
    if (entry === undefined)
      throw new Error(`floor-worker: unknown op "${name}"; expected one of ${Object.keys(FLOOR_OPS).join(", ")}`);
    const [fn, isAsync, expected] = entry;
    const probe = fn();
    const value = isAsync ? await probe : probe;
    if (value !== expected) throw new Error(`floor-worker: ${name} returned ${String(value)}, expected ${expected}`);
    results[name] = await measureOp(fn, { ...measureOptions, isAsync, name });
  }
  parentPort.postMessage(results);
}
