import type { NotificationChannel } from '../generated/prisma/client';

export interface ProviderMessage {
  notificationId: string;
  to: string;
  subject: string;
  body: string;
}

export type DeliveryResult =
  | { outcome: 'delivered' }
  | { outcome: 'rate_limited'; retryAfterMs: number }
  | { outcome: 'rejected'; status: number }
  | { outcome: 'retry'; reason: string };

const REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_AFTER_MS = 1000;

/** Reads `Retry-After` as seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, now = Date.now()): number {
  if (!header) return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now);
}

/**
 * Posts one EMAIL, SMS or PUSH notification to the provider at
 * `<base>/<channel>`. The notification id is the idempotency key, so a retry
 * after a lost response does not deliver twice.
 */
export async function sendToProvider(
  baseUrl: string,
  channel: Exclude<NotificationChannel, 'IN_APP'>,
  message: ProviderMessage,
): Promise<DeliveryResult> {
  const url = `${baseUrl.replace(/\/+$/, '')}/${channel.toLowerCase()}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': message.notificationId,
      },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    return { outcome: 'retry', reason: `request failed: ${String(error)}` };
  }
  // The body is not used; reading it frees the connection.
  await response.arrayBuffer().catch(() => undefined);

  if (response.ok) return { outcome: 'delivered' };
  if (response.status === 429) {
    return {
      outcome: 'rate_limited',
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    };
  }
  if (response.status >= 400 && response.status < 500) {
    return { outcome: 'rejected', status: response.status };
  }
  return { outcome: 'retry', reason: `provider answered ${response.status}` };
}
