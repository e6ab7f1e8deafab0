import { randomBytes } from 'node:crypto';
import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { errorMessage } from '../common/error-message';
import { isUniqueViolation } from '../common/unique-violation';
import { PrismaService } from '../database/prisma.service';
import type { Transaction } from '../generated/prisma/client';
import { SettlementService } from '../payments/settlement.service';
import { VtpassClient, type VtpassResult } from './vtpass.client';
import { emitVtuEvent } from './vtu-events';
import {
  NETWORK_SERVICE_IDS,
  vtpassRequestId,
  type AirtimeInput,
} from './vtu-input';

/**
 * Buys airtime through VTPass. The purchase is recorded PROCESSING before
 * VTPass is called, with the VTPass request id as its reference. A final
 * status in VTPass's response settles it at once; otherwise a VTPass
 * callback or the reconciliation job settles it later.
 */
@Injectable()
export class VtuService {
  private readonly logger = new Logger(VtuService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly vtpass: VtpassClient,
    private readonly settlement: SettlementService,
  ) {}

  async buyAirtime(input: AirtimeInput, idempotencyKey?: string): Promise<Transaction> {
    if (!this.vtpass.configured) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'vtu_unavailable',
        'airtime purchases are off; set VTPASS_API_KEY and VTPASS_SECRET_KEY',
      );
    }
    if (idempotencyKey) {
      const existing = await this.findByIdempotencyKey(input, idempotencyKey);
      if (existing) return existing;
    }
    let purchase: Transaction;
    try {
      purchase = await this.record(input, idempotencyKey);
    } catch (error) {
      if (idempotencyKey && isUniqueViolation(error)) {
        const existing = await this.findByIdempotencyKey(input, idempotencyKey);
        if (existing) return existing;
      }
      throw error;
    }
    emitVtuEvent('vtu_purchase_initiated', {
      userId: purchase.userId,
      reference: purchase.reference,
      network: input.network,
      amount: input.amount,
      currency: purchase.currency,
    });

    let result: VtpassResult;
    try {
      result = await this.vtpass.pay({
        requestId: purchase.reference,
        serviceId: NETWORK_SERVICE_IDS[input.network],
        amount: input.amount / 100,
        phone: input.phone,
      });
    } catch (error) {
      // Whether VTPass took the order is unknown; its callback or the
      // reconciliation job will tell.
      this.logger.warn(
        `airtime purchase ${purchase.reference} left PROCESSING: ${errorMessage(error)}`,
      );
      return purchase;
    }
    return this.settleFromResult(purchase, result);
  }

  private async settleFromResult(
    purchase: Transaction,
    result: VtpassResult,
  ): Promise<Transaction> {
    if (result.outcome === 'pending' || result.outcome === 'not_found') {
      this.logger.log(
        `airtime purchase ${purchase.reference} is pending at VTPass (code ${result.code}); waiting for its callback`,
      );
      return purchase;
    }
    const status = result.outcome === 'delivered' ? 'COMPLETED' : 'FAILED';
    const settled = await this.prisma.$transaction((tx) =>
      this.settlement.settle(tx, purchase, status),
    );
    await this.settlement.announce(
      settled,
      status === 'FAILED' ? `VTPass code ${result.code} ${result.description ?? ''}`.trim() : undefined,
    );
    return this.prisma.transaction.findUniqueOrThrow({ where: { id: purchase.id } });
  }

  private async record(input: AirtimeInput, idempotencyKey?: string) {
    return this.prisma.$transaction(async (tx) => {
      await tx.user.upsert({
        where: { id: input.userId },
        create: { id: input.userId },
        update: {},
      });
      return tx.transaction.create({
        data: {
          reference: vtpassRequestId(new Date(), randomBytes(8).toString('hex')),
          userId: input.userId,
          type: 'AIRTIME',
          status: 'PROCESSING',
          amount: BigInt(input.amount),
          currency: 'NGN',
          idempotencyKey,
          metadata: { network: input.network, phone: input.phone },
        },
      });
    });
  }

  private async findByIdempotencyKey(
    input: AirtimeInput,
    idempotencyKey: string,
  ): Promise<Transaction | undefined> {
    const existing = await this.prisma.transaction.findUnique({
      where: { userId_idempotencyKey: { userId: input.userId, idempotencyKey } },
    });
    if (!existing) return undefined;
    const metadata = existing.metadata as { network?: string; phone?: string } | null;
    const same =
      existing.type === 'AIRTIME' &&
      existing.amount === BigInt(input.amount) &&
      metadata?.network === input.network &&
      metadata?.phone === input.phone;
    if (!same) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'idempotency_key_reused',
        'Idempotency-Key was already used for a different purchase',
      );
    }
    return existing;
  }
}
