export { StorageKey, createStorageKey } from "./storage";
export { RANDOM_IDS, createSequentialIds } from "./ids";
export type { IdGenerator } from "./ids";
export { IoContext, Invocation, DEFAULT_ROOT_FRAME_KINDS, UNENDED_SPAN_ATTRIBUTE } from "./io-context";
export type { IoContextOptions, InvocationOptions, HandlerKind, TracingImprovements } from "./io-context";
export { SpanRecord, ATTRIBUTE_BUDGET_BYTES } from "./span-record";
export type { SpanHost } from "./span-record";
export { bindToCurrentFrame, runInInvocation, runOutsideInvocations, withCurrentSpan } from "./frame";
export {
  currentEventTarget,
  currentInvocation,
  currentIoContext,
  currentRecordingSpan,
  currentUserSpan,
  reportLog,
  runningInvocation,
} from "./current";
export { cutWireText, toWireText, wireByteLength } from "./wire-text";
export { describeReceived } from "./describe";
export {
  DIAGNOSTIC_CHANNEL_EVENT_OVERHEAD_BYTES,
  MAX_DIAGNOSTIC_CHANNEL_EVENT_BYTES,
  UNSERIALIZABLE_DIAGNOSTIC_MESSAGE,
  diagnosticChannelEvent,
  reportDiagnosticChannel,
} from "./diagnostic-channel";
export { MAX_LOG_MESSAGE_BYTES, describeException, serializeLogArguments } from "./serialize";
export { TAIL_BACKLOG_LIMIT_BYTES, TAIL_SESSION_BYTES, TailBacklog, estimateEventHeapBytes } from "./tail-backlog";
export type { TailBacklogOptions } from "./tail-backlog";
export { TailTimeLimitError, drainTailSessions, tailSessionsIdle } from "./tail-scheduler";
export { TAIL_QUEUE_LIMIT_BYTES, createTailStreamSink, estimateEventSize } from "./tail-stream";
export type { TailStreamSinkOptions } from "./tail-stream";
export type { TailSink } from "./tail-sink";
export { toTailSink } from "./sinks";
export type { TailStreamHandler, TailTarget } from "./sinks";
export { traceInvocation, traceInvocationIn } from "./trace";
export { formatTraceParent, parseTraceParent, parseTraceState } from "./trace-context";
export type { TraceParent } from "./trace-context";
export type { TraceInvocationOptions } from "./trace";
export type {
  AlarmEventInfo,
  Attribute,
  AttributeValue,
  Attributes,
  ConnectEventInfo,
  CustomEventInfo,
  DiagnosticChannelEvent,
  EmailEventInfo,
  EventInfo,
  EventOutcome,
  Exception,
  ExecutionModel,
  FetchEventInfo,
  FetchHeader,
  FetchResponseInfo,
  HibernatableWebSocketEventInfo,
  JsRpcEventInfo,
  Log,
  LogErrorInfo,
  LogLevel,
  OnHibernateEventInfo,
  Onset,
  Outcome,
  QueueEventInfo,
  Return,
  ScheduledEventInfo,
  ScriptVersion,
  SpanClose,
  SpanContext,
  SpanLinkInfo,
  SpanLinks,
  SpanOpen,
  SpanUpdate,
  StreamDiagnostic,
  TailEvent,
  TailEventPayload,
  TraceEventInfo,
  TracePreviewInfo,
} from "./events";
export { formatEventTree } from "./format";
export type { EventTreeStyle, FormatEventTreeOptions } from "./format";
