// JS RPC beyond the shared rpc-entrypoint scenario. test() in "main" calls the "api" service
// through two bindings: `api` (its default export, a WorkerEntrypoint class) and `admin` (the
// named entrypoint "Admin"):
//   api.sum(1, 2)          a method on the default entrypoint (a user span inside)
//   await api.version      a getter read as an RPC property (operation getProperty)
//   api.fail('type'/'range')  async methods that reject: the caller's errors
//   api.missing()          a method that does not exist
//   admin.reset('cache')   a named entrypoint whose method calls api.sum() through the api
//                          service's own binding, then opens a span
// Expect (workerd 2026-11-17): each call is a jsrpc invocation of "api" (entrypoint absent for
// the default export, "Admin" for the named one) under the caller's jsRpcSession → jsRpcCall
// spans, whose `jsrpc.operation` is "call" or "getProperty" and `jsrpc.method` the member;
// rejections reach the caller with their class and message, the callee reports no exception
// and outcome "ok"; a missing method rejects with a TypeError and still gives a callee
// invocation; the nested call from Admin is a grandchild in the same trace, and its
// jsRpcSession/jsRpcCall spans close before Admin's own jsRpcCall span (which closes a turn
// after the method's result, before `return`).
export default {
  async test(ctrl, env) {
    console.log('sum', await env.api.sum(1, 2));
    console.log('version', await env.api.version);
    for (const kind of ['type', 'range']) {
      try {
        await env.api.fail(kind);
      } catch (error) {
        console.log('fail', kind, error.name, error.message);
      }
    }
    try {
      await env.api.missing();
    } catch (error) {
      console.log('missing', error.name, error.message);
    }
    console.log('reset', JSON.stringify(await env.admin.reset('cache')));
  },
};
