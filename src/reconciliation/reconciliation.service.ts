import { Inject, Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import type { Transaction } from '../generated/prisma/client';
import {
  SettlementService,
  type FinalStatus,
} from '../payments/settlement.service';
import { VtpassClient } from '../vtu/vtpass.client';
import { PaystackClient } from './paystack.client';

const PAGE_SIZE = 100;
/** Limits the calls to the status APIs one run makes. */
const MAX_CHECKS_PER_RUN = 500;

export interface ReconciliationSummary {
  checked: number;
  completed: number;
  failed: number;
  unchanged: number;
  errors: number;
}

/** The final status a processor's status API reports, or why there is none. */
type Verdict = { status: FinalStatus; reason: string } | { unchanged: string };

/**
 * Finds transactions PENDING or PROCESSING for longer than
 * RECONCILIATION_STALE_AFTER, looks each up in its processor's status API
 * (Paystack's verify, or VTPass's requery for airtime) and moves it to the
 * status found there. A transaction is only ever moved out of PENDING or
 * PROCESSING, so a second run changes nothing the first did.
 *
 * A run checks at most MAX_CHECKS_PER_RUN transactions, oldest first, and
 * the next run goes on after the last one checked. Without that, stale rows
 * the processor cannot resolve (an unknown reference stays PENDING) would
 * fill every run and hide newer ones.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);
  private warnedNoPaystackKey = false;
  private warnedNoVtpassKeys = false;
  /** The last transaction checked, by (updatedAt, id); reset at the end. */
  private cursor?: { updatedAt: Date; id: string };

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly prisma: PrismaService,
    private readonly paystack: PaystackClient,
    private readonly vtpass: VtpassClient,
    private readonly settlement: SettlementService,
  ) {}

  async run(): Promise<ReconciliationSummary> {
    const cutoff = new Date(Date.now() - this.config.reconciliation.staleAfterMs);
    const summary: ReconciliationSummary = {
      checked: 0,
      completed: 0,
      failed: 0,
      unchanged: 0,
      errors: 0,
    };
    while (summary.checked < MAX_CHECKS_PER_RUN) {
      const page = await this.nextPage(cutoff);
      for (const transaction of page) {
        await this.check(transaction, summary);
      }
      if (page.length < PAGE_SIZE) {
        this.cursor = undefined; // the end: the next run starts at the oldest
        break;
      }
    }
    this.logger.log(
      `reconciliation: ${summary.checked} stale, ${summary.completed} completed, ${summary.failed} failed, ${summary.unchanged} unchanged, ${summary.errors} errors`,
    );
    return summary;
  }

  /** Stale transactions after the cursor, oldest first; moves the cursor. */
  private async nextPage(cutoff: Date): Promise<Transaction[]> {
    const after = this.cursor;
    const page = await this.prisma.transaction.findMany({
      where: {
        status: { in: ['PENDING', 'PROCESSING'] },
        updatedAt: { lt: cutoff },
        ...(after && {
          OR: [
            { updatedAt: { gt: after.updatedAt } },
            { updatedAt: after.updatedAt, id: { gt: after.id } },
          ],
        }),
      },
      orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }],
      take: PAGE_SIZE,
    });
    const last = page.at(-1);
    if (last) this.cursor = { updatedAt: last.updatedAt, id: last.id };
    return page;
  }

  private async check(
    transaction: Transaction,
    summary: ReconciliationSummary,
  ): Promise<void> {
    summary.checked += 1;
    try {
      const outcome = await this.reconcile(transaction);
      summary[outcome] += 1;
    } catch (error) {
      summary.errors += 1;
      this.logger.error(
        `reconciling transaction ${transaction.id} (${transaction.reference}) failed: ${errorMessage(error)}`,
      );
    }
  }

  private async reconcile(
    transaction: Transaction,
  ): Promise<'completed' | 'failed' | 'unchanged'> {
    const verdict =
      transaction.type === 'AIRTIME'
        ? await this.askVtpass(transaction)
        : await this.askPaystack(transaction);
    if ('unchanged' in verdict) {
      this.logger.log(`transaction ${transaction.reference} unchanged: ${verdict.unchanged}`);
      return 'unchanged';
    }
    const settled = await this.prisma.$transaction((tx) =>
      this.settlement.settle(tx, transaction, verdict.status),
    );
    if (!settled) return 'unchanged'; // settled meanwhile by a webhook
    await this.settlement.announce(settled, verdict.reason);
    this.logger.log(
      `transaction ${transaction.reference} reconciled to ${verdict.status}: ${verdict.reason}`,
    );
    return verdict.status === 'COMPLETED' ? 'completed' : 'failed';
  }

  private async askPaystack(transaction: Transaction): Promise<Verdict> {
    if (!this.paystack.configured) {
      if (!this.warnedNoPaystackKey) {
        this.warnedNoPaystackKey = true;
        this.logger.warn('PAYSTACK_SECRET_KEY is not set; stale payments cannot be checked with Paystack');
      }
      return { unchanged: 'PAYSTACK_SECRET_KEY is not set' };
    }
    const found = await this.paystack.verify(transaction.reference);
    switch (found.status) {
      case 'success': {
        const matches =
          BigInt(found.amount) === transaction.amount &&
          found.currency === transaction.currency;
        return matches
          ? { status: 'COMPLETED', reason: 'Paystack reports success' }
          : { unchanged: 'Paystack reports success with another amount or currency' };
      }
      case 'failed':
      case 'abandoned':
        return { status: 'FAILED', reason: `Paystack reports ${found.status}` };
      case 'pending':
        return { unchanged: 'Paystack reports pending' };
      case 'not_found':
        return { unchanged: 'Paystack has no transaction with this reference' };
      case 'other':
        return { unchanged: `Paystack reports ${found.value}` };
    }
  }

  private async askVtpass(transaction: Transaction): Promise<Verdict> {
    if (!this.vtpass.configured) {
      if (!this.warnedNoVtpassKeys) {
        this.warnedNoVtpassKeys = true;
        this.logger.warn('VTPASS_API_KEY or VTPASS_SECRET_KEY is not set; stale airtime purchases cannot be checked with VTPass');
      }
      return { unchanged: 'VTPASS_API_KEY or VTPASS_SECRET_KEY is not set' };
    }
    const found = await this.vtpass.requery(transaction.reference);
    switch (found.outcome) {
      case 'delivered':
        return { status: 'COMPLETED', reason: 'VTPass reports delivered' };
      case 'failed':
      case 'reversed':
        return { status: 'FAILED', reason: `VTPass reports ${found.outcome}` };
      case 'pending':
        return { unchanged: 'VTPass reports pending' };
      case 'not_found':
        return { unchanged: 'VTPass has no transaction with this request id' };
    }
  }
}
