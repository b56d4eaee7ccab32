// scheduled() and queue() handlers that hang, reached through a service binding
// (service_binding_extra_handlers) from test().
// Expect: unlike a hung fetch handler or RPC method, no `exception` event: the callee's
// stream is onset, its log, outcome "exception". The caller's binding call does not reject:
// it resolves {outcome: "exception", noRetry: false} for scheduled(), and for queue()
// {outcome: "exception", ackAll: false, retryBatch: {retry: false}, explicitAcks: [],
// retryMessages: []}; the caller's `scheduled` / `queue` span closes "ok" after the outcome.
const never = () => new Promise(() => {});

export default {
  async scheduled() {
    console.log('scheduled hangs');
    await never();
  },
  async queue() {
    console.log('queue hangs');
    await never();
  },
  async test(ctrl, env) {
    try {
      console.log('scheduled result', JSON.stringify(await env.self.scheduled({ cron: '* * * * *' })));
    } catch (e) {
      console.log('scheduled threw', e.message);
    }
    const message = { id: '1', timestamp: new Date(0), body: 'x', attempts: 1 };
    try {
      console.log('queue result', JSON.stringify(await env.self.queue('q', [message])));
    } catch (e) {
      console.log('queue threw', e.message);
    }
  },
};
