// Without nodejs_compat (date 2026-06-01, no flags) the module does not exist: the dynamic
// import rejects with `No such module "node:diagnostics_channel".` and nothing is published.
export default {
  async test() {
    try {
      await import('node:diagnostics_channel');
      console.log('imported');
    } catch (e) {
      console.log('import failed', String(e));
    }
  },
};
