import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { ErrorContext } from '../api';

export type { ErrorContext };

/**
 * One destination. The core builds a batch processor for `spanExporter`,
 * sends captured errors to `captureException`, and awaits `shutdown` within
 * the shutdown deadline. A route never throws into the app.
 */
export interface Route {
  readonly name: string;
  /** One line for the start-up summary; secrets masked, endpoint host only. */
  readonly summary: string;
  readonly spanExporter?: SpanExporter;
  /** Returns the destination's event id, if it assigns one. */
  captureException?(error: unknown, context?: ErrorContext): string | undefined;
  shutdown(): Promise<void>;
}
