/**
 * The gateway's public surface for application code. It works with or without
 * the preload: without it, every call is a cheap no-op (feature flags return
 * their fallback, `sanitize` applies the built-in redaction rules). It loads
 * nothing at import, so an app can depend on it without loading the SDK.
 */

/** Context attached to a captured error; values must already be safe to send. */
export interface ErrorContext {
  tags?: Record<string, string>;
  extra?: Record<string, unknown>;
  user?: { id: string };
}

/** A product event, as PostHog models it. */
export interface AnalyticsEvent {
  event: string;
  distinctId: string;
  properties?: Record<string, unknown>;
}

/** Person properties to set for a user. */
export interface IdentifyRequest {
  distinctId: string;
  properties: Record<string, unknown>;
}

/** The object the preload registers when it starts. */
export interface GatewayHandle {
  captureException(error: unknown, context?: ErrorContext): string | undefined;
  capture(event: AnalyticsEvent): void;
  identify(request: IdentifyRequest): void;
  isFeatureEnabled(
    flag: string,
    distinctId: string,
    fallback: boolean,
  ): Promise<boolean>;
  /** Returns a copy of `value` with secrets masked by the redaction rules. */
  sanitize<T>(value: T): T;
  flush(): Promise<void>;
}

const HANDLE_KEY = Symbol.for('otel-gateway.handle');

type GlobalWithHandle = typeof globalThis & { [HANDLE_KEY]?: GatewayHandle };

/** Used by the preload; applications do not call it. */
export function registerHandle(handle: GatewayHandle): void {
  (globalThis as GlobalWithHandle)[HANDLE_KEY] = handle;
}

function handle(): GatewayHandle | undefined {
  return (globalThis as GlobalWithHandle)[HANDLE_KEY];
}

/** True when the preload started and telemetry is flowing. */
export function isActive(): boolean {
  return handle() !== undefined;
}

/**
 * Sends an error to the error route (Sentry, or the local sink), linked to
 * the active trace. Returns the destination's event id when it assigns one.
 */
export function captureException(
  error: unknown,
  context?: ErrorContext,
): string | undefined {
  try {
    return handle()?.captureException(error, context);
  } catch {
    return undefined;
  }
}

/** Records a product event (PostHog, or the local sink), with the trace id. */
export function capture(event: AnalyticsEvent): void {
  try {
    handle()?.capture(event);
  } catch {
    // a telemetry failure never reaches the app
  }
}

/** Sets person properties for a user (PostHog `identify`). */
export function identify(request: IdentifyRequest): void {
  try {
    handle()?.identify(request);
  } catch {
    // a telemetry failure never reaches the app
  }
}

/**
 * Evaluates a feature flag for a user. Resolves to `fallback` without the
 * preload, without PostHog, or when PostHog cannot be reached in time.
 */
export async function isFeatureEnabled(
  flag: string,
  distinctId: string,
  fallback: boolean,
): Promise<boolean> {
  const current = handle();
  if (!current) return fallback;
  try {
    return await current.isFeatureEnabled(flag, distinctId, fallback);
  } catch {
    return fallback;
  }
}

/**
 * Returns a copy of `value` with secrets masked, by the same rules the
 * gateway applies at every exit. Without the preload the built-in rules
 * apply, so what an app prints is masked either way.
 */
export function sanitize<T>(value: T): T {
  const current = handle();
  if (current) return current.sanitize(value);
  const { redactObject } = require('./redaction') as typeof import('./redaction');
  return redactObject(value);
}

/** Exports everything buffered so far; resolves even if a route fails. */
export async function flush(): Promise<void> {
  await handle()?.flush().catch(() => undefined);
}
