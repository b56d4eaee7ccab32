// ctx-tracing-gate, service "before": compatibility date 2026-05-28 (the day before ctx.tracing
// left experimental), no flags.
// Expect (workerd 2026-11-17): `ctx.tracing` is a Tracing object here too — workerd has no date
// gate — and both `ctx.tracing` and the `cloudflare:workers` export trace (see gate.js).
import { makeGateWorker } from 'gate';

const worker = makeGateWorker('before');
export const Api = worker.Api;
export default worker.handler;
