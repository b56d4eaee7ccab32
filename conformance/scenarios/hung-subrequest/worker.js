// Hung requests reached through a service binding (callee.js lists the handlers).
// Expect: the caller's fetch() / RPC call rejects with an Error whose message is workerd's
// hang message (test() catches and logs name and message); its `fetch` span closes "ok"
// without response attributes, late, as for a callee that throws; /wu and /fine answer 200.
// The caller itself never hangs: a subrequest in flight is pending work.
export default {
  async test(ctrl, env) {
    for (const path of ['/hang', '/span', '/timer', '/wu', '/fine']) {
      try {
        const res = await env.callee.fetch(`http://callee${path}`);
        console.log(path, 'status', res.status, await res.text());
      } catch (e) {
        console.log(path, 'threw', e.name, e.message);
      }
    }
    try {
      await env.callee.hangRpc();
    } catch (e) {
      console.log('rpc threw', e.name, e.message);
    }
    console.log('done');
  },
};
