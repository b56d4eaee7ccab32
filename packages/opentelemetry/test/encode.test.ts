import { describe, expect, it } from "vitest";
import {
  createSequentialIds,
  currentUserSpan,
  reportLog,
  traceInvocation,
  type TailEvent,
} from "@workers-tracing/core-context";
import { tracing } from "@workers-tracing/user-tracing";
import { encodeTracesJson, encodeTracesProtobuf, toOtlpSpans, type OtlpSpan, type ResourceSpans } from "../src/index";
import { decodeJson, decodeProtobuf, referenceBodies } from "./otlp-reference";

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

async function sampleSpans(): Promise<OtlpSpan[]> {
  const events: TailEvent[] = [];
  const caller = await traceInvocation(
    {
      tail: events,
      ids: createSequentialIds(),
      kind: "fetch",
      info: { type: "fetch", method: "POST", url: "https://shop.example/orders/42", headers: [] },
      entrypoint: "Orders",
      attributes: [{ name: "deployment", value: "blue" }],
      returnInfo: () => ({ type: "fetch", statusCode: 201 }),
    },
    async () => {
      await tracing.enterSpan("load-cart", async (span) => {
        span.setAttributes({ "cart.id": "c-42", "cart.items": 3, ratio: 0.25, ok: true, "ünïcødé ✓": "値" });
        reportLog("info", ["loaded", { rows: 3 }]);
        const query = currentUserSpan()!.startChild("fetch");
        query.setAttribute("http.response.status_code", 200n);
        query.setAttribute("neg", -5n);
        query.end();
      });
      tracing.enterSpan("failing", (span) => {
        span.updateName("renamed");
        span.setStatus({ code: "error", message: "no stock" });
        span.recordException(new RangeError("qty > stock"));
        span.addLink({
          context: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 },
          attributes: { why: "retry" },
        });
      });
      tracing.startSpan("left-open").setAttribute("big", 2 ** 60);
      return { status: 201 };
    },
  );
  expect(caller).toEqual({ status: 201 });
  return toOtlpSpans(events);
}

