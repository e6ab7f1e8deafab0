import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { captureException } from '#otel';
import { errorMessage } from '../common/error-message';
import { currentTraceparent } from '../common/trace-context';
import { withTimeout } from '../common/with-timeout';
import { SERVICE_CONFIG, type Channel, type ServiceConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { REDIS_PROBE } from '../database/redis';
import { DeadLettersService } from '../dead-letters/dead-letters.service';
import type { NotificationQueue, Prisma } from '../generated/prisma/client';
import { NotificationQueues } from './notification-queue';

const ENQUEUE_TIMEOUT_MS = 2000;

export type NewNotification = Omit<
  Prisma.NotificationQueueUncheckedCreateInput,
  'id' | 'status' | 'attempts' | 'backend' | 'traceparent'
>;

export interface RecordedNotification {
  id: string;
  channel: Channel;
}

/** The queue, job and attempt count of a failed delivery, for its dead letter. */
export interface FailedDelivery {
  queue: string;
  jobId: string;
  attempts: number;
}

/**
 * Notification rows and their life cycle. A row is written in the same
 * database transaction as the business change it reports, so it is the
 * record of what must be delivered. The configured backend then delivers it.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly prisma: PrismaService,
    private readonly queues: NotificationQueues,
    private readonly deadLetters: DeadLettersService,
    @Inject(REDIS_PROBE) private readonly redis: Redis,
  ) {}

  /**
   * Writes notification rows inside the caller's database transaction,
   * with the trace context of the current request.
   */
  async record(
    tx: Prisma.TransactionClient,
    notifications: NewNotification[],
  ): Promise<RecordedNotification[]> {
    const backend =
      this.config.notifications.backend === 'bullmq' ? 'BULLMQ' : 'DATABASE';
    const traceparent = currentTraceparent() ?? null;
    const recorded: RecordedNotification[] = [];
    for (const data of notifications) {
      const row = await tx.notificationQueue.create({
        data: { ...data, backend, traceparent },
        select: { id: true, channel: true },
      });
      recorded.push(row);
    }
    return recorded;
  }

  /**
   * Hands recorded rows to BullMQ once their transaction has committed, and
   * marks them QUEUED. If Redis is down or slow the rows stay PENDING and
   * the relay hands them over later; the request does not fail.
   */
  async enqueue(notifications: RecordedNotification[]): Promise<void> {
    if (notifications.length === 0) return;
    if (this.config.notifications.backend === 'database') return;
    const ids = notifications.map((n) => n.id);
    if (this.redis.status !== 'ready') {
      this.logger.warn(
        `Redis is ${this.redis.status}; notifications ${ids.join(', ')} stay PENDING for the relay`,
      );
      return;
    }
    try {
      await withTimeout(
        this.queues.addAll(notifications),
        ENQUEUE_TIMEOUT_MS,
        `enqueue timed out after ${ENQUEUE_TIMEOUT_MS} ms`,
      );
      await this.prisma.notificationQueue.updateMany({
        where: { id: { in: ids }, status: 'PENDING' },
        data: { status: 'QUEUED', queuedAt: new Date() },
      });
    } catch (error) {
      this.logger.warn(
        `notifications ${ids.join(', ')} stay PENDING for the relay: ${errorMessage(error)}`,
      );
    }
  }

  /**
   * Marks a row PROCESSING for one more attempt and returns it, in one
   * round trip. Returns undefined when the row is missing, SENT or FAILED,
   * so a redelivered job (a retry after a lost acknowledgement, a relay
   * that raced the request) does not send again.
   */
  async claim(id: string): Promise<NotificationQueue | undefined> {
    const [row] = await this.prisma.notificationQueue.updateManyAndReturn({
      where: { id, status: { in: ['PENDING', 'QUEUED', 'PROCESSING'] } },
      data: { status: 'PROCESSING', attempts: { increment: 1 } },
    });
    return row;
  }

  async markSent(id: string): Promise<void> {
    await this.prisma.notificationQueue.update({
      where: { id },
      data: {
        status: 'SENT',
        sentAt: new Date(),
        lastError: null,
        nextAttemptAt: null,
      },
    });
  }

  /**
   * Puts a row back for another attempt: QUEUED under BullMQ, which keeps
   * the retry in Redis, or PENDING with a time for the database backend.
   */
  async markRetrying(
    id: string,
    error: string | null,
    nextAttemptAt?: Date,
  ): Promise<void> {
    const status = nextAttemptAt ? 'PENDING' : 'QUEUED';
    await this.prisma.notificationQueue.update({
      where: { id },
      data: { status, lastError: error, nextAttemptAt: nextAttemptAt ?? null },
    });
  }

  /**
   * Reports a delivery that failed for good, records its dead letter and
   * marks the row FAILED, in that order: the report and the dead letter do
   * not depend on the row, which may be missing or unreadable.
   */
  async markFailed(
    notification: {
      id: string;
      channel: Channel | null;
      traceparent: string | null;
    },
    error: unknown,
    failure: FailedDelivery,
  ): Promise<void> {
    const message = errorMessage(error);
    const eventId = captureException(error, {
      tags: {
        'messaging.destination.name': failure.queue,
        'messaging.message.id': failure.jobId,
      },
      extra: { attempts: failure.attempts },
    });
    this.logger.error({
      message: `notification ${notification.id} failed for good after ${failure.attempts} attempt(s): ${message}`,
      'notification.id': notification.id,
      'sentry.event_id': eventId ?? '',
    });
    await this.deadLetters.record({
      queue: failure.queue,
      jobId: failure.jobId,
      jobName: 'deliver',
      payload: { notificationId: notification.id, channel: notification.channel },
      attempts: failure.attempts,
      error: message,
      traceparent: notification.traceparent,
    });
    await this.prisma.notificationQueue.updateMany({
      where: { id: notification.id },
      data: { status: 'FAILED', lastError: message },
    });
  }

  /**
   * Sends a FAILED notification again from its first attempt, in the trace
   * of the caller (an operator's replay request). The row goes back to
   * PENDING, so the relay hands it over if the enqueue here fails. Returns
   * false when the row is not FAILED; throws when Redis cannot be reached.
   */
  async replay(notificationId: string): Promise<boolean> {
    const row = await this.prisma.notificationQueue.findUnique({
      where: { id: notificationId },
      select: { id: true, channel: true, status: true },
    });
    if (row?.status !== 'FAILED') return false;

    const database = this.config.notifications.backend === 'database';
    if (!database) {
      // The failed job keeps its id in Redis until removed, and a new job
      // with the same id would be ignored.
      const queue = this.queues.queue(row.channel);
      await withTimeout(
        queue.getJob(row.id).then((job) => job?.remove()),
        ENQUEUE_TIMEOUT_MS,
        `removing the failed job ${row.id} timed out after ${ENQUEUE_TIMEOUT_MS} ms`,
      );
    }
    const { count } = await this.prisma.notificationQueue.updateMany({
      where: { id: notificationId, status: 'FAILED' },
      data: {
        status: 'PENDING',
        backend: database ? 'DATABASE' : 'BULLMQ',
        attempts: 0,
        lastError: null,
        nextAttemptAt: null,
        traceparent: currentTraceparent() ?? null,
      },
    });
    if (count === 0) return false;
    await this.enqueue([row]);
    return true;
  }
}
