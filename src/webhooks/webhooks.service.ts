import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import {
  NotificationsService,
  type RecordedNotification,
} from '../notifications/notifications.service';

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
  ) {}

  /**
   * Applies a verified Paystack event once. The event is stored under
   * `event` plus `data.id` in the same transaction as its effect, so a
   * redelivery hits the unique key and changes nothing.
   */
  async applyPaystack(event: PaystackEvent): Promise<WebhookOutcome> {
    let notifications: RecordedNotification[] = [];
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
        notifications = result.notifications;
        return result.outcome;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
    await this.notifications.enqueue(notifications);
    return outcome;
  }

  private async completeCharge(
    tx: Prisma.TransactionClient,
    event: PaystackEvent,
  ): Promise<{ outcome: WebhookOutcome; notifications: RecordedNotification[] }> {
    const { reference, amount, currency } = event.data;
    const transaction = reference
      ? await tx.transaction.findUnique({ where: { reference } })
      : null;
    if (!transaction) {
      this.logger.warn(`charge.success for unknown reference; acknowledged, nothing changed`);
      return { outcome: 'ignored', notifications: [] };
    }
    if (transaction.status === 'COMPLETED' || transaction.status === 'FAILED') {
      return { outcome: 'ignored', notifications: [] };
    }
    const matches =
      typeof amount === 'number' &&
      BigInt(amount) === transaction.amount &&
      currency === transaction.currency;
    if (!matches) {
      this.logger.warn(
        `charge.success for ${transaction.reference} does not match its amount or currency; not applied`,
      );
      return { outcome: 'ignored', notifications: [] };
    }

    await tx.transaction.update({
      where: { id: transaction.id },
      data: { status: 'COMPLETED' },
    });
    const subject = 'Payment successful';
    const body = `Your ${transaction.currency} payment ${transaction.reference} was successful.`;
    const notifications = await this.notifications.record(tx, [
      { userId: transaction.userId, channel: 'EMAIL', recipient: transaction.userId, subject, body, transactionId: transaction.id },
      { userId: transaction.userId, channel: 'IN_APP', recipient: transaction.userId, subject, body, transactionId: transaction.id },
    ]);
    return { outcome: 'applied', notifications };
  }
}
