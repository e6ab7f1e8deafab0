/**
 * Names and job options of the service's BullMQ queues. Notifications use one
 * queue per channel so that each channel has its own rate limit and a slow or
 * rate-limited provider holds back only its own channel.
 */
import type { JobsOptions } from 'bullmq';
import { NOTIFICATION_CHANNELS, type Channel, type ServiceConfig } from '../config';

export const WEBHOOKS_QUEUE = 'webhooks';
export const RECONCILIATION_QUEUE = 'reconciliation';

/** `notifications-email`, `notifications-sms`, ... `notifications-in-app`. */
export function notificationQueueName(channel: Channel): string {
  return `notifications-${channel.toLowerCase().replace('_', '-')}`;
}

export const NOTIFICATION_QUEUES = NOTIFICATION_CHANNELS.map(
  notificationQueueName,
);

/**
 * Options of jobs that retry with exponential backoff: the n-th retry waits
 * `backoffDelayMs * 2^(n-1)`. The caller sets the job id to the row's id, so
 * adding the same row twice is a no-op while the job is kept in Redis.
 */
export function retryingJobOptions(config: ServiceConfig): JobsOptions {
  return {
    attempts: config.jobs.attempts,
    backoff: { type: 'exponential', delay: config.jobs.backoffDelayMs },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 5000 },
  };
}
