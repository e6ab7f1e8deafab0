import { Injectable } from '@nestjs/common';
import { capture, identify, isFeatureEnabled } from '#otel';
import type { Transaction, User } from '../generated/prisma/client';

/** The business's product events; PostHog's `snake_case` names. */
export type ProductEvent =
  | 'transaction_initiated'
  | 'transaction_completed'
  | 'transaction_failed'
  | 'payment_initiated'
  | 'payment_successful'
  | 'payment_failed'
  | 'vtu_purchase_initiated'
  | 'vtu_purchase_completed'
  | 'vtu_purchase_failed';

/** Feature flags the service reads, each with the value used when PostHog is unreachable. */
export const FLAGS = {
  /** Also send an SMS receipt when a payment succeeds. */
  smsPaymentReceipts: { key: 'sms-payment-receipts', fallback: false },
} as const;

export interface TransactionEventProperties {
  type: Transaction['type'];
  amount: number;
  currency: string;
  status: Transaction['status'];
  method?: string;
  network?: string;
  reference: string;
}

export function transactionProperties(
  transaction: Transaction,
  extra: { method?: string; network?: string } = {},
): TransactionEventProperties {
  return {
    type: transaction.type,
    amount: Number(transaction.amount),
    currency: transaction.currency,
    status: transaction.status,
    reference: transaction.reference,
    ...extra,
  };
}

/**
 * Product analytics through the gateway (PostHog when configured). The user
 * is the distinct id; the gateway adds the trace id to every event.
 */
@Injectable()
export class AnalyticsService {
  track(
    event: ProductEvent,
    userId: string,
    properties: TransactionEventProperties | Record<string, unknown>,
  ): void {
    capture({ event, distinctId: userId, properties: { ...properties } });
  }

  /** Sets the user's person properties: on creation and on KYC or status changes. */
  identifyUser(user: Pick<User, 'id' | 'kycTier' | 'status' | 'createdAt'>): void {
    identify({
      distinctId: user.id,
      properties: {
        kyc_tier: user.kycTier,
        account_status: user.status,
        created_at: user.createdAt.toISOString(),
      },
    });
  }

  isEnabled(
    flag: (typeof FLAGS)[keyof typeof FLAGS],
    userId: string,
  ): Promise<boolean> {
    return isFeatureEnabled(flag.key, userId, flag.fallback);
  }
}
