// Shared module of the ctx-tracing-gate scenario (imported as "gate" by before.js,
// before-experimental.js and from.js).
// The `ctx.tracing` gate (spec §6.1), run by three services that differ only in their
// compatibility settings: "before" (date 2026-05-28, no flags), "before-experimental" (the same
// date with the `experimental` flag) and "from" (2026-05-29, the day ctx.tracing left
// experimental). Each test() logs what `ctx` offers, then creates spans through `ctx.tracing` and
// through the `cloudflare:workers` export, and does the same inside a WorkerEntrypoint method
// (`this.ctx.tracing`) reached over RPC.
// Expect (workerd 2026-11-17): `'tracing' in ctx` is true, `ctx.tracing` is a Tracing object
// (listed first in Object.keys(ctx), cached per ctx, not the module export) for all three
// services — the pinned workerd has no date gate — and both access points trace.
// The seed's gate (ctx.tracing only with `experimental`) is workers-shim's `seed` profile
// (`--profile seed`); this golden records the default profile, which follows workerd.
import { WorkerEntrypoint, tracing } from 'cloudflare:workers';

function describeCtx(label, ctx) {
  console.log(label, 'has tracing', 'tracing' in ctx, typeof ctx.tracing);
  console.log(label, 'first key', Object.keys(ctx)[0]);
  if (ctx.tracing) {
    console.log(label, 'cached', ctx.tracing === ctx.tracing, 'module export', ctx.tracing === tracing);
    console.log(label, 'tag', Object.prototype.toString.call(ctx.tracing));
  }
}

function useBoth(label, ctx) {
  if (ctx.tracing) ctx.tracing.enterSpan(`${label}-ctx`, (span) => span.setAttribute('via', 'ctx'));
  tracing.enterSpan(`${label}-import`, (span) => {
    span.setAttribute('via', 'import');
    console.log(label, 'import span traced', span.isTraced);
  });
}

/** The worker of one service: `label` names it in every log line and span name. */
export function makeGateWorker(label) {
  class Api extends WorkerEntrypoint {
    probe() {
      describeCtx(`${label} entrypoint`, this.ctx);
      useBoth(`${label}-entrypoint`, this.ctx);
      return 'probed';
    }
  }
  const handler = {
    async test(ctrl, env, ctx) {
      describeCtx(label, ctx);
      useBoth(label, ctx);
      console.log(label, 'rpc', await env.api.probe());
    },
  };
  return { Api, handler };
}
