/**
 * Builds the OpenTelemetry SDK from a validated configuration: resource,
 * context manager, propagators, sampler, one batch processor per route and
 * the instrumentations. Registers one set of OpenTelemetry globals, once.
 */
import { basename } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  TracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { registerHandle, type ErrorContext } from './api';
import type { GatewayConfig } from './config';
import { log } from './diag';
import { createInstrumentations } from './instrumentations';
import { ATTR, DISTRO_NAME } from './names';
import { ContextGuardPropagator } from './propagation';
import {
  createRedactor,
  currentRedactor,
  installRedactor,
  RedactingSpanProcessor,
} from './redaction';
import { createLocalRoute } from './routes/local';
import { createOtlpRoute } from './routes/otlp';
import type { Route } from './routes/route';
import { createSentryRoute } from './routes/sentry';
import { createSampler } from './sampler';
import { createShutdown, installSignalHandlers } from './shutdown';

const GATEWAY_VERSION = '0.1.0';

function createResource(config: GatewayConfig) {
  return resourceFromAttributes({
    ...config.resourceAttributes,
    [ATTR.SERVICE_NAME]: config.serviceName,
    [ATTR.SERVICE_VERSION]: config.serviceVersion,
    [ATTR.SERVICE_INSTANCE_ID]: config.instanceId,
    [ATTR.DEPLOYMENT_ENVIRONMENT]: config.environment,
    [ATTR.PROCESS_PID]: process.pid,
    [ATTR.PROCESS_COMMAND]: basename(process.argv[1] ?? process.argv0),
    [ATTR.PROCESS_RUNTIME_VERSION]: process.versions.node,
    [ATTR.TELEMETRY_SDK_NAME]: 'opentelemetry',
    [ATTR.TELEMETRY_DISTRO_NAME]: DISTRO_NAME,
    [ATTR.TELEMETRY_DISTRO_VERSION]: GATEWAY_VERSION,
  });
}

/**
 * Builds the routes. Each is isolated: one that fails to start is reported
 * and its signals fall back to the local sink.
 */
function createRoutes(config: GatewayConfig): Route[] {
  const routes: Route[] = [];
  const timeout = config.batch.exportTimeoutMillis;

  let tracesRouted = false;
  let errorsRouted = false;

  if (config.otlp) {
    try {
      routes.push(createOtlpRoute(config.otlp, timeout));
      tracesRouted = true;
    } catch (error) {
      log.error(`collector route failed to start: ${String(error)}`);
    }
  }

  if (config.sentry) {
    try {
      const sentry = createSentryRoute(config.sentry, timeout);
      // In collector mode the collector forwards traces to Sentry.
      routes.push(tracesRouted ? { ...sentry, spanExporter: undefined } : sentry);
      tracesRouted = true;
      errorsRouted = true;
    } catch (error) {
      log.error(`sentry route failed to start: ${String(error)}`);
    }
  } else {
    log.info('sentry: off (SENTRY_DSN is not set)');
  }

  if (!tracesRouted || !errorsRouted) {
    routes.push(
      createLocalRoute(config, { traces: !tracesRouted, errors: !errorsRouted }),
    );
  }
  return routes;
}

/** Paths of the exporters' own requests, which must produce no spans. */
function exportPaths(config: GatewayConfig): string[] {
  if (!config.otlp) return [];
  return [new URL(`${config.otlp.endpoint}/v1/traces`).pathname];
}

export interface Gateway {
  routes: Route[];
  shutdown(): Promise<void>;
}

export function startSdk(config: GatewayConfig): Gateway {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new ContextGuardPropagator(
      new CompositePropagator({
        propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
      }),
    ),
  );
  installRedactor(createRedactor(config.redaction));

  const routes = createRoutes(config);
  const spanProcessors: SpanProcessor[] = routes
    .filter((route) => route.spanExporter)
    .map(
      (route) =>
        new BatchSpanProcessor({ exporter: route.spanExporter!, ...config.batch }),
    );
  // Masks secrets before any export processor receives a span, so it goes first.
  spanProcessors.unshift(new RedactingSpanProcessor(currentRedactor));

  const provider = new TracerProvider({
    resource: createResource(config),
    sampler: createSampler(config.sampler),
    spanProcessors,
  });
  trace.setGlobalTracerProvider(provider);

  const instrumentations = createInstrumentations(config, exportPaths(config));
  registerInstrumentations({ instrumentations, tracerProvider: provider });

  const shutdown = createShutdown(
    () => [
      { name: 'traces', run: () => provider.shutdown() },
      ...routes.map((route) => ({ name: route.name, run: () => route.shutdown() })),
    ],
    config.shutdownTimeoutMillis,
  );
  installSignalHandlers(shutdown);

  const errorRoutes = routes.filter((route) => route.captureException);
  registerHandle({
    captureException(error: unknown, errorContext?: ErrorContext) {
      let eventId: string | undefined;
      for (const route of errorRoutes) {
        eventId = route.captureException!(error, errorContext) ?? eventId;
      }
      return eventId;
    },
    async flush() {
      await provider.forceFlush();
    },
  });

  return { routes, shutdown };
}
