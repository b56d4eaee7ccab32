import type { EventInfo, Onset, TailBacklog, TailEvent, TailSink } from "@workers-tracing/core-context";
import { createRuntimeTailSink } from "./tails";

/** A service that can act as a (legacy, buffered) tail worker: its `tail(events)` handler. */
export interface LegacyTailWorker {
  readonly name: string;
  readonly tailBacklog: TailBacklog;
  /** Runs the worker's `tail(items)` handler as a `trace` invocation. */
  deliverTrace(items: readonly TraceItem[]): Promise<void>;
}

/** workerd's `TraceItem`, as a legacy tail worker's `tail()` handler receives it. */
export interface TraceItem {
  readonly scriptName: string | null;
  readonly entrypoint?: string;
  readonly event: object | null;
  readonly eventTimestamp: number | null;
  readonly logs: { timestamp: number; level: string; message: unknown }[];
  readonly exceptions: { timestamp: number; name: string; message: string; stack?: string }[];
  readonly diagnosticsChannelEvents: { timestamp: number; channel: string; message: unknown }[];
  readonly outcome: string;
  readonly executionModel: string;
  readonly truncated: boolean;
  readonly cpuTime: number;
  readonly wallTime: number;
  readonly scriptTags?: readonly string[];
  readonly durableObjectId?: string;
}

/** The `event` of a TraceItem, from the onset's info (workerd's `TraceItem*EventInfo`). */
function traceEvent(info: EventInfo, status: number | undefined): object | null {
  switch (info.type) {
    case "fetch":
      return {
        request: {
          method: info.method,
          url: info.url,
          headers: Object.fromEntries(info.headers.map((header) => [header.name, header.value])),
          ...(info.cfJson === undefined ? {} : { cf: info.cfJson }),
        },
        ...(status === undefined ? {} : { response: { status } }),
      };
    case "scheduled":
      return { scheduledTime: info.scheduledTime.getTime(), cron: info.cron };
    case "alarm":
      return { scheduledTime: info.scheduledTime };
    case "queue":
      return { queue: info.queueName, batchSize: info.batchSize };
    case "jsrpc":
      return { rpcMethod: "" };
    case "trace":
      return { consumedEvents: info.traces.map((scriptName) => (scriptName === null ? {} : { scriptName })) };
    case "email":
      return { mailFrom: info.mailFrom, rcptTo: info.rcptTo, rawSize: info.rawSize };
    default:
      return {};
  }
}

/**
 * The sink of one invocation for a legacy tail worker (`tails` in the config, wrangler's
 * `tail_consumers`): it gathers the invocation's events, as workerd buffers a trace, and once
 * the `outcome` arrives calls the tail worker's `tail([traceItem])` in an invocation of its own.
 * @remarks Built on a streaming tail session (the tail worker's backlog, off the request path).
 */
export function createLegacyTailSink(
  tail: LegacyTailWorker,
  scriptName: string,
  warn: (message: string) => void,
): TailSink {
  return createRuntimeTailSink(
    {
      tailStream(onsetEvent: TailEvent<Onset>) {
        const onset = onsetEvent.event;
        const item = {
          scriptName,
          ...(onset.entrypoint === undefined ? {} : { entrypoint: onset.entrypoint }),
          eventTimestamp: onsetEvent.timestamp.getTime(),
          logs: [] as TraceItem["logs"],
          exceptions: [] as TraceItem["exceptions"],
          diagnosticsChannelEvents: [] as TraceItem["diagnosticsChannelEvents"],
          executionModel: onset.executionModel,
          ...(onset.scriptTags === undefined ? {} : { scriptTags: [...onset.scriptTags] }),
          ...(onset.durableObjectId === undefined ? {} : { durableObjectId: onset.durableObjectId }),
        };
        let status: number | undefined;
        let truncated = false;
        return (event: TailEvent): void => {
          const timestamp = event.timestamp.getTime();
          const payload = event.event;
          switch (payload.type) {
            case "log":
              item.logs.push({ timestamp, level: payload.level, message: payload.message });
              break;
            case "exception":
              item.exceptions.push({
                timestamp,
                name: payload.name,
                message: payload.message,
                ...(payload.stack === undefined ? {} : { stack: payload.stack }),
              });
              break;
            case "diagnosticChannel":
              item.diagnosticsChannelEvents.push({ timestamp, channel: payload.channel, message: payload.message });
              break;
            case "return":
              status = payload.info?.statusCode;
              break;
            case "streamDiagnostic":
              truncated = true;
              break;
            case "outcome": {
              const trace: TraceItem = {
                ...item,
                event: traceEvent(onset.info, status),
                outcome: payload.outcome,
                truncated,
                cpuTime: payload.cpuTime,
                wallTime: payload.wallTime,
              };
              void tail.deliverTrace([trace]);
              break;
            }
            default:
              break;
          }
        };
      },
    },
    tail.tailBacklog,
    warn,
    scriptName,
  );
}
