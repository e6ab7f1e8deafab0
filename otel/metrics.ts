/**
 * The OpenTelemetry Metrics SDK: one periodic reader per route that takes
 * metrics, at `TELEMETRY_METRICS_INTERVAL_MS`. Registered globally, so the
 * http instrumentation records `http.server.request.duration` and BullMQ's
 * telemetry records job counts and durations into it.
 */
import { metrics } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { GatewayConfig } from './config';
import { DISTRO_NAME } from './names';
import type { Route } from './routes/route';
import { registerRuntimeMetrics } from './runtime-metrics';

export interface MetricsHandle {
  provider: MeterProvider;
  shutdown(): Promise<void>;
}

export function startMetrics(
  config: GatewayConfig,
  resource: Resource,
  routes: Route[],
): MetricsHandle {
  const readers = routes
    .filter((route) => route.metricExporter)
    .map(
      (route) =>
        new PeriodicExportingMetricReader({
          exporter: route.metricExporter!,
          exportIntervalMillis: config.metricsIntervalMillis,
          exportTimeoutMillis: Math.min(
            config.batch.exportTimeoutMillis,
            config.metricsIntervalMillis,
          ),
        }),
    );
  const provider = new MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(provider);
  const stopRuntime = registerRuntimeMetrics(provider.getMeter(DISTRO_NAME));

  return {
    provider,
    async shutdown() {
      stopRuntime();
      await provider.shutdown();
    },
  };
}
