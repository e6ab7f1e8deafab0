/**
 * PostHog: product events and feature flags through `posthog-node`, and
 * metrics as product events.
 *
 * Metrics mapping: each export interval becomes ONE `service_metrics` event
 * per process, its properties the interval's data points (delta temporality),
 * sent without a person profile. PostHog bills per event, so the cost is
 * fixed whatever the traffic: at the default 60 s interval, 1 event per
 * minute per process, 2 for the API plus one worker. PostHog's OTLP intake
 * takes logs only, which is why metrics are not sent as OTLP.
 *
 * Memory stays bounded: the SDK keeps at most `MAX_QUEUE_SIZE` events and
 * drops the oldest past that.
 *
 * `posthog-node` is loaded on the turn of the event loop after the first
 * event is captured, so not inside the request that captured it, or when a
 * flag is first read. A process that never sends an event never loads it.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { GatewayConfig, PosthogRouteConfig } from '../config';
import { log } from '../diag';
import { metricsToProperties } from './metric-events';
import type { AnalyticsEvent, AnalyticsSink, IdentifyRequest, Route } from './route';

type PostHogModule = typeof import('posthog-node');
type PostHogClient = InstanceType<PostHogModule['PostHog']>;

const MAX_QUEUE_SIZE = 1000;
const FLAG_TIMEOUT_MS = 1500;

export const METRICS_EVENT = 'service_metrics';

/** Loads and configures the PostHog client on first use. */
class ClientLoader {
  private client?: PostHogClient;
  private pending: ((client: PostHogClient) => void)[] = [];
  private scheduled = false;
  private droppedCount = 0;

  constructor(private readonly build: () => PostHogClient) {}

  get dropped(): number {
    return this.droppedCount;
  }

  get loaded(): PostHogClient | undefined {
    return this.client;
  }

  /** Returns the client, loading it now if needed. */
  get(): PostHogClient {
    if (!this.client) {
      this.client = this.build();
      const queued = this.pending;
      this.pending = [];
      for (const run of queued) run(this.client);
    }
    return this.client;
  }

  /** Sends what is queued and closes; loads the client only if needed. */
  async close(timeoutMillis: number): Promise<void> {
    if (!this.client && this.pending.length === 0) return;
    await this.get().shutdown(timeoutMillis);
  }

  /** Runs `task` with the client now, or once it has loaded. */
  use(task: (client: PostHogClient) => void): void {
    if (this.client) {
      task(this.client);
      return;
    }
    if (this.pending.length >= MAX_QUEUE_SIZE) {
      this.pending.shift();
      this.droppedCount++;
    }
    this.pending.push(task);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      try {
        this.get();
      } catch (error) {
        log.error(`posthog: cannot load posthog-node; events are dropped: ${String(error)}`);
        this.droppedCount += this.pending.length;
        this.pending = [];
      }
    });
  }
}

class PosthogMetricExporter implements PushMetricExporter {
  constructor(
    private readonly client: ClientLoader,
    private readonly distinctId: string,
  ) {}

  export(
    metrics: ResourceMetrics,
    resultCallback: (result: ExportResult) => void,
  ): void {
    const { properties, truncated } = metricsToProperties(metrics);
    if (Object.keys(properties).length > 0) {
      this.client.get().capture({
        distinctId: this.distinctId,
        event: METRICS_EVENT,
        properties: {
          ...properties,
          ...(truncated ? { metrics_truncated: true } : {}),
          $process_person_profile: false,
        },
      });
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.DELTA;
  }

  async forceFlush(): Promise<void> {
    await this.client.loaded?.flush();
  }

  async shutdown(): Promise<void> {}
}

class PosthogAnalytics implements AnalyticsSink {
  constructor(private readonly client: ClientLoader) {}

  capture({ event, distinctId, properties }: AnalyticsEvent): void {
    this.client.use((client) => client.capture({ event, distinctId, properties }));
  }

  identify({ distinctId, properties }: IdentifyRequest): void {
    this.client.use((client) =>
      client.identify({ distinctId, properties: { $set: properties } }),
    );
  }

  async isFeatureEnabled(
    flag: string,
    distinctId: string,
    fallback: boolean,
  ): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), FLAG_TIMEOUT_MS).unref();
    });
    try {
      const value = await Promise.race([
        this.client.get().isFeatureEnabled(flag, distinctId),
        timeout,
      ]);
      return value ?? fallback;
    } catch (error) {
      log.debug(`posthog: flag ${flag} not evaluated: ${String(error)}`);
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function createPosthogRoute(
  posthogConfig: PosthogRouteConfig,
  config: GatewayConfig,
  options: { metrics: boolean },
): Route {
  const client = new ClientLoader(() => createClient(posthogConfig));
  const host = new URL(posthogConfig.host).host;
  const flags = posthogConfig.secretKey ? 'local flag evaluation' : 'remote flag evaluation';
  return {
    name: 'posthog',
    summary: `posthog: on, events${options.metrics ? ' and metrics' : ''} to ${host} (${flags})`,
    analytics: new PosthogAnalytics(client),
    metricExporter: options.metrics
      ? new PosthogMetricExporter(
          client,
          `service:${config.serviceName}:${config.instanceId}`,
        )
      : undefined,
    dropped: () => client.dropped,
    shutdown: () => client.close(2000),
  };
}

function createClient(posthogConfig: PosthogRouteConfig): PostHogClient {
  const { PostHog } = require('posthog-node') as PostHogModule;
  const client = new PostHog(posthogConfig.apiKey, {
    host: posthogConfig.host,
    flushAt: 50,
    flushInterval: 2000,
    maxQueueSize: MAX_QUEUE_SIZE,
    requestTimeout: 5000,
    fetchRetryCount: 2,
    disableGeoip: true,
    ...(posthogConfig.secretKey
      ? { secretKey: posthogConfig.secretKey, enableLocalEvaluation: true }
      : {}),
    featureFlagsRequestTimeoutMs: FLAG_TIMEOUT_MS,
  });
  // The client reports failed sends as 'error' events; without a listener
  // they would be thrown.
  client.on('error', (error: unknown) => {
    log.debug(`posthog: send failed: ${String(error)}`);
  });
  quietBackgroundFlushes(client);
  return client;
}

/**
 * `@posthog/core` prints every failed background flush with `console.error`,
 * stack included, once per flush interval while PostHog is down. This
 * replaces the client's `flushBackground` (what its flush timer and
 * `flushAt` call) with the same flush that logs one warning when sending
 * starts to fail and one line when it works again. A failed flush at
 * shutdown is still printed by the SDK.
 */
function quietBackgroundFlushes(client: PostHogClient): void {
  const target = client as unknown as {
    flushBackground?: () => void;
    flushAutomatic?: () => Promise<unknown>;
    pendingFlushPromise?: unknown;
  };
  if (typeof target.flushBackground !== 'function') return;
  if (typeof target.flushAutomatic !== 'function') return;
  let failing = false;
  target.flushBackground = function (this: typeof target) {
    if (this.pendingFlushPromise) return;
    this.flushAutomatic!().then(
      () => {
        if (!failing) return;
        failing = false;
        log.info('posthog: sending events succeeded again');
      },
      (error: unknown) => {
        if (failing) return;
        failing = true;
        const message = error instanceof Error ? error.message : String(error);
        log.warn(
          `posthog: sending events failed (${message}); they stay queued (up to ${MAX_QUEUE_SIZE}), and further failures are not logged until a send succeeds`,
        );
      },
    );
  };
}
