import { Injectable, Logger } from '@nestjs/common';
import {
  RateLimitError,
  UnrecoverableError,
  Worker,
  type Job,
} from 'bullmq';
import { errorMessage } from '../common/error-message';
import { runWithLogContext } from '../common/logging/log-context';
import { PrismaService } from '../database/prisma.service';
import type { NotificationJob } from './notification-queue';
import { NotificationDelivery } from './notification-delivery';
import { NotificationsService } from './notifications.service';

/**
 * Processes one notification job from a channel queue. A provider 429 rate
 * limits the whole channel queue for `Retry-After` and puts the job back
 * without counting an attempt. Any other 4xx fails the job at once, and 5xx
 * and network errors are retried with the queue's exponential backoff.
 */
@Injectable()
export class NotificationProcessor {
  private readonly logger = new Logger(NotificationProcessor.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly delivery: NotificationDelivery,
    private readonly notifications: NotificationsService,
  ) {}

  process(job: Job<NotificationJob>, worker: Worker): Promise<string> {
    // Every log record of this job carries its id and queue.
    return runWithLogContext({ jobId: job.id, queue: job.queueName }, async () => {
      try {
        return await this.deliver(job, worker);
      } catch (error) {
        await this.onAttemptFailed(job, error).catch((failure: unknown) =>
          this.logger.error(
            `could not record the failed attempt of notification ${job.data.notificationId} (job ${job.id}): ${errorMessage(failure)}`,
          ),
        );
        throw error;
      }
    });
  }

  private async deliver(
    job: Job<NotificationJob>,
    worker: Worker,
  ): Promise<string> {
    const { notificationId } = job.data;
    const notification = await this.notifications.claim(notificationId);
    if (!notification) {
      const row = await this.prisma.notificationQueue.findUnique({
        where: { id: notificationId },
        select: { status: true },
      });
      if (!row) {
        throw new UnrecoverableError(`notification ${notificationId} not found`);
      }
      return `already ${row.status.toLowerCase()}`;
    }

    const result = await this.delivery.deliver(notification);
    switch (result.outcome) {
      case 'delivered':
        await this.notifications.markSent(notificationId);
        return 'sent';
      case 'rate_limited':
        this.logger.warn(
          `provider rate limited notification ${notificationId}; pausing queue ${job.queueName} for ${result.retryAfterMs} ms`,
        );
        await worker.rateLimit(result.retryAfterMs);
        throw Worker.RateLimitError();
      case 'permanent_failure':
        throw new UnrecoverableError(result.message);
      case 'retry':
        throw new Error(result.message);
    }
  }

  private async onAttemptFailed(
    job: Job<NotificationJob>,
    error: unknown,
  ): Promise<void> {
    const { notificationId } = job.data;
    if (error instanceof RateLimitError) {
      await this.notifications.markRetrying(notificationId, null);
      return;
    }

    const maxAttempts = job.opts.attempts ?? 1;
    const attempt = job.attemptsMade + 1;
    const final = error instanceof UnrecoverableError || attempt >= maxAttempts;
    if (!final) {
      const message = errorMessage(error);
      await this.notifications.markRetrying(notificationId, message);
      this.logger.warn(
        `notification ${notificationId} attempt ${attempt}/${maxAttempts} failed, will retry: ${message}`,
      );
      return;
    }

    // A job naming a row that is missing or unreadable still fails for good
    // and is reported; only the row cannot be marked.
    const notification = await this.prisma.notificationQueue
      .findUnique({
        where: { id: notificationId },
        select: { id: true, channel: true, traceparent: true },
      })
      .catch(() => null);
    await this.notifications.markFailed(
      notification ?? { id: notificationId, channel: null, traceparent: null },
      error,
      { queue: job.queueName, jobId: job.id ?? notificationId, attempts: attempt },
    );
  }
}
