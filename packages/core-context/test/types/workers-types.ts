// The tail event types against `TailStream` of @cloudflare/workers-types (the devDependency pinned
// beside workerd, see tooling/workerd-upgrade.mjs): every type assigns both ways. Compiled by
// `pnpm typecheck` (tsc), never run; a failing line names the type and the direction.
import type { TailStream as WT } from "@cloudflare/workers-types";
import type * as Ours from "../../src/index";

/** Compiles only if `Ours` is assignable to `Theirs`. */
function toTheirs<O, T>(_assign: (ours: O) => T): void {}
/** Compiles only if `Theirs` is assignable to `Ours`. */
function toOurs<O, T>(_assign: (theirs: T) => O): void {}

// The envelope.
toTheirs<Ours.SpanContext, WT.SpanContext>((ours) => ours);
toOurs<Ours.SpanContext, WT.SpanContext>((theirs) => theirs);
toTheirs<Ours.TailEvent<Ours.Onset>, WT.TailEvent<WT.Onset>>((ours) => ours);
toOurs<Ours.TailEvent<Ours.Onset>, WT.TailEvent<WT.Onset>>((theirs) => theirs);
toTheirs<Ours.TailEvent<Ours.Log>, WT.TailEvent<WT.Log>>((ours) => ours);
toOurs<Ours.TailEvent<Ours.Log>, WT.TailEvent<WT.Log>>((theirs) => theirs);
toOurs<Ours.TailEvent, WT.TailEvent<WT.EventType>>((theirs) => theirs);
toOurs<Ours.TailEventPayload, WT.EventType>((theirs) => theirs);
// workerd 2026-11-23 reports `spanLinks`, which workers-types 5.20261117.1 predates: the whole
// union assigns one way only. Once workers-types has it, these fail as unused: make them positive.
// @ts-expect-error -- SpanLinks is not in workers-types' EventType yet.
toTheirs<Ours.TailEventPayload, WT.EventType>((ours) => ours);
// @ts-expect-error -- SpanLinks is not in workers-types' EventType yet.
toTheirs<Ours.TailEvent, WT.TailEvent<WT.EventType>>((ours) => ours);
toTheirs<Exclude<Ours.TailEventPayload, Ours.SpanLinks>, WT.EventType>((ours) => ours);

// The payloads.
toTheirs<Ours.Onset, WT.Onset>((ours) => ours);
toOurs<Ours.Onset, WT.Onset>((theirs) => theirs);
toTheirs<Ours.Outcome, WT.Outcome>((ours) => ours);
toOurs<Ours.Outcome, WT.Outcome>((theirs) => theirs);
toTheirs<Ours.SpanOpen, WT.SpanOpen>((ours) => ours);
toOurs<Ours.SpanOpen, WT.SpanOpen>((theirs) => theirs);
toTheirs<Ours.SpanClose, WT.SpanClose>((ours) => ours);
toOurs<Ours.SpanClose, WT.SpanClose>((theirs) => theirs);
toTheirs<Ours.SpanUpdate, WT.SpanUpdate>((ours) => ours);
toOurs<Ours.SpanUpdate, WT.SpanUpdate>((theirs) => theirs);
toTheirs<Ours.DiagnosticChannelEvent, WT.DiagnosticChannelEvent>((ours) => ours);
toOurs<Ours.DiagnosticChannelEvent, WT.DiagnosticChannelEvent>((theirs) => theirs);
toTheirs<Ours.Exception, WT.Exception>((ours) => ours);
toOurs<Ours.Exception, WT.Exception>((theirs) => theirs);
toTheirs<Ours.Log, WT.Log>((ours) => ours);
toOurs<Ours.Log, WT.Log>((theirs) => theirs);
toTheirs<Ours.StreamDiagnostic, WT.StreamDiagnostic>((ours) => ours);
toOurs<Ours.StreamDiagnostic, WT.StreamDiagnostic>((theirs) => theirs);
toTheirs<Ours.Return, WT.Return>((ours) => ours);
toOurs<Ours.Return, WT.Return>((theirs) => theirs);
toTheirs<Ours.Attributes, WT.Attributes>((ours) => ours);
toOurs<Ours.Attributes, WT.Attributes>((theirs) => theirs);

