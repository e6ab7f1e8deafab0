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

class PosthogMetricExporter implements PushMetricExporter {
  constructor(
    private readonly client: PostHogClient,
    private readonly distinctId: string,
  ) {}

  export(
    metrics: ResourceMetrics,
    resultCallback: (result: ExportResult) => void,
  ): void {
    const { properties, truncated } = metricsToProperties(metrics);
    if (Object.keys(properties).length > 0) {
      this.client.capture({
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
    await this.client.flush();
  }

  async shutdown(): Promise<void> {}
}

class PosthogAnalytics implements AnalyticsSink {
  constructor(private readonly client: PostHogClient) {}

  capture({ event, distinctId, properties }: AnalyticsEvent): void {
    this.client.capture({ event, distinctId, properties });
  }

  identify({ distinctId, properties }: IdentifyRequest): void {
    this.client.identify({ distinctId, properties: { $set: properties } });
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
        this.client.isFeatureEnabled(flag, distinctId),
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
    async shutdown() {
      await client.shutdown(2000);
    },
  };
}
