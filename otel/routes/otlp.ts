/**
 * Collector mode: signals go as OTLP over HTTP to an OpenTelemetry
 * Collector, which fans them out. Traces go to
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`,
 * protobuf by default and JSON on request. Logs and metrics go as protobuf
 * to `OTEL_EXPORTER_OTLP_ENDPOINT` when it is set.
 *
 * Each exporter package is loaded on its first export, off the start-up path.
 */
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpRouteConfig, OtlpTracesConfig } from '../config';
import { LazyExporter } from '../lazy';
import type { Route } from './route';

type ProtoExporterModule =
  typeof import('@opentelemetry/exporter-trace-otlp-proto');
type ExporterOptions = NonNullable<
  ConstructorParameters<ProtoExporterModule['OTLPTraceExporter']>[0]
>;

function loadExporterModule(
  protocol: OtlpTracesConfig['protocol'],
): ProtoExporterModule {
  // Both packages export an OTLPTraceExporter with the same options, and
  // only the body encoding differs. A process loads only the one it uses.
  const name =
    protocol === 'http/json'
      ? '@opentelemetry/exporter-trace-otlp-http'
      : '@opentelemetry/exporter-trace-otlp-proto';
  return require(name) as ProtoExporterModule;
}

function createSpanExporter(
  traces: OtlpTracesConfig,
  exportTimeoutMillis: number,
): SpanExporter {
  return new LazyExporter(() => {
    const { OTLPTraceExporter } = loadExporterModule(traces.protocol);
    return new OTLPTraceExporter({
      url: traces.url,
      headers: traces.headers,
      timeoutMillis: traces.timeoutMillis ?? exportTimeoutMillis,
      compression: traces.compression as ExporterOptions['compression'],
    });
  });
}

function createLogAndMetricExporters(
  endpoint: string,
  headers: Record<string, string>,
  timeoutMillis: number,
): { logExporter: LogRecordExporter; metricExporter: PushMetricExporter } {
  const options = (signal: string) => ({
    url: `${endpoint}/v1/${signal}`,
    headers,
    timeoutMillis,
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
  return { logExporter, metricExporter };
}

export function createOtlpRoute(
  otlpConfig: OtlpRouteConfig,
  exportTimeoutMillis: number,
): Route {
  const traces = otlpConfig.traces;
  const spanExporter = createSpanExporter(traces, exportTimeoutMillis);
  const others = otlpConfig.endpoint
    ? createLogAndMetricExporters(
        otlpConfig.endpoint,
        otlpConfig.headers,
        exportTimeoutMillis,
      )
    : undefined;

  const host = new URL(traces.url).host;
  const encoding = traces.protocol === 'http/json' ? 'JSON' : 'protobuf';
  const gzip = traces.compression === 'gzip' ? ', gzip' : '';
  const signals = others ? 'traces, logs and metrics' : 'traces';
  return {
    name: 'otlp',
    summary: `collector mode: on (${traces.urlVariable} is set), ${signals} as OTLP/${encoding}${gzip} to ${host}`,
    spanExporter,
    logExporter: others?.logExporter,
    metricExporter: others?.metricExporter,
    async shutdown() {
      await Promise.all([
        spanExporter.shutdown(),
        others?.logExporter.shutdown(),
        others?.metricExporter.shutdown(),
      ]);
    },
  };
}
