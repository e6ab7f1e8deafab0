/**
 * Sentry: spans go as OTLP to the project's OTLP traces endpoint, errors go
 * through the Sentry SDK and carry the active OpenTelemetry trace.
 *
 * The SDK is initialised without its default integrations: its HTTP and fetch
 * integrations would create a second set of spans and add `sentry-trace`
 * headers beside W3C `traceparent`. Tracing options stay unset so Sentry never
 * registers a tracer provider of its own (`@sentry/node` 11).
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { SentryRouteConfig } from '../config';
import { log } from '../diag';
import { LazyExporter } from '../lazy';
import type { ErrorContext, Route } from './route';

type SentryModule = typeof import('@sentry/node');

export function createSentryRoute(
  sentryConfig: SentryRouteConfig,
  exportTimeoutMillis: number,
): Route {
  // Loaded here, not at the top, so a process without SENTRY_DSN never pays
  // for the SDK.
  const Sentry: SentryModule = require('@sentry/node');
  const endpoint = Sentry.getOtlpTracesEndpoint(sentryConfig.dsn);
  if (!endpoint) {
    throw new Error('SENTRY_DSN could not be parsed by the Sentry SDK');
  }

  // The exporter package is loaded on the first export.
  const spanExporter: SpanExporter = new LazyExporter(() => {
    const { OTLPTraceExporter } = require(
      '@opentelemetry/exporter-trace-otlp-proto',
    ) as typeof import('@opentelemetry/exporter-trace-otlp-proto');
    return new OTLPTraceExporter({
      url: endpoint.url,
      headers: endpoint.headers,
      timeoutMillis: exportTimeoutMillis,
    });
  });

  Sentry.init({
    dsn: sentryConfig.dsn,
    environment: sentryConfig.environment,
    release: sentryConfig.release,
    defaultIntegrations: false,
    integrations: [
      Sentry.eventFiltersIntegration(),
      Sentry.functionToStringIntegration(),
      Sentry.linkedErrorsIntegration(),
      Sentry.dedupeIntegration(),
      Sentry.contextLinesIntegration(),
      Sentry.nodeContextIntegration(),
      Sentry.onUncaughtExceptionIntegration(),
      Sentry.onUnhandledRejectionIntegration(),
      Sentry.openTelemetryIntegration(),
    ],
    sendClientReports: false,
  });

  return {
    name: 'sentry',
    summary: `sentry: on, traces and errors to ${sentryConfig.host} (environment ${sentryConfig.environment}${sentryConfig.release ? `, release ${sentryConfig.release}` : ''})`,
    spanExporter,
    captureException(error: unknown, context?: ErrorContext) {
      try {
        return Sentry.captureException(error, {
          tags: context?.tags,
          extra: context?.extra,
          user: context?.user,
        });
      } catch (captureError) {
        log.debug(`sentry: captureException failed: ${String(captureError)}`);
        return undefined;
      }
    },
    async shutdown() {
      await Sentry.close(2000);
    },
  };
}
