import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import type { NotificationQueue } from '../generated/prisma/client';
import { sendToProvider } from './provider.client';

export type DeliveryOutcome =
  | { outcome: 'delivered' }
  | { outcome: 'rate_limited'; retryAfterMs: number }
  /** Retrying cannot help: a 4xx other than 429, or a missing setting. */
  | { outcome: 'permanent_failure'; message: string }
  | { outcome: 'retry'; message: string };

/**
 * Delivers one notification row, whichever backend drives it. IN_APP
 * notifications are stored for the app to show and need no provider.
 */
@Injectable()
export class NotificationDelivery {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  async deliver(notification: NotificationQueue): Promise<DeliveryOutcome> {
    if (notification.channel === 'IN_APP') return { outcome: 'delivered' };
    const baseUrl = this.config.notificationProviderUrl;
    if (!baseUrl) {
      return {
        outcome: 'permanent_failure',
        message: `notification ${notification.id} not sent: NOTIFICATION_PROVIDER_URL is not set, so EMAIL, SMS and PUSH cannot be delivered`,
      };
    }
    const result = await sendToProvider(baseUrl, notification.channel, {
      notificationId: notification.id,
      to: notification.recipient,
      subject: notification.subject,
      body: notification.body,
    });
    switch (result.outcome) {
      case 'delivered':
      case 'rate_limited':
        return result;
      case 'rejected':
        return {
          outcome: 'permanent_failure',
          message: `provider rejected notification ${notification.id} with status ${result.status}`,
        };
      case 'retry':
        return {
          outcome: 'retry',
          message: `delivery of notification ${notification.id} failed: ${result.reason}`,
        };
    }
  }
}
