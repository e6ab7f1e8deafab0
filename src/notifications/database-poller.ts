import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { PeriodicTask } from '../common/periodic-task';
import { withoutTracing, withTraceparent } from '../common/trace-context';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import type { NotificationQueue } from '../generated/prisma/client';
import { NotificationDelivery } from './notification-delivery';
import { NotificationsService } from './notifications.service';

/** The `queue` of dead letters written by this backend. */
export const DATABASE_QUEUE_NAME = 'notification_queue';

const BATCH_SIZE = 50;

/**
 * The database backend (NOTIFICATION_BACKEND=database): the cron-style
 * processor that drained `notification_queue` before BullMQ, kept as the
 * rollback path. Every poll interval it claims due rows with
 * `FOR UPDATE SKIP LOCKED`, so several processes can poll, marks them
 * PROCESSING and delivers them one by one. A delivered row becomes SENT. A
 * retryable error or a 429 puts it back to PENDING with a later
 * `next_attempt_at`. A permanent error or the last attempt makes it FAILED,
 * with a dead letter.
 *
 * Besides PENDING rows it claims rows BullMQ was given but has not finished
 * for a minute (after a switch back from BullMQ those jobs may never run),
 * and PROCESSING rows abandoned for five minutes by a crashed poller. The
 * provider's idempotency key (the row id) keeps those from arriving twice.
 */
@Injectable()
export class DatabaseNotificationPoller implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DatabaseNotificationPoller.name);
  private task?: PeriodicTask;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly prisma: PrismaService,
    private readonly delivery: NotificationDelivery,
    private readonly notifications: NotificationsService,
  ) {}

  onModuleInit(): void {
    this.task = new PeriodicTask(
      'database notification poller',
      this.config.notifications.pollIntervalMs,
      () => this.pollOnce().then(() => undefined),
      this.logger,
    );
    this.task.start();
    this.logger.log(
      `NOTIFICATION_BACKEND=database: polling notification_queue every ${this.config.notifications.pollIntervalMs} ms`,
    );
  }

  onModuleDestroy(): Promise<void> | undefined {
    return this.task?.stop();
  }

  /** Claims and delivers one batch; returns how many rows it claimed. */
  async pollOnce(): Promise<number> {
    const claimed = await withoutTracing(() => this.claim());
    for (const notification of claimed) {
      await withTraceparent(notification.traceparent, () =>
        this.deliverOne(notification),
      ).catch((error: unknown) =>
        this.logger.error(
          `notification ${notification.id}: could not record the outcome of its delivery: ${errorMessage(error)}`,
        ),
      );
    }
    return claimed.length;
  }

  private async claim(): Promise<NotificationQueue[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE notification_queue
         SET status = 'PROCESSING', backend = 'DATABASE',
             attempts = attempts + 1, updated_at = now()
       WHERE id IN (
         SELECT id FROM notification_queue
          WHERE (status = 'PENDING'
                 AND (next_attempt_at IS NULL OR next_attempt_at <= now()))
             OR (status = 'QUEUED'
                 AND COALESCE(queued_at, updated_at) < now() - interval '1 minute')
             OR (status = 'PROCESSING'
                 AND updated_at < now() - interval '5 minutes')
          ORDER BY created_at
          LIMIT ${BATCH_SIZE}
          FOR UPDATE SKIP LOCKED)
      RETURNING id`;
    if (rows.length === 0) return [];
    return this.prisma.notificationQueue.findMany({
      where: { id: { in: rows.map((row) => row.id) } },
      orderBy: { createdAt: 'asc' },
    });
  }

  private async deliverOne(notification: NotificationQueue): Promise<void> {
    const result = await this.delivery.deliver(notification);
    const attempts = notification.attempts;
    const maxAttempts = this.config.jobs.attempts;
    switch (result.outcome) {
      case 'delivered':
        await this.notifications.markSent(notification.id);
        return;
      case 'rate_limited':
        // Not a failed attempt: give the attempt back and wait for Retry-After.
        await this.prisma.notificationQueue.update({
          where: { id: notification.id },
          data: {
            status: 'PENDING',
            attempts: { decrement: 1 },
            nextAttemptAt: new Date(Date.now() + result.retryAfterMs),
          },
        });
        this.logger.warn(
          `provider rate limited notification ${notification.id}; retrying in ${result.retryAfterMs} ms`,
        );
        return;
      case 'retry':
        if (attempts < maxAttempts) {
          const backoffMs = this.config.jobs.backoffDelayMs * 2 ** (attempts - 1);
          await this.notifications.markRetrying(
            notification.id,
            result.message,
            new Date(Date.now() + backoffMs),
          );
          this.logger.warn(
            `notification ${notification.id} attempt ${attempts}/${maxAttempts} failed, will retry in ${backoffMs} ms: ${result.message}`,
          );
          return;
        }
        break;
      case 'permanent_failure':
        break;
    }
    await this.notifications.markFailed(notification, new Error(result.message), {
      queue: DATABASE_QUEUE_NAME,
      jobId: notification.id,
      attempts,
    });
  }
}
