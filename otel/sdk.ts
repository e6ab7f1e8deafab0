/**
 * Builds the OpenTelemetry SDK from a validated configuration: resource,
 * context manager, propagators, sampler, the trace, log and metric
 * pipelines with one exporter per route, and the instrumentations.
 * Registers one set of OpenTelemetry globals, once.
 */
import { basename } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  setGlobalErrorHandler,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { registerHandle, type AnalyticsEvent, type ErrorContext } from './api';
import { BoundedSpanProcessor } from './bounded-batch';
import { BusinessEventSpanProcessor } from './business-events';
import { installCrashReporter } from './crash-reporter';
import type { GatewayConfig } from './config';
import { log, logSdkError } from './diag';
import { createInstrumentations, ModuleLoadHook } from './instrumentations';
import { startLogs } from './logs';
import { startMetrics } from './metrics';
import { ATTR, DISTRO_NAME, EVENT_PROPERTY } from './names';
import { ContextGuardPropagator } from './propagation';
import {
  createRedactor,
  currentRedactor,
  installRedactor,
  RedactingSpanProcessor,
  redactObject,
  redactString,
} from './redaction';
import type { AnalyticsSink, Route } from './routes/route';
import { createRoutes } from './routing';
import { createSampler } from './sampler';
import { createShutdown, installSignalHandlers } from './shutdown';

const GATEWAY_VERSION = '0.1.0';

function createResource(config: GatewayConfig): Resource {
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

/** Paths of the exporters' own requests, which must produce no spans. */
function exportPaths(config: GatewayConfig): string[] {
  const otlp = config.otlp;
  if (!otlp) return [];
  const paths = [new URL(otlp.traces.url).pathname];
  if (otlp.endpoint) {
    for (const signal of ['logs', 'metrics']) {
      paths.push(new URL(`${otlp.endpoint}/v1/${signal}`).pathname);
    }
  }
  return paths;
}

function startTraces(
  config: GatewayConfig,
  resource: Resource,
  routes: Route[],
  analytics: AnalyticsSink[],
): { provider: TracerProvider; exporters: BoundedSpanProcessor[] } {
  // Masks secrets before any other processor receives the ended span.
  const spanProcessors: SpanProcessor[] = [
    new RedactingSpanProcessor(currentRedactor),
  ];
  if (analytics.length > 0) {
    spanProcessors.push(new BusinessEventSpanProcessor(analytics));
  }
  const exporters = routes
    .filter((route) => route.spanExporter)
    .map(
      (route) =>
        new BoundedSpanProcessor(
          `${route.name} traces`,
          route.spanExporter!,
          config.batch,
        ),
    );
  spanProcessors.push(...exporters);
  const provider = new TracerProvider({
    resource,
    sampler: createSampler(config.sampler),
    spanProcessors,
  });
  trace.setGlobalTracerProvider(provider);
  return { provider, exporters };
}

/** Logs, once, how many items each pipeline and route gave up on. */
function reportDrops(
  processors: { dropped: number; name?: string }[],
  routes: Route[],
): void {
  for (const processor of processors) {
    if (processor.dropped > 0) {
      log.warn(`${processor.name}: dropped ${processor.dropped} item(s) while the queue was full`);
    }
  }
  for (const route of routes) {
    const dropped = route.dropped?.() ?? 0;
    if (dropped > 0) log.warn(`${route.name}: dropped ${dropped} item(s) it could not send`);
  }
}

/** Adds the trace id and the service to every product event. */
function withTraceContext(
  config: GatewayConfig,
  event: AnalyticsEvent,
): AnalyticsEvent {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return {
    ...event,
    properties: {
      [EVENT_PROPERTY.SERVICE]: config.serviceName,
      [EVENT_PROPERTY.ENVIRONMENT]: config.environment,
      ...(spanContext ? { [EVENT_PROPERTY.TRACE_ID]: spanContext.traceId } : {}),
      ...event.properties,
    },
  };
}

function registerGatewayHandle(
  config: GatewayConfig,
  routes: Route[],
  flush: () => Promise<void>,
): void {
  const errorRoutes = routes.filter((route) => route.captureException);
  const analytics = routes.flatMap((route) => route.analytics ?? []);

  registerHandle({
    captureException(error: unknown, errorContext?: ErrorContext) {
      let eventId: string | undefined;
      for (const route of errorRoutes) {
        eventId = route.captureException!(error, errorContext) ?? eventId;
      }
      return eventId;
    },
    // A distinct id is whatever the app passes, a card number included.
    capture(event) {
      const enriched = withTraceContext(config, {
        ...event,
        distinctId: redactString(event.distinctId),
        properties: redactObject(event.properties ?? {}),
      });
      for (const sink of analytics) sink.capture(enriched);
    },
    identify(request) {
      const redacted = {
        ...request,
        distinctId: redactString(request.distinctId),
        properties: redactObject(request.properties),
      };
      for (const sink of analytics) sink.identify(redacted);
    },
    async isFeatureEnabled(flag, distinctId, fallback) {
      const sink = analytics[0];
      if (!sink) return fallback;
      return sink.isFeatureEnabled(flag, redactString(distinctId), fallback);
    },
    sanitize: (value) => redactObject(value),
    flush,
  });
}

export interface Gateway {
  routes: Route[];
  shutdown(): Promise<void>;
}

export function startSdk(config: GatewayConfig): Gateway {
  if (config.sourceMaps) process.setSourceMapsEnabled(true);
  setGlobalErrorHandler(logSdkError);

  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  // The guard keeps trace context off hosts TELEMETRY_PROPAGATE_TO does not
  // allow, and personal data out of baggage.
  propagation.setGlobalPropagator(
    new ContextGuardPropagator(
      new CompositePropagator({
        propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
      }),
    ),
  );
  installRedactor(createRedactor(config.redaction));

  const resource = createResource(config);
  const routes = createRoutes(config);
  const analytics = routes.flatMap((route) => route.analytics ?? []);

  const traces = startTraces(config, resource, routes, analytics);
  const tracerProvider = traces.provider;
  const logs = startLogs(config, resource, routes);
  const loggerProvider = logs.provider;
  const meters = startMetrics(config, resource, routes);

  const instrumentations = createInstrumentations(config, exportPaths(config));
  for (const route of routes) {
    if (route.lateSdk) {
      instrumentations.push(
        new ModuleLoadHook(route.lateSdk.module, route.lateSdk.start),
      );
    }
  }
  registerInstrumentations({
    instrumentations,
    tracerProvider,
    meterProvider: meters.provider,
  });

  // Providers flush their batches into the routes first, then each route
  // sends what it has queued and closes.
  const shutdown = createShutdown(
    () => [
      [
        { name: 'traces', run: () => tracerProvider.shutdown() },
        { name: 'logs', run: () => loggerProvider.shutdown() },
        { name: 'metrics', run: () => meters.shutdown() },
      ],
      routes.map((route) => ({ name: route.name, run: () => route.shutdown() })),
      [
        {
          name: 'drop report',
          run: async () =>
            reportDrops([...traces.exporters, ...logs.processors], routes),
        },
      ],
    ],
    config.shutdownTimeoutMillis,
  );
  installSignalHandlers(shutdown);
  installCrashReporter(
    (error) => {
      for (const route of routes) route.captureException?.(error);
    },
    shutdown,
  );

  registerGatewayHandle(config, routes, async () => {
    await Promise.all([
      tracerProvider.forceFlush(),
      loggerProvider.forceFlush(),
      meters.provider.forceFlush(),
    ]);
  });

  return { routes, shutdown };
}
