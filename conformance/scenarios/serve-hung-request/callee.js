// The callee of serve-hung-request: /hang never settles.
export default {
  async fetch() {
    console.log('callee hangs');
    await new Promise(() => {});
  },
};
