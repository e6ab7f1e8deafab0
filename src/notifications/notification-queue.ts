import type { JobsOptions } from 'bullmq';

export const NOTIFICATIONS_QUEUE = 'notifications';

export interface NotificationJob {
  notificationId: string;
}

/**
 * Retries with exponential backoff: 1 s, 2 s, 4 s, 8 s. The job id is the
 * notification's id, so enqueueing the same notification twice is a no-op.
 */
export const NOTIFICATION_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};
