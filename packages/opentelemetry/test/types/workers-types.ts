// The OTLP tail worker and exporter as a streaming tail worker's export typed with
// @cloudflare/workers-types (the devDependency pinned beside workerd, see
// tooling/workerd-upgrade.mjs): they take workers-types' tail events. Compiled by
// `pnpm typecheck` (tsc), never run.
import type { ExportedHandler, TailStream } from "@cloudflare/workers-types";
import { OtlpExporter, createOtlpTailWorker, toOtlpSpans } from "../../src/index";

// `export default createOtlpTailWorker()` in a worker typed with workers-types.
const tailWorker = createOtlpTailWorker() satisfies ExportedHandler;
void tailWorker;

const exporter = new OtlpExporter();
const handler: ExportedHandler = {
  tailStream: (onset, _env, _ctx) => exporter.tailStream(onset),
};
void handler;

// Events a workers-types tail handler collected go to the span assembler.
declare const collected: TailStream.TailEvent<TailStream.EventType>[];
void toOtlpSpans(collected);
