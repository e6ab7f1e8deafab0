/**
 * Sentry: spans go as OTLP to the project's OTLP traces endpoint, errors go
 * through the Sentry SDK and carry the active OpenTelemetry trace.
 *
 * The SDK is loaded on the first captured error, not at start-up: loading
 * `@sentry/node` 11 takes about 0.3 s and 45 MiB (Node 24, 2 cores), more
 * than the rest of the gateway. The first error therefore pays that once.
 * An app that loads `@sentry/node` itself (to add breadcrumbs, say) gets it
 * initialised as soon as it loads it.
 *
 * It is initialised without its default integrations: its HTTP and fetch
 * integrations would create a second set of spans and add `sentry-trace`
 * headers beside W3C `traceparent`, and the gateway reports uncaught
 * exceptions itself (see crash-reporter). Tracing options stay unset so
 * Sentry never registers a tracer provider of its own. Every event and
 * breadcrumb passes through the redaction rules before it is sent.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { SentryRouteConfig } from '../config';
import { log } from '../diag';
import { lazy, LazyExporter } from '../lazy';
import { currentRedactor, type Redactor } from '../redaction';
import {
  redactSentryBreadcrumb,
  redactSentryEvent,
} from '../redaction/sentry-event';
import type { ErrorContext, Route } from './route';
import { otlpTracesEndpoint } from './sentry-endpoint';

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

function initSentry(sentryConfig: SentryRouteConfig): SentryModule {
  const Sentry = require('@sentry/node') as SentryModule;
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
      Sentry.openTelemetryIntegration(),
    ],
    sendClientReports: false,
    // The SDK's own module hooks would rewrite express, NestJS, ioredis, pg
    // and Prisma beside the OpenTelemetry instrumentations. bench:where
    // measured them at about 0.2 s of module loading.
    enableRuntimeChannelInjection: false,
    beforeSend: (event) => redactOrDrop(event, redactSentryEvent),
    beforeBreadcrumb: (crumb) => redactOrDrop(crumb, redactSentryBreadcrumb),
  });
  return Sentry;
}

export function createSentryRoute(
  sentryConfig: SentryRouteConfig,
  exportTimeoutMillis: number,
): Route {
  const endpoint = otlpTracesEndpoint(sentryConfig.dsn);
  if (!endpoint) {
    throw new Error('SENTRY_DSN could not be parsed as a Sentry DSN');
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

  let loaded = false;
  const sentry = lazy(() => {
    loaded = true;
    return initSentry(sentryConfig);
  });

  const release = sentryConfig.release ? `, release ${sentryConfig.release}` : '';
  return {
    name: 'sentry',
    summary: `sentry: on, traces and errors to ${sentryConfig.host} (environment ${sentryConfig.environment}${release})`,
    spanExporter,
    lateSdk: { module: '@sentry/node', start: () => void sentry() },
    captureException(error: unknown, context?: ErrorContext) {
      try {
        return sentry().captureException(error, {
          tags: context?.tags,
          extra: context?.extra,
          user: context?.user,
        });
      } catch (captureError) {
        log.warn(`sentry: cannot capture the error: ${String(captureError)}`);
        return undefined;
      }
    },
    async shutdown() {
      await spanExporter.shutdown();
      if (loaded) await sentry().close(2000);
    },
  };
}
