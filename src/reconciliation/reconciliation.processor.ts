import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import {
  Inject,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { errorMessage } from '../common/error-message';
import { ThrottledErrorLog } from '../common/throttled-log';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { RECONCILIATION_QUEUE } from '../queues/queues';
import {
  ReconciliationService,
  type ReconciliationSummary,
} from './reconciliation.service';

export const RECONCILE_JOB = 'reconcile';
export const RECONCILIATION_SCHEDULER_ID = 'reconcile-stale-transactions';

/**
 * Runs reconciliation from a BullMQ job scheduler every
 * RECONCILIATION_INTERVAL; each run is a trace of its own, linked to the
 * scheduler. Upserting the scheduler at every start is safe: all workers
 * share the one scheduler id. A run that fails is not retried, because the
 * next run covers the same transactions.
 */
@Processor(RECONCILIATION_QUEUE)
export class ReconciliationProcessor
  extends WorkerHost
  implements OnModuleInit, OnModuleDestroy
{
  private readonly logger = new Logger(ReconciliationProcessor.name);
  private readonly errors = new ThrottledErrorLog(this.logger);

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @InjectQueue(RECONCILIATION_QUEUE) private readonly queue: Queue,
    private readonly reconciliation: ReconciliationService,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    const every = this.config.reconciliation.intervalMs;
    try {
      await this.queue.upsertJobScheduler(
        RECONCILIATION_SCHEDULER_ID,
        { every },
        {
          name: RECONCILE_JOB,
          data: {},
          opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
        },
      );
      this.logger.log(`reconciliation scheduled every ${every} ms`);
    } catch (error) {
      // The scheduler lives in Redis; the next start upserts it again.
      this.logger.error(`could not schedule reconciliation: ${errorMessage(error)}`);
    }
  }

  process(_job: Job): Promise<ReconciliationSummary> {
    return this.reconciliation.run();
  }

  /**
   * Closes the worker, waiting for the job in progress, before the database
   * module disconnects; `@nestjs/bullmq` would close it only afterwards.
   */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.errors.error(`worker ${RECONCILIATION_QUEUE}: ${errorMessage(error)}`);
  }
}
