/**
 * Collector mode: traces go as OTLP over HTTP to the endpoint in
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`, and
 * the collector fans them out. Protobuf by default, JSON on request.
 */
import type { OtlpRouteConfig, OtlpTracesConfig } from '../config';
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

export function createOtlpRoute(
  otlpConfig: OtlpRouteConfig,
  exportTimeoutMillis: number,
): Route {
  const traces = otlpConfig.traces;
  const { OTLPTraceExporter } = loadExporterModule(traces.protocol);

  const spanExporter = new OTLPTraceExporter({
    url: traces.url,
    headers: traces.headers,
    timeoutMillis: traces.timeoutMillis ?? exportTimeoutMillis,
    compression: traces.compression as ExporterOptions['compression'],
  });
  const host = new URL(traces.url).host;
  const encoding = traces.protocol === 'http/json' ? 'JSON' : 'protobuf';
  const gzip = traces.compression === 'gzip' ? ', gzip' : '';

  return {
    name: 'otlp',
    summary: `collector mode: on (${traces.urlVariable} is set), traces as OTLP/${encoding}${gzip} to ${host}`,
    spanExporter,
    shutdown: () => spanExporter.shutdown(),
  };
}
