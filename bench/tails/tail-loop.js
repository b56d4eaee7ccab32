// A streaming tail stuck in a synchronous endless loop as soon as it sees a span open.
export default {
  tailStream() {
    return (event) => {
      if (event.event.type === "spanOpen") for (;;);
    };
  },
};
