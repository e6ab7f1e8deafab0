import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { withTimeout } from '../common/with-timeout';
import { PrismaService } from '../database/prisma.service';
import type { Prisma } from '../generated/prisma/client';
import {
  NOTIFICATION_JOB_OPTIONS,
  NOTIFICATIONS_QUEUE,
  type NotificationJob,
} from './notification-queue';

const ENQUEUE_TIMEOUT_MS = 2000;

export type NewNotification = Omit<
  Prisma.NotificationQueueUncheckedCreateInput,
  'id' | 'status' | 'attempts'
>;

@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    @InjectQueue(NOTIFICATIONS_QUEUE)
    private readonly queue: Queue<NotificationJob>,
    private readonly prisma: PrismaService,
  ) {}

  /**
   * Writes notification rows inside the caller's database transaction; they
   * are the record of what must be delivered.
   */
  async record(
    tx: Prisma.TransactionClient,
    notifications: NewNotification[],
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const data of notifications) {
      const row = await tx.notificationQueue.create({
        data,
        select: { id: true },
      });
      ids.push(row.id);
    }
    return ids;
  }

  /**
   * Hands recorded notifications to BullMQ, after the transaction that wrote
   * them has committed, and marks them QUEUED. A Redis failure does not fail
   * the request: the rows stay PENDING.
   */
  async enqueue(notificationIds: string[]): Promise<void> {
    try {
      await withTimeout(
        this.queue.addBulk(
          notificationIds.map((notificationId) => ({
            name: 'deliver',
            data: { notificationId },
            opts: { ...NOTIFICATION_JOB_OPTIONS, jobId: notificationId },
          })),
        ),
        ENQUEUE_TIMEOUT_MS,
        `enqueue timed out after ${ENQUEUE_TIMEOUT_MS} ms`,
      );
      await this.prisma.notificationQueue.updateMany({
        where: { id: { in: notificationIds }, status: 'PENDING' },
        data: { status: 'QUEUED' },
      });
    } catch (error) {
      // NOTE: no relay picks these rows up yet; they stay PENDING in
      // notification_queue until one is re-enqueued by hand.
      this.logger.error(
        `could not enqueue notifications ${notificationIds.join(', ')}: ${String(error)}`,
      );
    }
  }
}
