import { currentRecordingSpan, traceInvocation, type TailEvent } from "@workers-tracing/core-context";
import { describe, expect, it } from "vitest";
import {
  END_A_TURN_AFTER_RESPONSE,
  END_WHEN_BODY_CONSUMED,
  END_WHEN_SETTLED,
  openActorSubrequest,
  openBindingSpan,
  sendFetch,
  sendSubrequest,
  type EndPolicy,
} from "../src/subrequest";
import { subrequestArrival } from "../src/timing";

/** The span events of `events` as `open <name>` / `close <name>`, in order. */
function spanEvents(events: readonly TailEvent[]): string[] {
  const names = new Map<string, string>();
  const lines: string[] = [];
  for (const { spanContext, event } of events) {
    if (event.type === "spanOpen") {
      names.set(event.spanId, event.name);
      lines.push(`open ${event.name}`);
    }
    // A spanClose is reported on the span it closes.
    if (event.type === "spanClose") lines.push(`close ${names.get(spanContext.spanId!) ?? "?"}`);
  }
  return lines;
}

/** Runs `fn` as a traced invocation and returns its events once its outcome was reported. */
async function traced(fn: () => Promise<unknown>): Promise<TailEvent[]> {
  const events: TailEvent[] = [];
  await traceInvocation({ tail: events, kind: "test" }, async () => {
    await fn();
    // Spans that end a turn later end before the invocation does.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  });
  return events;
}

describe(sendFetch.name, () => {
  it("rejects a bad request before any span opens", async () => {
    let error: unknown;
    const events = await traced(async () => {
      error = await sendFetch("not a url", undefined, {
        open: () => openBindingSpan("fetch"),
        arrival: subrequestArrival,
        deliver: () => Promise.resolve(new Response("unreached")),
        end: END_A_TURN_AFTER_RESPONSE,
      }).catch((reason: unknown) => reason);
    });
    expect(error).toBeInstanceOf(TypeError);
    expect(spanEvents(events)).toEqual([]);
  });

  it("reports the request's and the response's attributes on the fetch span, the callee's parent", async () => {
    let parentId: string | undefined;
    const events = await traced(() =>
      sendFetch(
        "http://target/path",
        { method: "POST", body: "abc" },
        {
          open: () => openBindingSpan("fetch"),
          arrival: subrequestArrival,
          deliver: async (request, parent) => {
            parentId = parent?.spanId;
            return new Response(`got ${await request.text()}`, { status: 201 });
          },
          end: END_A_TURN_AFTER_RESPONSE,
        },
      ).then((response) => response.text()),
    );
    const attributes = events.flatMap((e) => (e.event.type === "attributes" ? e.event.info.map((a) => a.name) : []));
    expect(attributes).toEqual(
      expect.arrayContaining(["http.request.method", "url.full", "http.response.status_code"]),
    );
    expect(spanEvents(events)).toEqual(["open fetch", "close fetch"]);
    const open = events.find((e) => e.event.type === "spanOpen")!.event;
    expect(parentId).toBe(open.type === "spanOpen" ? open.spanId : "no span");
  });
});

describe("end policies", () => {
  const cases: [string, EndPolicy<unknown>, string][] = [
    ["END_A_TURN_AFTER_RESPONSE turns a thrown string into an Error", END_A_TURN_AFTER_RESPONSE, "Error: broken"],
    ["END_WHEN_BODY_CONSUMED turns a thrown string into an Error", END_WHEN_BODY_CONSUMED, "Error: broken"],
    ["END_WHEN_SETTLED passes what the target threw on as it is", END_WHEN_SETTLED, "broken"],
  ];
  it.for(cases)("%s, and ends the span", async ([, end, shown]) => {
    let error: unknown;
    const events = await traced(async () => {
      error = await sendSubrequest<unknown>(openBindingSpan("queue"), {
        arrival: subrequestArrival,
        deliver: () => Promise.reject("broken"),
        end,
      }).catch((reason: unknown) => reason);
    });
    expect(String(error)).toBe(shown);
    expect(spanEvents(events)).toEqual(["open queue", "close queue"]);
  });

  it("END_WHEN_BODY_CONSUMED ends the fetch span at the response and the object's subrequest once the body was read", async () => {
    const seen: string[] = [];
    const events = await traced(async () => {
      const response = await sendFetch("http://object/", undefined, {
        open: () => {
          const outer = openActorSubrequest("a".repeat(64));
          return { span: outer?.startChild("fetch"), outer };
        },
        arrival: subrequestArrival,
        deliver: () => Promise.resolve(new Response("body")),
        end: END_WHEN_BODY_CONSUMED,
      });
      currentRecordingSpan()!.startChild("before-read").end();
      seen.push(await response.text());
      await new Promise((resolve) => setImmediate(resolve));
    });
    expect(seen).toEqual(["body"]);
    expect(spanEvents(events)).toEqual([
      "open durable_object_subrequest",
      "open fetch",
      "close fetch",
      "open before-read",
      "close before-read",
      "close durable_object_subrequest",
    ]);
  });
});
