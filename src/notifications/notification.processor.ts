import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { captureException } from '#otel';
import { runWithLogContext } from '../common/logging/log-context';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { NOTIFICATIONS_QUEUE, type NotificationJob } from './notification-queue';
import { sendToProvider } from './provider.client';

/**
 * Delivers notifications. IN_APP notifications are stored for the app to
 * show and need no provider; EMAIL, SMS and PUSH go to the provider. A job
 * that fails for good marks its row FAILED and is reported once.
 */
@Processor(NOTIFICATIONS_QUEUE, { concurrency: 8 })
export class NotificationProcessor extends WorkerHost {
  private readonly logger = new Logger(NotificationProcessor.name);

  constructor(
    private readonly prisma: PrismaService,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {
    super();
  }

  process(job: Job<NotificationJob>): Promise<string> {
    return runWithLogContext(
      { jobId: job.id, queue: NOTIFICATIONS_QUEUE },
      async () => {
        try {
          return await this.deliver(job);
        } catch (error) {
          await this.onAttemptFailed(job, error);
          throw error;
        }
      },
    );
  }

  private async deliver(job: Job<NotificationJob>): Promise<string> {
    const { notificationId } = job.data;
    const notification = await this.prisma.notificationQueue.findUnique({
      where: { id: notificationId },
    });
    if (!notification) {
      throw new UnrecoverableError(`notification ${notificationId} not found`);
    }
    if (notification.status === 'SENT') return 'already sent';

    await this.prisma.notificationQueue.update({
      where: { id: notificationId },
      data: { status: 'PROCESSING', attempts: { increment: 1 } },
    });

    if (notification.channel !== 'IN_APP') {
      const baseUrl = this.config.notificationProviderUrl;
      if (!baseUrl) {
        throw new UnrecoverableError(
          'NOTIFICATION_PROVIDER_URL is not set; cannot deliver EMAIL, SMS or PUSH notifications',
        );
      }
      const result = await sendToProvider(baseUrl, notification.channel, {
        notificationId,
        to: notification.recipient,
        subject: notification.subject,
        body: notification.body,
      });
      switch (result.outcome) {
        case 'rate_limited':
          // A 429 is the provider's rate limit, not a failed attempt.
          await this.worker.rateLimit(result.retryAfterMs);
          throw Worker.RateLimitError();
        case 'rejected':
          throw new UnrecoverableError(
            `provider rejected notification ${notificationId} with status ${result.status}`,
          );
        case 'retry':
          throw new Error(
            `delivery of notification ${notificationId} failed: ${result.reason}`,
          );
        case 'delivered':
          break;
      }
    }

    await this.prisma.notificationQueue.update({
      where: { id: notificationId },
      data: { status: 'SENT', sentAt: new Date(), lastError: null },
    });
    this.logger.log({
      message: `notification ${notificationId} sent by ${notification.channel}`,
      'notification.id': notificationId,
      'notification.channel': notification.channel,
      'user.id': notification.userId,
    });
    return 'sent';
  }

  private async onAttemptFailed(
    job: Job<NotificationJob>,
    error: unknown,
  ): Promise<void> {
    if (error instanceof Error && error.name === 'RateLimitError') return;

    const maxAttempts = job.opts.attempts ?? 1;
    const final =
      error instanceof UnrecoverableError || job.attemptsMade + 1 >= maxAttempts;
    const message = error instanceof Error ? error.message : String(error);

    await this.prisma.notificationQueue
      .update({
        where: { id: job.data.notificationId },
        data: { status: final ? 'FAILED' : 'QUEUED', lastError: message },
      })
      .catch(() => undefined);

    if (!final) {
      this.logger.warn(
        `notification ${job.data.notificationId} attempt ${job.attemptsMade + 1}/${maxAttempts} failed, will retry: ${message}`,
      );
      return;
    }
    const eventId = captureException(error, {
      tags: {
        'messaging.destination.name': NOTIFICATIONS_QUEUE,
        'messaging.message.id': job.id ?? 'unknown',
      },
      extra: { attemptsMade: job.attemptsMade + 1 },
    });
    this.logger.error({
      message: `notification ${job.data.notificationId} failed for good after ${job.attemptsMade + 1} attempts: ${message}`,
      'notification.id': job.data.notificationId,
      'sentry.event_id': eventId ?? '',
    });
  }
}
