// The streaming tail of the memory soak: counts events and the Durable Object's outcomes, keeps
// nothing. The soak reads the counts with a request to its fetch() (workers have global scopes of
// their own, so they cannot hand them over through globalThis).
const counts = { events: 0, outcomes: 0 };

export default {
  tailStream(onset) {
    counts.events++;
    const object = onset.event.executionModel === "durableObject";
    return (event) => {
      counts.events++;
      if (object && event.event.type === "outcome") counts.outcomes++;
    };
  },

  fetch() {
    return Response.json(counts);
  },
};
