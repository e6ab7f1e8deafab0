import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Fields every log record of a request or job carries as attributes. One
 * object per request or job; code deeper down adds to it as it learns more
 * (for example the transaction reference).
 */
export interface LogContext {
  requestId?: string;
  userId?: string;
  transactionId?: string;
  transactionReference?: string;
  jobId?: string;
  queue?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...fields }, fn);
}

/** Adds fields to the current request's or job's context, if there is one. */
export function addLogContext(fields: LogContext): void {
  const current = storage.getStore();
  if (current) Object.assign(current, fields);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/** Converts the context to log attributes, named after OpenTelemetry conventions where they exist. */
export function logContextAttributes(
  context: LogContext | undefined,
): Record<string, string> {
  if (!context) return {};
  const attributes: Record<string, string> = {};
  if (context.requestId) attributes['http.request.id'] = context.requestId;
  if (context.userId) attributes['user.id'] = context.userId;
  if (context.transactionId) attributes['payment.transaction.id'] = context.transactionId;
  if (context.transactionReference) {
    attributes['payment.transaction.reference'] = context.transactionReference;
  }
  if (context.jobId) attributes['messaging.message.id'] = context.jobId;
  if (context.queue) attributes['messaging.destination.name'] = context.queue;
  return attributes;
}
