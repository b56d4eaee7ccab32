// The streaming tail of the memory soak: counts events and outcomes, keeps nothing.
const COUNTS = Symbol.for('workers-tracing.soak.counts');

export default {
  tailStream() {
    const counts = (globalThis[COUNTS] ??= { events: 0, outcomes: 0 });
    counts.events++;
    return (event) => {
      counts.events++;
      if (event.event.type === 'outcome') counts.outcomes++;
    };
  },
};
