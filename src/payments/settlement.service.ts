import { Injectable } from '@nestjs/common';
import {
  AnalyticsService,
  FLAGS,
  transactionProperties,
} from '../analytics/analytics.service';
import { PrismaService } from '../database/prisma.service';
import type { Prisma, Transaction } from '../generated/prisma/client';
import { emitVtuEvent } from '../vtu/vtu-events';
import {
  NotificationsService,
  type NewNotification,
  type RecordedNotification,
} from '../notifications/notifications.service';

export type FinalStatus = 'COMPLETED' | 'FAILED';

/** A transaction one caller moved to its final status. */
export interface Settled {
  transaction: Transaction;
  status: FinalStatus;
  notifications: RecordedNotification[];
}

/** Network and phone number of an airtime purchase (`transactions.metadata`). */
export interface AirtimeMetadata {
  network: string;
  phone: string;
}

function majorUnits(transaction: Transaction): string {
  return (Number(transaction.amount) / 100).toFixed(2);
}

function airtimeMetadata(transaction: Transaction): AirtimeMetadata | undefined {
  const metadata = transaction.metadata as Partial<AirtimeMetadata> | null;
  if (typeof metadata?.phone !== 'string') return undefined;
  return { network: String(metadata.network), phone: metadata.phone };
}

/** Builds the messages that tell the user a transaction reached `status`. */
function notificationsFor(
  transaction: Transaction,
  status: FinalStatus,
): NewNotification[] {
  const base = { userId: transaction.userId, transactionId: transaction.id };
  const airtime = transaction.type === 'AIRTIME' ? airtimeMetadata(transaction) : undefined;
  if (airtime) {
    const subject = status === 'COMPLETED' ? 'Airtime delivered' : 'Airtime purchase failed';
    const body =
      status === 'COMPLETED'
        ? `${transaction.currency} ${majorUnits(transaction)} of ${airtime.network} airtime was sent to ${airtime.phone}.`
        : `Your ${transaction.currency} ${majorUnits(transaction)} airtime purchase ${transaction.reference} failed; you have not been charged.`;
    return [
      { ...base, channel: 'SMS', recipient: airtime.phone, subject, body },
      { ...base, channel: 'IN_APP', recipient: transaction.userId, subject, body },
    ];
  }
  const subject = status === 'COMPLETED' ? 'Payment successful' : 'Payment failed';
  const body =
    status === 'COMPLETED'
      ? `Your ${transaction.currency} payment ${transaction.reference} was successful.`
      : `Your ${transaction.currency} payment ${transaction.reference} failed.`;
  return [
    { ...base, channel: 'EMAIL', recipient: transaction.userId, subject, body },
    { ...base, channel: 'IN_APP', recipient: transaction.userId, subject, body },
  ];
}

/**
 * Moves transactions to their final status. Webhooks, reconciliation and
 * airtime purchases may all learn the outcome of the same transaction; only
 * the first to settle it changes anything.
 */
@Injectable()
export class SettlementService {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly analytics: AnalyticsService,
    private readonly prisma: PrismaService,
  ) {}

  /**
   * Sets a PENDING or PROCESSING transaction to `status` and records the
   * notifications for the user, inside the caller's database transaction.
   * Returns undefined, changing nothing, when it was already final. Pass
   * the result to `announce` once the transaction has committed.
   */
  async settle(
    tx: Prisma.TransactionClient,
    transaction: Transaction,
    status: FinalStatus,
  ): Promise<Settled | undefined> {
    const { count } = await tx.transaction.updateMany({
      where: { id: transaction.id, status: { in: ['PENDING', 'PROCESSING'] } },
      data: { status },
    });
    if (count === 0) return undefined;
    const notifications = await this.notifications.record(
      tx,
      notificationsFor(transaction, status),
    );
    return { transaction, status, notifications };
  }

  /** Enqueues the notifications and emits the events of a committed change. */
  async announce(settled: Settled | undefined, reason?: string): Promise<void> {
    if (!settled) return;
    const { transaction, status } = settled;
    const completed = status === 'COMPLETED';
    const properties = transactionProperties({ ...transaction, status });
    this.analytics.track(
      completed ? 'transaction_completed' : 'transaction_failed',
      transaction.userId,
      properties,
    );
    if (transaction.type !== 'AIRTIME') {
      this.analytics.track(
        completed ? 'payment_successful' : 'payment_failed',
        transaction.userId,
        properties,
      );
    }
    if (transaction.type === 'AIRTIME') {
      const metadata = airtimeMetadata(transaction);
      emitVtuEvent(
        status === 'COMPLETED' ? 'vtu_purchase_completed' : 'vtu_purchase_failed',
        {
          userId: transaction.userId,
          reference: transaction.reference,
          network: metadata?.network ?? 'unknown',
          amount: Number(transaction.amount),
          currency: transaction.currency,
          reason,
        },
      );
    }
    const receipts = completed ? await this.smsReceipt(transaction) : [];
    await this.notifications.enqueue([...settled.notifications, ...receipts]);
  }

  /** Records an SMS receipt for a successful payment when the feature flag is on. */
  private async smsReceipt(transaction: Transaction): Promise<RecordedNotification[]> {
    if (transaction.type === 'AIRTIME') return [];
    const enabled = await this.analytics.isEnabled(
      FLAGS.smsPaymentReceipts,
      transaction.userId,
    );
    if (!enabled) return [];
    return this.notifications.record(this.prisma, [
      {
        userId: transaction.userId,
        channel: 'SMS',
        recipient: transaction.userId,
        subject: 'Payment successful',
        body: `Payment ${transaction.reference} received.`,
        transactionId: transaction.id,
      },
    ]);
  }
}
