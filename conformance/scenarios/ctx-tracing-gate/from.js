// ctx-tracing-gate, service "from": compatibility date 2026-05-29 (the gate was removed that day), no flags.
// Expect (workerd 2026-11-17): `ctx.tracing` is a Tracing object and both `ctx.tracing` and the
// `cloudflare:workers` export trace, in test() and in the RPC entrypoint (see gate.js).
import { makeGateWorker } from 'gate';

const worker = makeGateWorker('from');
export const Api = worker.Api;
export default worker.handler;
