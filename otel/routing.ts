/**
 * Decides which route serves each signal. A route is on when its
 * credentials are set and it started; a signal no route serves goes to the
 * local sink. Each route starts in isolation: one that fails is reported and
 * its signals fall back.
 *
 *   traces   collector, else Sentry, else local
 *   errors   Sentry, else local
 *   logs     collector, else Better Stack, else local
 *   metrics  collector, else PostHog (as events), else local
 *   events   PostHog, else local
 */
import type { GatewayConfig } from './config';
import { log } from './diag';
import { createLocalRoute } from './routes/local';
import { createLogtailRoute } from './routes/logtail';
import { createOtlpRoute } from './routes/otlp';
import { createPosthogRoute } from './routes/posthog';
import type { Route, Signal } from './routes/route';
import { createSentryRoute } from './routes/sentry';

function tryStart(name: string, start: () => Route): Route | undefined {
  try {
    return start();
  } catch (error) {
    log.error(`${name} route failed to start; its signals go to the local sink: ${String(error)}`);
    return undefined;
  }
}

function without<K extends keyof Route>(route: Route, key: K): Route {
  return { ...route, [key]: undefined };
}

export function createRoutes(config: GatewayConfig): Route[] {
  const routes: Route[] = [];
  const served = new Set<Signal>();
  const timeout = config.batch.exportTimeoutMillis;

  const otlp = config.otlp
    ? tryStart('collector', () => createOtlpRoute(config.otlp!, timeout))
    : undefined;
  if (otlp) {
    routes.push(otlp);
    served.add('traces');
    if (otlp.logExporter) served.add('logs');
    if (otlp.metricExporter) served.add('metrics');
  } else if (!config.otlp) {
    log.info(
      'collector mode: off (no usable OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)',
    );
  }

  if (config.sentry) {
    const sentryConfig = {
      ...config.sentry,
      release: config.sentry.release ?? config.serviceVersion,
    };
    let sentry = tryStart('sentry', () => createSentryRoute(sentryConfig, timeout));
    if (sentry) {
      // In collector mode the collector forwards traces to Sentry.
      if (served.has('traces')) {
        sentry = {
          ...without(sentry, 'spanExporter'),
          summary: `${sentry.summary}; traces go to the collector instead`,
        };
      }
      routes.push(sentry);
      served.add('traces').add('errors');
    }
  } else if (!config.rejected.has('SENTRY_DSN')) {
    log.info('sentry: off (SENTRY_DSN is not set)');
  }

  if (config.logtail) {
    if (served.has('logs')) {
      log.info('better stack: logs go through the collector (OTEL_EXPORTER_OTLP_ENDPOINT is set)');
    } else {
      const logtail = tryStart('better stack', () =>
        createLogtailRoute(config.logtail!, config),
      );
      if (logtail) {
        routes.push(logtail);
        served.add('logs');
      }
    }
  } else {
    log.info('better stack: off (LOGTAIL_SOURCE_TOKEN is not set)');
  }

  if (config.posthog) {
    const posthog = tryStart('posthog', () =>
      createPosthogRoute(config.posthog!, config, {
        metrics: !served.has('metrics'),
      }),
    );
    if (posthog) {
      routes.push(posthog);
      served.add('events');
      if (posthog.metricExporter) served.add('metrics');
    }
  } else {
    log.info('posthog: off (POSTHOG_API_KEY is not set)');
  }

  const all: Signal[] = ['traces', 'errors', 'logs', 'metrics', 'events'];
  const local = new Set(all.filter((signal) => !served.has(signal)));
  if (local.size > 0) routes.push(createLocalRoute(config, local));
  return routes;
}
