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

/** Paystack redelivers an event with the same `event` and `data.id`. */
export function paystackEventKey(event: PaystackEvent): string {
  return `${event.event}:${event.data.id}`;
}

/**
 * Applies verified Paystack events: a `charge.success` whose reference,
 * amount and currency match a transaction completes it. Other events and
 * unknown references are acknowledged and change nothing.
 */
@Injectable()
export class PaystackEvents implements WebhookHandler {
  private readonly logger = new Logger(PaystackEvents.name);

  constructor(private readonly settlement: SettlementService) {}

  process(event: WebhookEvent, applyOnce: ApplyOnce): Promise<WebhookResult> {
    const payload = event.payload as unknown as PaystackEvent;
    return applyOnce((tx) => this.apply(tx, payload));
  }

  private async apply(
    tx: Prisma.TransactionClient,
    event: PaystackEvent,
  ): Promise<WebhookEffect> {
    if (event.event !== 'charge.success') return IGNORED;
    const { reference, amount, currency } = event.data;
    const transaction = reference
      ? await tx.transaction.findUnique({ where: { reference } })
      : null;
    if (!transaction) {
      this.logger.warn(
        `charge.success ${event.data.id} names an unknown reference; acknowledged, nothing changed`,
      );
      return IGNORED;
    }
    // BigInt() throws on a fraction, so only a safe integer is compared.
    const matches =
      Number.isSafeInteger(amount) &&
      BigInt(amount as number) === transaction.amount &&
      currency === transaction.currency;
    if (!matches) {
      this.logger.warn(
        `charge.success for ${transaction.reference} does not match its amount or currency; not applied`,
      );
      return IGNORED;
    }
    const settled = await this.settlement.settle(tx, transaction, 'COMPLETED');
    return settled ? { outcome: 'applied', settled } : IGNORED;
  }
}
