/**
 * Collector mode: traces go as OTLP (protobuf over HTTP) to the endpoint in
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, and the collector fans them out.
 */
import type { OtlpRouteConfig } from '../config';
import type { Route } from './route';

export function createOtlpRoute(
  otlpConfig: OtlpRouteConfig,
  exportTimeoutMillis: number,
): Route {
  const { OTLPTraceExporter } = require(
    '@opentelemetry/exporter-trace-otlp-proto',
  ) as typeof import('@opentelemetry/exporter-trace-otlp-proto');

  const spanExporter = new OTLPTraceExporter({
    url: `${otlpConfig.endpoint}/v1/traces`,
    headers: otlpConfig.headers,
    timeoutMillis: exportTimeoutMillis,
  });
  const host = new URL(otlpConfig.endpoint).host;

  return {
    name: 'otlp',
    summary: `collector: on, traces as OTLP/protobuf to ${host} (OTEL_EXPORTER_OTLP_ENDPOINT is set)`,
    spanExporter,
    shutdown: () => spanExporter.shutdown(),
  };
}
