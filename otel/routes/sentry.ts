/**
 * Sentry: spans go as OTLP to the project's OTLP traces endpoint, errors go
 * through the Sentry SDK and carry the active OpenTelemetry trace.
 *
 * The SDK is initialised without its default integrations: its HTTP and fetch
 * integrations would create a second set of spans and add `sentry-trace`
 * headers beside W3C `traceparent`. Tracing options stay unset so Sentry never
 * registers a tracer provider of its own (`@sentry/node` 11). Every event
 * and breadcrumb passes through the redaction rules before it is sent.
 */
import type { SentryRouteConfig } from '../config';
import { log } from '../diag';
import { currentRedactor, type Redactor } from '../redaction';
import {
  redactSentryBreadcrumb,
  redactSentryEvent,
} from '../redaction/sentry-event';
import type { ErrorContext, Route } from './route';

type SentryModule = typeof import('@sentry/node');

let redactionFailed = false;

/**
 * Redacts an event or breadcrumb; drops it if redaction fails, because a
 * throwing `beforeSend` makes the SDK report the failure as a new event.
 */
function redactOrDrop<T extends object>(
  item: T,
  redact: (item: T, redactor: Redactor) => T,
): T | null {
  try {
    return redact(item, currentRedactor());
  } catch (error) {
    if (!redactionFailed) {
      redactionFailed = true;
      log.error(
        `sentry: redaction failed, so the event was dropped (later failures are not logged): ${String(error)}`,
      );
    }
    return null;
  }
}

export function createSentryRoute(
  sentryConfig: SentryRouteConfig,
  exportTimeoutMillis: number,
): Route {
  // Loaded here, not at the top, so a process without SENTRY_DSN never pays
  // for the SDK.
  const Sentry: SentryModule = require('@sentry/node');
  const { OTLPTraceExporter } = require(
    '@opentelemetry/exporter-trace-otlp-proto',
  ) as typeof import('@opentelemetry/exporter-trace-otlp-proto');

  const endpoint = Sentry.getOtlpTracesEndpoint(sentryConfig.dsn);
  if (!endpoint) {
    throw new Error('SENTRY_DSN could not be parsed by the Sentry SDK');
  }

  const spanExporter = new OTLPTraceExporter({
    url: endpoint.url,
    headers: endpoint.headers,
    timeoutMillis: exportTimeoutMillis,
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
    beforeSend: (event) => redactOrDrop(event, redactSentryEvent),
    beforeBreadcrumb: (crumb) => redactOrDrop(crumb, redactSentryBreadcrumb),
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
