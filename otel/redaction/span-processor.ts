import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { log } from '../diag';
import type { Redactor } from './redactor';
import { MASK } from './value-rules';

type EventWithAttributes = { attributes?: ReadableSpan['attributes'] };

function maskAll(attributes: ReadableSpan['attributes']): ReadableSpan['attributes'] {
  return Object.fromEntries(Object.keys(attributes).map((key) => [key, MASK]));
}

/**
 * Fails closed when redaction itself fails: every attribute value, event and
 * link attribute and the status message is masked. The name is kept.
 */
function maskEverything(span: Span): void {
  for (const key of Object.keys(span.attributes)) span.setAttribute(key, MASK);
  for (const item of [...span.events, ...span.links] as EventWithAttributes[]) {
    if (item.attributes) item.attributes = maskAll(item.attributes);
  }
  if (span.status.code === SpanStatusCode.ERROR) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: MASK });
  }
}

/**
 * Masks secrets in a span while it is still writable, before any export
 * processor receives it. `onEnding` runs inside `span.end()`, before the span is
 * frozen and before every processor's `onEnd` (`@opentelemetry/sdk-trace`
 * 3.1, where the hook is marked experimental: the version is pinned in
 * package.json and the redaction tests fail if the hook stops being
 * called). Place this processor first.
 *
 * Covered: attributes, span event attributes (exception messages and stack
 * traces, BullMQ's job result and failure reason), link attributes, the
 * status message and the span name. Resource attributes are left alone:
 * they come from configuration, not from requests.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  private warned = false;

  constructor(private readonly redactor: () => Redactor) {}

  onStart(): void {}

  onEnding(span: Span): void {
    try {
      this.redact(span, this.redactor());
    } catch (error) {
      this.warnOnce(span, error);
      maskEverything(span);
    }
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private redact(span: Span, redactor: Redactor): void {
    const attributes = span.attributes;
    for (const key of Object.keys(attributes)) {
      const value = attributes[key];
      const redacted = redactor.redactAttributeValue(key, value);
      if (redacted !== value && redacted !== undefined) {
        span.setAttribute(key, redacted);
      }
    }
    // Events and links have no setter; their attribute maps belong to the
    // span, so replacing them is safe.
    for (const item of [...span.events, ...span.links] as EventWithAttributes[]) {
      if (item.attributes) item.attributes = redactor.redactAttributes(item.attributes);
    }

    const { code, message } = span.status;
    if (code === SpanStatusCode.ERROR && message) {
      const redacted = redactor.redactString(message);
      if (redacted !== message) span.setStatus({ code, message: redacted });
    }
    const name = redactor.redactString(span.name);
    if (name !== span.name) span.updateName(name);
  }

  private warnOnce(span: Span, error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const { traceId, spanId } = span.spanContext();
    log.error(
      `redaction: failed on span ${spanId} of trace ${traceId}, so all its attribute values were masked (later failures are not logged): ${String(error)}`,
    );
  }
}
