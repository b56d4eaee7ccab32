import { describe, expect, it } from "vitest";
import { resolveOtlpConnection } from "../src/index";

describe(resolveOtlpConnection.name, () => {
  it.for([
    [{}, "http://localhost:4318/v1/traces"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }, "http://collector:4318/v1/traces"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector/otlp/" }, "https://collector/otlp/v1/traces"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:1", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b:2/t" }, "http://b:2/t"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "  " }, "http://localhost:4318/v1/traces"],
  ] as const)("resolves the URL from %o", ([env, url]) => {
    expect(resolveOtlpConnection({ env }).url).toBe(url);
  });

  it("lets options win over variables, and reads protocol, headers, service name and timeout", () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:1",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_HEADERS: "api-key=k%3D1,x=1",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x=2",
      OTEL_SERVICE_NAME: "svc",
      OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
    };
    expect(resolveOtlpConnection({ env })).toEqual({
      url: "http://a:1/v1/traces",
      protocol: "http/json",
      headers: { "api-key": "k=1", x: "2" },
      serviceName: "svc",
      timeoutMs: 2500,
    });
    expect(
      resolveOtlpConnection({
        env,
        endpoint: "http://c:3/v1/traces",
        protocol: "http/protobuf",
        headers: { X: "3" },
        serviceName: "own",
        timeoutMs: 1,
      }),
    ).toEqual({
      url: "http://c:3/v1/traces",
      protocol: "http/protobuf",
      headers: { "api-key": "k=1", x: "3" },
      serviceName: "own",
      timeoutMs: 1,
    });
    expect(resolveOtlpConnection({ env: {} })).toMatchObject({
      protocol: "http/protobuf",
      serviceName: "unknown_service",
      timeoutMs: 10000,
    });
  });

  it("throws for values it cannot use, naming the variable", () => {
    expect(() =>
      resolveOtlpConnection({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: opentelemetry: OTEL_EXPORTER_OTLP_PROTOCOL expects "http/protobuf" or "http/json", received "grpc".]`,
    );
    expect(() =>
      resolveOtlpConnection({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "collector:4318" } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: opentelemetry: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT expects an http(s) URL, received "collector:4318".]`,
    );
    expect(() =>
      resolveOtlpConnection({ env: { OTEL_EXPORTER_OTLP_HEADERS: "novalue" } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: opentelemetry: OTEL_EXPORTER_OTLP_HEADERS expects comma-separated key=value pairs, received "novalue".]`,
    );
    expect(() =>
      resolveOtlpConnection({ env: { OTEL_EXPORTER_OTLP_TIMEOUT: "soon" } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: opentelemetry: OTEL_EXPORTER_OTLP_TIMEOUT expects a positive whole number of milliseconds, received "soon".]`,
    );
  });
});
