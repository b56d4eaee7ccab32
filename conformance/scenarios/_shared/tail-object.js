// The printing streaming tail worker (service "tail") in its *handler object* form.
//
// It prints exactly what ./tail.js prints — every event, the onset included, as one
// `EV <json>` stdout line with the same tagging of BigInt / NaN / ±Infinity / -0 / undefined
// array items — and exports the same `drain` test, so goldens look the same. The difference
// is how the events reach it: tailStream() returns an object, and the runtime must call the
// member named after each event's type, reading it like a property and calling it with the
// object as `this`. The object is built so that a runtime taking shortcuts shows up:
//   * no member is an own property: `spanOpen`, `spanClose`, `attributes` live on a base
//     class prototype two levels up, `log`, `return`, `outcome` on the subclass prototype,
//     `exception` is an accessor (a getter on the prototype returning the method);
//   * every member checks `this`; called with another receiver it adds the envelope field
//     `handlerThis` (normalised as `envelope.handlerThis`);
//   * every member knows which event type it is for; an event delivered to the member of
//     another type gets the envelope field `handlerMethod` with that member's name.
// workerd calls `streamDiagEvent` (not `streamDiagnostic`) for `streamDiagnostic` events, so
// that is the member name used here.

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
      return Array.isArray(this) ? { $undefined: true } : value;
    default:
      return value;
  }
}

function print(event) {
  console.log(`EV ${JSON.stringify(event, tagUnrepresentable)}`);
}

const state = { pendingOutcomes: 0, eventsSeen: 0 };

/** Prints `event`, marking it when it reached the wrong member or the wrong `this`. */
function receive(receiver, memberName, expectedType, event) {
  state.eventsSeen += 1;
  let printed = event;
  if (!(receiver instanceof EventPrinter)) printed = { ...printed, handlerThis: typeof receiver };
  const actualType = event && event.event ? event.event.type : undefined;
  if (actualType !== expectedType) printed = { ...printed, handlerMethod: memberName };
  if (actualType === 'outcome') state.pendingOutcomes -= 1;
  print(printed);
}

class SpanEventPrinter {
  spanOpen(event) {
    receive(this, 'spanOpen', 'spanOpen', event);
  }
  spanClose(event) {
    receive(this, 'spanClose', 'spanClose', event);
  }
  attributes(event) {
    receive(this, 'attributes', 'attributes', event);
  }
  spanUpdate(event) {
    receive(this, 'spanUpdate', 'spanUpdate', event);
  }
  spanLinks(event) {
    receive(this, 'spanLinks', 'spanLinks', event);
  }
}

class EventPrinter extends SpanEventPrinter {
  log(event) {
    receive(this, 'log', 'log', event);
  }
  get exception() {
    return function exception(event) {
      receive(this, 'exception', 'exception', event);
    };
  }
  diagnosticChannel(event) {
    receive(this, 'diagnosticChannel', 'diagnosticChannel', event);
  }
  streamDiagEvent(event) {
    receive(this, 'streamDiagEvent', 'streamDiagnostic', event);
  }
  return(event) {
    receive(this, 'return', 'return', event);
  }
  outcome(event) {
    receive(this, 'outcome', 'outcome', event);
  }
}

export default {
  tailStream(onset) {
    state.pendingOutcomes += 1;
    state.eventsSeen += 1;
    print(onset);
    return new EventPrinter();
  },
};

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Same as ./tail.js: runs last and waits (at most about 3 s) until every invocation seen so
// far delivered its outcome and nothing arrived for 50 ms.
export const drain = {
  async test() {
    const STEP_MS = 10;
    const QUIET_STEPS_NEEDED = 5;
    const GIVE_UP_AFTER_STEPS = 300;
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
