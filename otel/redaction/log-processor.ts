import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { log } from '../diag';
import type { Redactor } from './redactor';
import { MASK } from './value-rules';

/**
 * Masks secrets in a log record's body and attributes while it is still
 * writable, before any export processor receives it: the Logs SDK calls
 * processors in order and freezes the record after the last one. Place this
 * processor first. When redaction itself fails, the body and every
 * attribute value are masked.
 */
export class RedactingLogRecordProcessor implements LogRecordProcessor {
  private warned = false;

  constructor(private readonly redactor: () => Redactor) {}

  onEmit(record: ReadWriteLogRecord, _context?: Context): void {
    try {
      const redactor = this.redactor();
      const body = record.body;
      if (typeof body === 'string') {
        record.setBody(redactor.redactString(body));
      } else if (body !== undefined && body !== null) {
        record.setBody(redactor.redactObject(body));
      }
      const attributes = record.attributes;
      const redacted = redactor.redactAttributes(attributes);
      if (redacted !== attributes) {
        for (const [key, value] of Object.entries(redacted)) {
          record.setAttribute(key, value);
        }
      }
    } catch (error) {
      if (!this.warned) {
        this.warned = true;
        log.error(`redaction of a log record failed, so it was masked whole (later failures are not logged): ${String(error)}`);
      }
      record.setBody(MASK);
      for (const key of Object.keys(record.attributes)) record.setAttribute(key, MASK);
    }
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