// The parts of the payloads.
toTheirs<Ours.EventOutcome, WT.EventOutcome>((ours) => ours);
toOurs<Ours.EventOutcome, WT.EventOutcome>((theirs) => theirs);
toTheirs<Ours.Attribute, WT.Attribute>((ours) => ours);
toOurs<Ours.Attribute, WT.Attribute>((theirs) => theirs);
toTheirs<Ours.AttributeValue, WT.Attribute["value"]>((ours) => ours);
toOurs<Ours.AttributeValue, WT.Attribute["value"]>((theirs) => theirs);
toTheirs<Ours.LogLevel, WT.Log["level"]>((ours) => ours);
toOurs<Ours.LogLevel, WT.Log["level"]>((theirs) => theirs);
toTheirs<Ours.LogErrorInfo, WT.TailStreamErrorInfo>((ours) => ours);
toOurs<Ours.LogErrorInfo, WT.TailStreamErrorInfo>((theirs) => theirs);
toTheirs<Ours.ScriptVersion, WT.ScriptVersion>((ours) => ours);
toOurs<Ours.ScriptVersion, WT.ScriptVersion>((theirs) => theirs);
toTheirs<Ours.TracePreviewInfo, WT.TracePreviewInfo>((ours) => ours);
toOurs<Ours.TracePreviewInfo, WT.TracePreviewInfo>((theirs) => theirs);
toTheirs<Ours.FetchResponseInfo, WT.FetchResponseInfo>((ours) => ours);
toOurs<Ours.FetchResponseInfo, WT.FetchResponseInfo>((theirs) => theirs);
toTheirs<Ours.ExecutionModel, WT.Onset["executionModel"]>((ours) => ours);
toTheirs<Ours.EventInfo, WT.Onset["info"]>((ours) => ours);
toOurs<Ours.EventInfo, WT.Onset["info"]>((theirs) => theirs);
toTheirs<Ours.FetchHeader, WT.Header>((ours) => ours);
toOurs<Ours.FetchHeader, WT.Header>((theirs) => theirs);
toTheirs<Ours.FetchEventInfo, WT.FetchEventInfo>((ours) => ours);
toOurs<Ours.FetchEventInfo, WT.FetchEventInfo>((theirs) => theirs);
toTheirs<Ours.ConnectEventInfo, WT.ConnectEventInfo>((ours) => ours);
toOurs<Ours.ConnectEventInfo, WT.ConnectEventInfo>((theirs) => theirs);
toTheirs<Ours.JsRpcEventInfo, WT.JsRpcEventInfo>((ours) => ours);
toOurs<Ours.JsRpcEventInfo, WT.JsRpcEventInfo>((theirs) => theirs);
toTheirs<Ours.ScheduledEventInfo, WT.ScheduledEventInfo>((ours) => ours);
toOurs<Ours.ScheduledEventInfo, WT.ScheduledEventInfo>((theirs) => theirs);
toTheirs<Ours.AlarmEventInfo, WT.AlarmEventInfo>((ours) => ours);
toOurs<Ours.AlarmEventInfo, WT.AlarmEventInfo>((theirs) => theirs);
toTheirs<Ours.OnHibernateEventInfo, WT.OnHibernateEventInfo>((ours) => ours);
toOurs<Ours.OnHibernateEventInfo, WT.OnHibernateEventInfo>((theirs) => theirs);
toTheirs<Ours.QueueEventInfo, WT.QueueEventInfo>((ours) => ours);
toOurs<Ours.QueueEventInfo, WT.QueueEventInfo>((theirs) => theirs);
toTheirs<Ours.EmailEventInfo, WT.EmailEventInfo>((ours) => ours);
toOurs<Ours.EmailEventInfo, WT.EmailEventInfo>((theirs) => theirs);
toTheirs<Ours.TraceEventInfo, WT.TraceEventInfo>((ours) => ours);
toOurs<Ours.TraceEventInfo, WT.TraceEventInfo>((theirs) => theirs);
toTheirs<Ours.HibernatableWebSocketEventInfo, WT.HibernatableWebSocketEventInfo>((ours) => ours);
toOurs<Ours.HibernatableWebSocketEventInfo, WT.HibernatableWebSocketEventInfo>((theirs) => theirs);
toTheirs<Ours.CustomEventInfo, WT.CustomEventInfo>((ours) => ours);
toOurs<Ours.CustomEventInfo, WT.CustomEventInfo>((theirs) => theirs);

// A tailStream() handler written against workers-types is a tail target here, and its event
// handler takes our events.
declare const theirHandler: WT.TailEventHandler;
declare const ourEvent: Ours.TailEvent<Exclude<Ours.TailEventPayload, Ours.SpanLinks>>;
void theirHandler(ourEvent);
const target: Ours.TailTarget = {
  tailStream: (_onset: WT.TailEvent<WT.Onset>): WT.TailEventHandlerType => theirHandler,
};
void target;

// The checks can fail: the readonly arrays and closed unions these types had before.
type ReadonlyAttributes = Omit<Ours.Attributes, "info"> & { readonly info: readonly Ours.Attribute[] };
// @ts-expect-error -- a readonly array does not assign to workers-types' mutable one.
toTheirs<ReadonlyAttributes, WT.Attributes>((ours) => ours);
type ClosedOnset = Omit<Ours.Onset, "executionModel"> & { readonly executionModel: Ours.ExecutionModel };
// @ts-expect-error -- workers-types' `string` does not assign to a closed union.
toOurs<ClosedOnset, WT.Onset>((theirs) => theirs);
