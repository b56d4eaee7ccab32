// The streaming tail worker of `bench:serve`: it consumes every event and counts it, nothing
// more. Once per 1,000 sessions it prints `tail: <sessions> sessions, <events> events` on
// stdout, which shows that the runtime really delivered the events (never one line per event).
let sessions = 0;
let events = 0;

const count = () => {
  events++;
};

export default {
  tailStream() {
    sessions++;
    events++;
    if (sessions % 1000 === 0) console.log(`tail: ${sessions} sessions, ${events} events`);
    return count;
  },
};
