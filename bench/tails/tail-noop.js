// A streaming tail that takes every event and does nothing with it: the baseline.
export default {
  tailStream() {
    return () => {};
  },
};
