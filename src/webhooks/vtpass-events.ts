import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Prisma, WebhookEvent } from '../generated/prisma/client';
import { SettlementService } from '../payments/settlement.service';
import { VtpassClient, vtpassOutcome, type VtpassOutcome } from '../vtu/vtpass.client';
import {
  IGNORED,
  type ApplyOnce,
  type WebhookEffect,
  type WebhookHandler,
  type WebhookResult,
} from './webhook-effect';

/** A VTPass callback: `type` names it, `data` is shaped like a requery response. */
export interface VtpassCallback {
  type: string;
  data: {
    requestId?: string;
    code?: string;
    content?: { transactions?: { status?: string; transactionId?: string } };
  };
}

export function asVtpassCallback(body: unknown): VtpassCallback | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { type, data } = body as Record<string, unknown>;
  if (typeof type !== 'string' || typeof data !== 'object' || data === null) {
    return undefined;
  }
  return body as VtpassCallback;
}

/**
 * VTPass repeats a callback until it gets `{"response":"success"}`, with the
 * same content; a later reversal of the same purchase has another status.
 */
export function vtpassEventKey(callback: VtpassCallback, rawBody: Buffer): string {
  const requestId = callback.data.requestId;
  if (callback.type === 'transaction-update' && typeof requestId === 'string') {
    const status = callback.data.content?.transactions?.status ?? '';
    return `${callback.type}:${requestId}:${status}`;
  }
  const digest = createHash('sha256').update(rawBody).digest('hex');
  return `${callback.type}:${digest}`;
}

/** Thrown when VTPass's own status API still calls the purchase pending. */
class NotYetConfirmedError extends Error {
  override name = 'NotYetConfirmedError';
}

/**
 * Applies VTPass transaction updates. VTPass signs nothing, so a callback
 * is only a hint: before anything changes, VTPass's status API (requery) is
 * asked about the purchase, and a callback it contradicts is rejected and
 * logged. A purchase the API still calls pending is asked about again later.
 */
@Injectable()
export class VtpassEvents implements WebhookHandler {
  private readonly logger = new Logger(VtpassEvents.name);

  constructor(
    private readonly vtpass: VtpassClient,
    private readonly settlement: SettlementService,
  ) {}

  async process(event: WebhookEvent, applyOnce: ApplyOnce): Promise<WebhookResult> {
    const callback = event.payload as unknown as VtpassCallback;
    const requestId = callback.data.requestId;
    if (callback.type !== 'transaction-update' || typeof requestId !== 'string') {
      return applyOnce(async () => IGNORED);
    }
    const claimed = vtpassOutcome(callback.data).outcome;
    const confirmed = (await this.vtpass.requery(requestId)).outcome;
    if (confirmed === 'pending' && claimed !== 'pending') {
      throw new NotYetConfirmedError(
        `VTPass status API still reports ${requestId} pending while the callback reports ${claimed}; will retry`,
      );
    }
    if (confirmed !== claimed) {
      const reason = `callback reports ${claimed} but VTPass status API reports ${confirmed}`;
      this.logger.warn(`rejected VTPass callback for ${requestId} (event ${event.id}): ${reason}`);
      return { outcome: 'rejected', reason };
    }
    return applyOnce((tx) => this.apply(tx, requestId, confirmed));
  }

  private async apply(
    tx: Prisma.TransactionClient,
    requestId: string,
    outcome: VtpassOutcome,
  ): Promise<WebhookEffect> {
    if (outcome === 'pending' || outcome === 'not_found') return IGNORED;
    const transaction = await tx.transaction.findUnique({
      where: { reference: requestId },
    });
    if (!transaction || transaction.type !== 'AIRTIME') {
      this.logger.warn(
        `VTPass callback names request ${requestId}, which is not one of our airtime purchases; nothing changed`,
      );
      return IGNORED;
    }
    const status = outcome === 'delivered' ? 'COMPLETED' : 'FAILED';
    const settled = await this.settlement.settle(tx, transaction, status);
    return settled ? { outcome: 'applied', settled } : IGNORED;
  }
}
