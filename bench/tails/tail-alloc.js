// A streaming tail that keeps 64 KiB for every event it receives, in a global it never clears.
const kept = [];
export default {
  tailStream() {
    return () => {
      kept.push(new Uint8Array(65536).fill(1));
    };
  },
};
