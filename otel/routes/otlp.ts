/**
 * Collector mode: traces, logs and metrics go as OTLP (protobuf over HTTP)
 * to the endpoint in `OTEL_EXPORTER_OTLP_ENDPOINT`, and the collector fans
 * them out to the vendors.
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
  const { OTLPLogExporter } = require(
    '@opentelemetry/exporter-logs-otlp-proto',
  ) as typeof import('@opentelemetry/exporter-logs-otlp-proto');
  const { OTLPMetricExporter } = require(
    '@opentelemetry/exporter-metrics-otlp-proto',
  ) as typeof import('@opentelemetry/exporter-metrics-otlp-proto');

  const options = (signal: string) => ({
    url: `${otlpConfig.endpoint}/v1/${signal}`,
    headers: otlpConfig.headers,
    timeoutMillis: exportTimeoutMillis,
  });
  const spanExporter = new OTLPTraceExporter(options('traces'));
  const logExporter = new OTLPLogExporter(options('logs'));
  const metricExporter = new OTLPMetricExporter(options('metrics'));
  const host = new URL(otlpConfig.endpoint).host;

  return {
    name: 'otlp',
    summary: `collector: on, traces, logs and metrics as OTLP/protobuf to ${host} (OTEL_EXPORTER_OTLP_ENDPOINT is set)`,
    spanExporter,
    logExporter,
    metricExporter,
    async shutdown() {
      await Promise.all([
        spanExporter.shutdown(),
        logExporter.shutdown(),
        metricExporter.shutdown(),
      ]);
    },
  };
}
