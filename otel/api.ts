/**
 * The gateway's public surface for application code. It works with or without
 * the preload: without it, every call is a cheap no-op. It imports nothing, so
 * an app can depend on it without loading any part of the SDK.
 */

/** Context attached to a captured error; values must already be safe to send. */
export interface ErrorContext {
  tags?: Record<string, string>;
  extra?: Record<string, unknown>;
  user?: { id: string };
}

/** What the preload registers when it starts. */
export interface GatewayHandle {
  captureException(error: unknown, context?: ErrorContext): string | undefined;
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

/** Exports everything buffered so far; resolves even if a route fails. */
export async function flush(): Promise<void> {
  await handle()?.flush().catch(() => undefined);
}
