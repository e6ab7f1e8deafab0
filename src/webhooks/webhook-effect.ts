import type { Prisma, WebhookEvent } from '../generated/prisma/client';
import type { Settled } from '../payments/settlement.service';

/** The change processing a webhook made. */
export interface WebhookEffect {
  outcome: 'applied' | 'ignored';
  /** The transaction the event settled, to announce after commit. */
  settled?: Settled;
}

export const IGNORED: WebhookEffect = { outcome: 'ignored' };

export type WebhookResult =
  | WebhookEffect
  /** Failed verification: nothing is applied and the event is REJECTED. */
  | { outcome: 'rejected'; reason: string }
  /** Another attempt already processed the event. */
  | { outcome: 'duplicate' };

/**
 * Runs `effect` in a database transaction that first claims the event with
 * a conditional update, so an event is applied at most once even if two
 * jobs process it.
 */
export type ApplyOnce = (
  effect: (tx: Prisma.TransactionClient) => Promise<WebhookEffect>,
) => Promise<WebhookEffect | { outcome: 'duplicate' }>;

/** One provider's webhooks, parsed and verified on arrival, applied later. */
export interface WebhookHandler {
  process(event: WebhookEvent, applyOnce: ApplyOnce): Promise<WebhookResult>;
}
