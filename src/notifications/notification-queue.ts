/**
 * The four channel queues, and adding notification rows to them. A row's id
 * is its job id, so adding a row twice (request and relay both trying) is a
 * no-op while the job is kept in Redis.
 */
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { SERVICE_CONFIG, type Channel, type ServiceConfig } from '../config';
import { notificationQueueName, retryingJobOptions } from '../queues/queues';

export interface NotificationJob {
  notificationId: string;
}

export const DELIVER_JOB = 'deliver';

export interface QueuedNotification {
  id: string;
  channel: Channel;
  /** Wait this long before the first attempt, in ms. */
  delayMs?: number;
}

@Injectable()
export class NotificationQueues {
  private readonly byChannel: Record<Channel, Queue<NotificationJob>>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @InjectQueue(notificationQueueName('EMAIL')) email: Queue,
    @InjectQueue(notificationQueueName('SMS')) sms: Queue,
    @InjectQueue(notificationQueueName('PUSH')) push: Queue,
    @InjectQueue(notificationQueueName('IN_APP')) inApp: Queue,
  ) {
    this.byChannel = { EMAIL: email, SMS: sms, PUSH: push, IN_APP: inApp };
  }

  queue(channel: Channel): Queue<NotificationJob> {
    return this.byChannel[channel];
  }

  all(): Queue<NotificationJob>[] {
    return Object.values(this.byChannel);
  }

  /** Adds one job per notification, with one `addBulk` per channel. */
  async addAll(notifications: QueuedNotification[]): Promise<void> {
    const byChannel = new Map<Channel, QueuedNotification[]>();
    for (const notification of notifications) {
      const list = byChannel.get(notification.channel) ?? [];
      list.push(notification);
      byChannel.set(notification.channel, list);
    }
    await Promise.all(
      [...byChannel].map(([channel, list]) =>
        this.queue(channel).addBulk(
          list.map((notification) => ({
            name: DELIVER_JOB,
            data: { notificationId: notification.id },
            opts: this.jobOptions(notification),
          })),
        ),
      ),
    );
  }

  async add(notification: QueuedNotification): Promise<void> {
    await this.queue(notification.channel).add(
      DELIVER_JOB,
      { notificationId: notification.id },
      this.jobOptions(notification),
    );
  }

  private jobOptions(notification: QueuedNotification) {
    return {
      ...retryingJobOptions(this.config),
      jobId: notification.id,
      delay: notification.delayMs,
    };
  }
}
