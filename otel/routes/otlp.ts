/**
 * Collector mode: traces, logs and metrics go as OTLP (protobuf over HTTP)
 * to the endpoint in `OTEL_EXPORTER_OTLP_ENDPOINT`, and the collector fans
 * them out to the vendors.
 */
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpRouteConfig } from '../config';
import { LazyExporter } from '../lazy';
import type { Route } from './route';

export function createOtlpRoute(
  otlpConfig: OtlpRouteConfig,
  exportTimeoutMillis: number,
): Route {
  const options = (signal: string) => ({
    url: `${otlpConfig.endpoint}/v1/${signal}`,
    headers: otlpConfig.headers,
    timeoutMillis: exportTimeoutMillis,
  });
  // Each exporter package is loaded on its first export, off the start-up path.
  const spanExporter: SpanExporter = new LazyExporter(() => {
    const { OTLPTraceExporter } = require(
      '@opentelemetry/exporter-trace-otlp-proto',
    ) as typeof import('@opentelemetry/exporter-trace-otlp-proto');
    return new OTLPTraceExporter(options('traces'));
  });
  const logExporter: LogRecordExporter = new LazyExporter(() => {
    const { OTLPLogExporter } = require(
      '@opentelemetry/exporter-logs-otlp-proto',
    ) as typeof import('@opentelemetry/exporter-logs-otlp-proto');
    return new OTLPLogExporter(options('logs'));
  });
  // Cumulative temporality, the OTLP exporter's default, needs no package.
  const metricExporter: PushMetricExporter = new LazyExporter(() => {
    const { OTLPMetricExporter } = require(
      '@opentelemetry/exporter-metrics-otlp-proto',
    ) as typeof import('@opentelemetry/exporter-metrics-otlp-proto');
    return new OTLPMetricExporter(options('metrics'));
  });
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
