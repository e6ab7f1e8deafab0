/**
 * Turns spans that declare a product event into events, so code that
 * already traces does not also call the analytics API:
 *
 *   span.setAttribute('analytics.event', 'payment_initiated');
 *   span.setAttribute('analytics.distinct_id', userId);
 *   span.setAttribute('analytics.property.amount', 5000);
 *
 * The event is sent when the span ends, with the span's trace and span ids.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR, EVENT_PROPERTY } from './names';
import type { AnalyticsSink } from './routes/route';

export class BusinessEventSpanProcessor implements SpanProcessor {
  constructor(private readonly sinks: AnalyticsSink[]) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    const attributes = span.attributes;
    const event = attributes[ATTR.ANALYTICS_EVENT];
    if (typeof event !== 'string' || event === '') return;

    const distinctId =
      attributes[ATTR.ANALYTICS_DISTINCT_ID] ?? attributes[ATTR.ENDUSER_ID];
    if (typeof distinctId !== 'string' || distinctId === '') return;

    const properties: Record<string, unknown> = {};
    const prefix = ATTR.ANALYTICS_PROPERTY_PREFIX;
    for (const [key, value] of Object.entries(attributes)) {
      if (key.startsWith(prefix)) properties[key.slice(prefix.length)] = value;
    }
    const spanContext = span.spanContext();
    properties[EVENT_PROPERTY.TRACE_ID] = spanContext.traceId;
    properties[EVENT_PROPERTY.SPAN_ID] = spanContext.spanId;

    for (const sink of this.sinks) {
      sink.capture({ event, distinctId, properties });
    }
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
