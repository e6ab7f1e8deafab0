import { Injectable, Logger } from '@nestjs/common';
import type { Prisma, WebhookEvent } from '../generated/prisma/client';
import { SettlementService } from '../payments/settlement.service';
import {
  IGNORED,
  type ApplyOnce,
  type WebhookEffect,
  type WebhookHandler,
  type WebhookResult,
} from './webhook-effect';

/** A Circle v2 webhook notification. */
export interface CircleNotification {
  subscriptionId?: string;
  /** Stable across Circle's retries of the same event. */
  notificationId: string;
  notificationType: string;
  notification: {
    id?: string;
    state?: string;
    /** The reference the payer was given: our transaction reference. */
    refId?: string;
    /** Amounts in major units of the token, as decimal strings. */
    amounts?: string[];
  };
}

export function asCircleNotification(body: unknown): CircleNotification | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { notificationId, notificationType, notification } = body as Record<string, unknown>;
  if (typeof notificationId !== 'string' || notificationId.length === 0) return undefined;
  if (typeof notificationType !== 'string') return undefined;
  if (typeof notification !== 'object' || notification === null) return undefined;
  return body as CircleNotification;
}

/** `"12.50"` (USDC) to 1250 (USD cents); undefined if not a whole cent. */
export function toCents(amount: unknown): bigint | undefined {
  if (typeof amount !== 'string') return undefined;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!match) return undefined;
  const fraction = (match[2] ?? '').padEnd(2, '0');
  if (!/^0*$/.test(fraction.slice(2))) return undefined;
  return BigInt(match[1]) * 100n + BigInt(fraction.slice(0, 2));
}

/**
 * Applies verified Circle notifications about USDC paid into our wallets. An
 * inbound transaction that reaches COMPLETE completes the USD transaction its
 * `refId` names, if the amount matches. One that FAILED fails it.
 */
@Injectable()
export class CircleEvents implements WebhookHandler {
  private readonly logger = new Logger(CircleEvents.name);

  constructor(private readonly settlement: SettlementService) {}

  process(event: WebhookEvent, applyOnce: ApplyOnce): Promise<WebhookResult> {
    const payload = event.payload as unknown as CircleNotification;
    return applyOnce((tx) => this.apply(tx, payload));
  }

  private async apply(
    tx: Prisma.TransactionClient,
    { notificationId, notificationType, notification }: CircleNotification,
  ): Promise<WebhookEffect> {
    if (notificationType !== 'transactions.inbound') return IGNORED;
    const state = notification.state;
    if (state !== 'COMPLETE' && state !== 'FAILED') return IGNORED;
    const transaction = notification.refId
      ? await tx.transaction.findUnique({ where: { reference: notification.refId } })
      : null;
    if (!transaction) {
      this.logger.warn(
        `Circle notification ${notificationId} names an unknown refId; acknowledged, nothing changed`,
      );
      return IGNORED;
    }
    if (state === 'COMPLETE') {
      const cents = toCents(notification.amounts?.[0]);
      if (transaction.currency !== 'USD' || cents !== transaction.amount) {
        this.logger.warn(
          `Circle notification ${notificationId} for ${transaction.reference} does not match its amount or currency; not applied`,
        );
        return IGNORED;
      }
    }
    const status = state === 'COMPLETE' ? 'COMPLETED' : 'FAILED';
    const settled = await this.settlement.settle(tx, transaction, status);
    return settled ? { outcome: 'applied', settled } : IGNORED;
  }
}
