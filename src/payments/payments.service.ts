import { randomBytes } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import {
  AnalyticsService,
  transactionProperties,
} from '../analytics/analytics.service';
import { ApiError } from '../common/api-error';
import { addLogContext } from '../common/logging/log-context';
import { isUniqueViolation } from '../common/unique-violation';
import { PrismaService } from '../database/prisma.service';
import {
  Prisma,
  type Transaction,
  type TransactionType,
  type User,
} from '../generated/prisma/client';
import {
  NotificationsService,
  type RecordedNotification,
} from '../notifications/notifications.service';
import { UsersService } from '../users/users.service';
import type { PaymentInput, PaymentMethod } from './payment-input';

const TYPE_BY_METHOD: Record<PaymentMethod, TransactionType> = {
  card: 'CARD_PAYMENT',
  bank_transfer: 'BANK_TRANSFER',
  ussd: 'USSD',
  wallet: 'WALLET',
};

const METHOD_BY_TYPE = Object.fromEntries(
  Object.entries(TYPE_BY_METHOD).map(([method, type]) => [type, method]),
) as Record<TransactionType, PaymentMethod | undefined>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PaymentView {
  id: string;
  reference: string;
  userId: string;
  amount: number;
  currency: string;
  method: PaymentMethod | undefined;
  status: Transaction['status'];
  createdAt: string;
  updatedAt: string;
}

export function toPaymentView(transaction: Transaction): PaymentView {
  return {
    id: transaction.id,
    reference: transaction.reference,
    userId: transaction.userId,
    amount: Number(transaction.amount),
    currency: transaction.currency,
    method: METHOD_BY_TYPE[transaction.type],
    status: transaction.status,
    createdAt: transaction.createdAt.toISOString(),
    updatedAt: transaction.updatedAt.toISOString(),
  };
}

interface RecordedPayment {
  transaction: Transaction;
  notifications: RecordedNotification[];
  user: User;
  userCreated: boolean;
}

function newReference(): string {
  return `pay_${randomBytes(10).toString('hex')}`;
}

@Injectable()
export class PaymentsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly notifications: NotificationsService,
    private readonly users: UsersService,
    private readonly analytics: AnalyticsService,
  ) {}

  /**
   * Records a payment and the notifications that tell the user about it, in
   * one database transaction, then enqueues the notifications. With an
   * idempotency key, a retry of the same request returns the first payment.
   */
  async create(input: PaymentInput, idempotencyKey?: string): Promise<Transaction> {
    if (idempotencyKey) {
      const existing = await this.findByIdempotencyKey(input, idempotencyKey);
      if (existing) return existing;
    }

    let created: RecordedPayment;
    try {
      created = await this.prisma.$transaction((tx) =>
        this.recordPayment(tx, input, idempotencyKey),
      );
    } catch (error) {
      // A concurrent request with the same key won the race.
      if (idempotencyKey && isUniqueViolation(error)) {
        const existing = await this.findByIdempotencyKey(input, idempotencyKey);
        if (existing) return existing;
      }
      throw error;
    }

    const { transaction, user, userCreated } = created;
    addLogContext({
      transactionId: transaction.id,
      transactionReference: transaction.reference,
    });
    if (userCreated) this.analytics.identifyUser(user);
    this.recordInitiated(transaction, input.method);

    await this.notifications.enqueue(created.notifications);
    return transaction;
  }

  /**
   * `transaction_initiated` goes through the analytics API; `payment_initiated`
   * is declared on the active span, and the gateway sends it when the span
   * ends, with the span's trace id.
   */
  private recordInitiated(transaction: Transaction, method: PaymentMethod): void {
    const properties = transactionProperties(transaction, { method });
    this.analytics.track('transaction_initiated', transaction.userId, properties);
    trace.getActiveSpan()?.setAttributes({
      'analytics.event': 'payment_initiated',
      'analytics.distinct_id': transaction.userId,
      'analytics.property.type': properties.type,
      'analytics.property.amount': properties.amount,
      'analytics.property.currency': properties.currency,
      'analytics.property.method': method,
      'analytics.property.status': properties.status,
      'analytics.property.reference': properties.reference,
    });
  }

  async findById(id: string): Promise<Transaction> {
    const transaction = UUID.test(id)
      ? await this.prisma.transaction.findUnique({ where: { id } })
      : null;
    if (!transaction) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', 'payment not found');
    }
    return transaction;
  }

  private async recordPayment(
    tx: Prisma.TransactionClient,
    input: PaymentInput,
    idempotencyKey: string | undefined,
  ): Promise<RecordedPayment> {
    const { user, created: userCreated } = await this.users.findOrCreate(
      tx,
      input.userId,
    );
    const transaction = await tx.transaction.create({
      data: {
        reference: newReference(),
        userId: input.userId,
        type: TYPE_BY_METHOD[input.method],
        amount: BigInt(input.amount),
        currency: input.currency,
        idempotencyKey,
      },
    });
    const subject = 'Payment initiated';
    const body = `Your ${input.currency} payment ${transaction.reference} is being processed.`;
    const notifications = await this.notifications.record(tx, [
      { userId: input.userId, channel: 'EMAIL', recipient: input.userId, subject, body, transactionId: transaction.id },
      { userId: input.userId, channel: 'IN_APP', recipient: input.userId, subject, body, transactionId: transaction.id },
    ]);
    return { transaction, notifications, user, userCreated };
  }

  private async findByIdempotencyKey(
    input: PaymentInput,
    idempotencyKey: string,
  ): Promise<Transaction | undefined> {
    const existing = await this.prisma.transaction.findUnique({
      where: { userId_idempotencyKey: { userId: input.userId, idempotencyKey } },
    });
    if (!existing) return undefined;

    const same =
      existing.amount === BigInt(input.amount) &&
      existing.currency === input.currency &&
      existing.type === TYPE_BY_METHOD[input.method];
    if (!same) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'idempotency_key_reused',
        'Idempotency-Key was already used for a different payment',
      );
    }
    return existing;
  }
}
