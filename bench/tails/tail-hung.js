// A streaming tail whose handler awaits a ten-minute timer for every event: its sessions never end.
export default {
  tailStream() {
    return async () => {
      await new Promise((resolve) => setTimeout(resolve, 600000));
    };
  },
};
