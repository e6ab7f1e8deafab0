import { Injectable, Logger } from '@nestjs/common';
import {
  AnalyticsService,
  FLAGS,
  transactionProperties,
} from '../analytics/analytics.service';
import { addLogContext } from '../common/logging/log-context';
import { PrismaService } from '../database/prisma.service';
import { Prisma, type Transaction } from '../generated/prisma/client';
import { NotificationsService } from '../notifications/notifications.service';

export interface PaystackEvent {
  event: string;
  data: {
    id: number | string;
    reference?: string;
    amount?: number;
    currency?: string;
    status?: string;
  };
}

export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored';

/** Returns the event if it has the fields every Paystack event carries. */
export function asPaystackEvent(body: unknown): PaystackEvent | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { event, data } = body as Record<string, unknown>;
  if (typeof event !== 'string' || typeof data !== 'object' || data === null) {
    return undefined;
  }
  const id = (data as Record<string, unknown>).id;
  if (typeof id !== 'number' && typeof id !== 'string') return undefined;
  return body as PaystackEvent;
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Prisma.PrismaClientKnownRequestError &&
    error.code === 'P2002'
  );
}

@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly notifications: NotificationsService,
    private readonly analytics: AnalyticsService,
  ) {}

  /**
   * Applies a verified Paystack event once. The event is stored under
   * `event` plus `data.id` in the same transaction as its effect, so a
   * redelivery hits the unique key and changes nothing.
   */
  async applyPaystack(event: PaystackEvent): Promise<WebhookOutcome> {
    let notificationIds: string[] = [];
    let completed: Transaction | undefined;
    let outcome: WebhookOutcome;
    try {
      outcome = await this.prisma.$transaction(async (tx) => {
        await tx.webhookEvent.create({
          data: {
            provider: 'paystack',
            eventKey: `${event.event}:${event.data.id}`,
            eventType: event.event,
            reference: event.data.reference ?? null,
            payload: event as unknown as Prisma.InputJsonValue,
            processedAt: new Date(),
          },
        });
        if (event.event !== 'charge.success') return 'ignored';
        const result = await this.completeCharge(tx, event);
        notificationIds = result.notificationIds;
        completed = result.transaction;
        return result.outcome;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
    if (completed) {
      await this.afterCompleted(completed, notificationIds);
    }
    return outcome;
  }

  /** Events, and the optional SMS receipt, once the completion has committed. */
  private async afterCompleted(
    transaction: Transaction,
    notificationIds: string[],
  ): Promise<void> {
    addLogContext({
      userId: transaction.userId,
      transactionId: transaction.id,
      transactionReference: transaction.reference,
    });
    const properties = transactionProperties(transaction);
    this.analytics.track('transaction_completed', transaction.userId, properties);
    this.analytics.track('payment_successful', transaction.userId, properties);

    const ids = [...notificationIds];
    if (await this.analytics.isEnabled(FLAGS.smsPaymentReceipts, transaction.userId)) {
      ids.push(
        ...(await this.notifications.record(this.prisma, [
          {
            userId: transaction.userId,
            channel: 'SMS',
            recipient: transaction.userId,
            subject: 'Payment successful',
            body: `Payment ${transaction.reference} received.`,
            transactionId: transaction.id,
          },
        ])),
      );
    }
    await this.notifications.enqueue(ids);
  }

  private async completeCharge(
    tx: Prisma.TransactionClient,
    event: PaystackEvent,
  ): Promise<{
    outcome: WebhookOutcome;
    notificationIds: string[];
    transaction?: Transaction;
  }> {
    const { reference, amount, currency } = event.data;
    const transaction = reference
      ? await tx.transaction.findUnique({ where: { reference } })
      : null;
    if (!transaction) {
      this.logger.warn(`charge.success for unknown reference; acknowledged, nothing changed`);
      return { outcome: 'ignored', notificationIds: [] };
    }
    if (transaction.status === 'COMPLETED' || transaction.status === 'FAILED') {
      return { outcome: 'ignored', notificationIds: [] };
    }
    const matches =
      Number.isSafeInteger(amount) &&
      BigInt(amount as number) === transaction.amount &&
      currency === transaction.currency;
    if (!matches) {
      this.logger.warn(
        `charge.success for ${transaction.reference} does not match its amount or currency; not applied`,
      );
      return { outcome: 'ignored', notificationIds: [] };
    }

    const updated = await tx.transaction.update({
      where: { id: transaction.id },
      data: { status: 'COMPLETED' },
    });
    const subject = 'Payment successful';
    const body = `Your ${transaction.currency} payment ${transaction.reference} was successful.`;
    const notificationIds = await this.notifications.record(tx, [
      { userId: transaction.userId, channel: 'EMAIL', recipient: transaction.userId, subject, body, transactionId: transaction.id },
      { userId: transaction.userId, channel: 'IN_APP', recipient: transaction.userId, subject, body, transactionId: transaction.id },
    ]);
    return { outcome: 'applied', notificationIds, transaction: updated };
  }
}
