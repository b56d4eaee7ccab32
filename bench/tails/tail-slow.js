// A streaming tail that spends 20 ms of CPU on its onset and on every event.
const spin = (ms) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
export default {
  tailStream() {
    spin(20);
    return () => spin(20);
  },
};
