import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { Worker } from 'bullmq';
import { errorMessage } from '../common/error-message';
import { ThrottledErrorLog } from '../common/throttled-log';
import {
  NOTIFICATION_CHANNELS,
  SERVICE_CONFIG,
  type ServiceConfig,
} from '../config';
import { formatRateLimit } from '../config-values';
import { bullConnectionFromUrl } from '../database/redis';
import { notificationQueueName } from '../queues/queues';
import type { NotificationJob } from './notification-queue';
import { NotificationProcessor } from './notification.processor';

/**
 * One BullMQ worker per channel queue, each with the channel's rate limit
 * from NOTIFICATION_RATE_LIMIT_<CHANNEL>. They are built here rather than
 * with `@Processor` because the limits are only known at start-up. Each
 * worker runs NOTIFICATION_CONCURRENCY jobs at once: delivery mostly waits
 * on the provider, so one process can keep many in flight. Closing waits
 * for the jobs in progress, so SIGTERM lets them finish.
 */
@Injectable()
export class NotificationWorkers implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NotificationWorkers.name);
  private readonly errors = new ThrottledErrorLog(this.logger);
  private readonly workers: Worker<NotificationJob>[] = [];

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly processor: NotificationProcessor,
  ) {}

  onModuleInit(): void {
    const connection = bullConnectionFromUrl(this.config.redisUrl);
    for (const channel of NOTIFICATION_CHANNELS) {
      const name = notificationQueueName(channel);
      const limit = this.config.notifications.rateLimits[channel];
      const worker: Worker<NotificationJob> = new Worker<NotificationJob>(
        name,
        (job) => this.processor.process(job, worker),
        {
          connection,
          prefix: this.config.queuePrefix,
          concurrency: this.config.notifications.concurrency,
          limiter: limit ?? undefined,
        },
      );
      // Without a listener an 'error' event (Redis unreachable) would crash
      // the process; BullMQ reconnects on its own.
      worker.on('error', (error) =>
        this.errors.error(`worker ${name}: ${errorMessage(error)}`),
      );
      this.workers.push(worker);
      this.logger.log(`worker ${name} started, rate limit ${formatRateLimit(limit)}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
    this.logger.log('notification workers closed');
  }
}
