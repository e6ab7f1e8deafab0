/**
 * W3C trace context for work that outlives a request. A row stores the
 * `traceparent` of the request that wrote it. Whatever later hands that row
 * to a queue does so inside that context, so the job joins the request's
 * trace. Without the gateway's preload these functions change nothing.
 */
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/** Returns the active span's `traceparent` header value, if any. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Runs `fn` as a child of `traceparent`, or in a fresh root context when
 * there is none, so unrelated rows never join the caller's trace.
 */
export function withTraceparent<T>(
  traceparent: string | null | undefined,
  fn: () => T,
): T {
  const carrier = traceparent ? { traceparent } : {};
  return context.with(propagation.extract(ROOT_CONTEXT, carrier), fn);
}

/**
 * Runs `fn` with tracing suppressed, for polling queries that find nothing
 * to do most of the time and would otherwise start a trace on every tick.
 * The result is awaited inside, because a Prisma query only starts when it
 * is awaited and would otherwise run in the caller's context.
 */
export function withoutTracing<T>(fn: () => PromiseLike<T>): Promise<T> {
  return context.with(suppressTracing(context.active()), async () => await fn());
}
