import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type {
  AnalyticsEvent,
  ErrorContext,
  GatewayHandle,
  IdentifyRequest,
} from '../api';

export type { AnalyticsEvent, ErrorContext, IdentifyRequest };

export type Signal = 'traces' | 'errors' | 'logs' | 'metrics' | 'events';

/**
 * Destination of product events and source of feature flags: PostHog, or the
 * local sink. `isFeatureEnabled` resolves to `fallback` when the flag cannot
 * be evaluated.
 */
export type AnalyticsSink = Pick<
  GatewayHandle,
  'capture' | 'identify' | 'isFeatureEnabled'
>;

/**
 * One destination. The core builds a batch processor for each exporter,
 * sends captured errors to `captureException` and product events to
 * `analytics`, and awaits `shutdown` within the shutdown deadline. A route
 * never throws into the app.
 */
export interface Route {
  readonly name: string;
  /** One line for the start-up summary; secrets masked, endpoint host only. */
  readonly summary: string;
  readonly spanExporter?: SpanExporter;
  readonly logExporter?: LogRecordExporter;
  readonly metricExporter?: PushMetricExporter;
  readonly analytics?: AnalyticsSink;
  /** Returns the destination's event id, if it assigns one. */
  captureException?(error: unknown, context?: ErrorContext): string | undefined;
  /**
   * A vendor SDK the route loads late, and how to start it at once: when
   * the app loads that SDK itself, the route starts it right then, so the
   * app's own calls to the SDK work.
   */
  readonly lateSdk?: { module: string; start(): void };
  /** Items the route gave up on (queue full, backend down), if it counts them. */
  dropped?(): number;
  shutdown(): Promise<void>;
}
