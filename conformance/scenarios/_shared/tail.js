// The printing streaming tail worker of this suite (service "tail", always the last service).
//
// Output contract (the same one the shared conformance tools read):
//   * every streaming tail event it receives, the onset included, becomes one stdout line
//     `EV <json>`, and nothing else it prints starts with `EV `;
//   * values JSON has no spelling for are tagged so that they survive the round trip:
//       BigInt                     -> {"$bigint": "<decimal digits>"}
//       NaN / Infinity / -Infinity -> {"$number": "NaN" | "Infinity" | "-Infinity"}
//       -0                         -> {"$number": "-0"}
//       undefined as an array item -> {"$undefined": true}
//     Dates (the `timestamp` of every event) are written by Date#toJSON as ISO strings, and
//     object members whose value is undefined are omitted (plain JSON.stringify behaviour);
//   * the named export `drain` is a test() handler. test() handlers run in config order and
//     this service is listed last, so `drain` runs after every scenario test: it waits until
//     each invocation this worker has seen delivered its `outcome` and 50 ms passed without
//     any event (giving up after about 3 s), so the runner does not exit before late events
//     (waitUntil work, teardown of open spans) have been printed.

/** JSON.stringify replacer that tags the values listed above. */
function tagUnrepresentable(key, value) {
  switch (typeof value) {
    case 'bigint':
      return { $bigint: String(value) };
    case 'number':
      if (value !== value) return { $number: 'NaN' };
      if (value === Infinity || value === -Infinity) return { $number: value > 0 ? 'Infinity' : '-Infinity' };
      if (value === 0 && 1 / value < 0) return { $number: '-0' };
      return value;
    case 'undefined':
      // `this` is the holder: in an array an undefined slot would otherwise print as null.
      return Array.isArray(this) ? { $undefined: true } : value;
    default:
      return value;
  }
}

function print(event) {
  console.log(`EV ${JSON.stringify(event, tagUnrepresentable)}`);
}

// Bookkeeping for `drain`.
const state = { pendingOutcomes: 0, eventsSeen: 0 };

function record(event) {
  state.eventsSeen += 1;
  if (event && event.event && event.event.type === 'outcome') state.pendingOutcomes -= 1;
  print(event);
}

export default {
  tailStream(onset) {
    state.pendingOutcomes += 1;
    state.eventsSeen += 1;
    print(onset);
    return record;
  },
};

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const drain = {
  async test() {
    const STEP_MS = 10;
    const QUIET_STEPS_NEEDED = 5; // 50 ms without events and with every outcome seen
    const GIVE_UP_AFTER_STEPS = 300; // about 3 s
    let lastCount = state.eventsSeen;
    let quietSteps = 0;
    for (let step = 0; step < GIVE_UP_AFTER_STEPS; step++) {
      await wait(STEP_MS);
      const settled = state.pendingOutcomes <= 0 && state.eventsSeen === lastCount;
      quietSteps = settled ? quietSteps + 1 : 0;
      lastCount = state.eventsSeen;
      if (quietSteps >= QUIET_STEPS_NEEDED) return;
    }
  },
};