describe(encodeTracesJson.name, () => {
  it("gives the request OTel's JSON serializer gives for the same spans", async () => {
    const groups: ResourceSpans[] = [
      {
        resource: { serviceName: "shop", attributes: [{ name: "cloud.provider", value: "local" }] },
        spans: await sampleSpans(),
      },
      { resource: { serviceName: "inventory" }, spans: (await sampleSpans()).slice(0, 2) },
    ];
    const ours = encodeTracesJson(groups);
    expect(decodeJson(ours)).toEqual(decodeJson(referenceBodies(groups).json));
  });

  it("hands out bodies that later calls do not overwrite, small or larger than its buffer", async () => {
    const spans = await sampleSpans();
    const small: ResourceSpans[] = [{ resource: { serviceName: "small" }, spans }];
    const large: ResourceSpans[] = [
      { resource: { serviceName: "large" }, spans: Array.from({ length: 300 }, () => spans).flat() },
    ];
    const first = encodeTracesJson(small);
    const firstText = text(first);
    const second = encodeTracesJson(large);
    expect(second.length).toBeGreaterThan(65536);
    const third = encodeTracesJson(small);
    expect(text(first)).toBe(firstText);
    expect(text(third)).toBe(firstText);
    expect(decodeJson(second)).toEqual(decodeJson(referenceBodies(large).json));
  });

  it("writes ids as hex, 64-bit integers as strings and enums as integers", async () => {
    const spans = await sampleSpans();
    const request = JSON.parse(text(encodeTracesJson([{ resource: { serviceName: "shop" }, spans }]))) as {
      resourceSpans: { scopeSpans: { scope: unknown; spans: Record<string, unknown>[] }[] }[];
    };
    const scope = request.resourceSpans[0]!.scopeSpans[0]!;
    expect(scope.scope).toEqual({ name: "@workers-tracing/opentelemetry", version: expect.any(String) as string });
    const fetch = scope.spans.find((s) => s["name"] === "fetch")!;
    expect(fetch).toMatchObject({
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/) as string,
      kind: 3,
      startTimeUnixNano: expect.stringMatching(/^\d+000000$/) as string,
      attributes: [
        { key: "http.response.status_code", value: { intValue: "200" } },
        { key: "neg", value: { intValue: "-5" } },
      ],
    });
  });

  it("escapes what JSON strings cannot hold and writes UTF-8", () => {
    const name = 'q"b\\\n\u0001 ünï ✓ 😀 \ud800';
    const span: OtlpSpan = {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      parentSpanId: undefined,
      name,
      kind: 1,
      startTimeMs: 1,
      endTimeMs: 2,
      attributes: [{ name, value: name }],
      events: [],
      links: [],
      status: { code: 2, message: name },
      flags: 0x101,
    };
    const bytes = encodeTracesJson([{ resource: { serviceName: name }, spans: [span] }]);
    const decoded = JSON.parse(text(bytes)) as {
      resourceSpans: [{ scopeSpans: [{ spans: [Record<string, unknown>] }] }];
    };
    expect(text(bytes)).toContain(String.raw`q\"b\\\n\u0001 ünï ✓ 😀 \ud800`);
    expect(decoded.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({
      name,
      attributes: [{ key: name, value: { stringValue: name } }],
      status: { code: 2, message: name },
    });
  });

  it("spells doubles that JSON cannot hold as proto3 JSON does", () => {
    const span: OtlpSpan = {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      parentSpanId: undefined,
      name: "n",
      kind: 1,
      startTimeMs: 0,
      endTimeMs: 1.5,
      attributes: [
        { name: "nan", value: Number.NaN },
        { name: "inf", value: -Infinity },
        { name: "list", value: [1, 2.5] },
      ],
      events: [],
      links: [],
      status: { code: 0 },
      flags: 0x101,
    };
    const encoded = JSON.parse(text(encodeTracesJson([{ resource: { serviceName: "s" }, spans: [span] }]))) as {
      resourceSpans: [{ scopeSpans: [{ spans: [Record<string, unknown>] }] }];
    };
    expect(encoded.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({
      startTimeUnixNano: "0",
      endTimeUnixNano: "1500000",
      attributes: [
        { key: "nan", value: { doubleValue: "NaN" } },
        { key: "inf", value: { doubleValue: "-Infinity" } },
        { key: "list", value: { arrayValue: { values: [{ intValue: "1" }, { doubleValue: 2.5 }] } } },
      ],
    });
  });
});

describe(encodeTracesProtobuf.name, () => {
  it("gives a request that decodes to what OTel's protobuf serializer gives for the same spans", async () => {
    const groups: ResourceSpans[] = [
      {
        resource: { serviceName: "shop", attributes: [{ name: "cloud.provider", value: "local" }] },
        spans: await sampleSpans(),
      },
      { resource: { serviceName: "inventory" }, spans: (await sampleSpans()).slice(0, 2) },
    ];
    const ours = encodeTracesProtobuf(groups);
    const reference = decodeProtobuf(referenceBodies(groups).protobuf);
    expect(decodeProtobuf(ours)).toEqual(reference);
    // And JSON and protobuf carry the same message.
    expect(decodeJson(encodeTracesJson(groups))).toEqual(reference);
  });

  it("encodes a batch larger than its first buffer", async () => {
    const spans = await sampleSpans();
    const many = Array.from({ length: 300 }, () => spans).flat();
    const groups = [{ resource: { serviceName: "shop" }, spans: many }];
    const ours = encodeTracesProtobuf(groups);
    expect(ours.length).toBeGreaterThan(65536);
    expect(decodeProtobuf(ours)).toEqual(decodeProtobuf(referenceBodies(groups).protobuf));
  });
});
