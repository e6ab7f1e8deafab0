import { Logger } from '@nestjs/common';
import { capture } from '#otel';

export type VtuEventName =
  | 'vtu_purchase_initiated'
  | 'vtu_purchase_completed'
  | 'vtu_purchase_failed';

export interface VtuEventProperties {
  userId: string;
  reference: string;
  network: string;
  /** In minor units of `currency`. */
  amount: number;
  currency: string;
  reason?: string;
}

const logger = new Logger('VtuEvents');

/**
 * Emits an airtime purchase event: a product event with the user as its
 * distinct id (the gateway adds the trace id), and a log line. This is the
 * one place they are emitted. Phone numbers are left out because they are
 * personal data.
 */
export function emitVtuEvent(
  name: VtuEventName,
  properties: VtuEventProperties,
): void {
  const { userId, ...rest } = properties;
  capture({
    event: name,
    distinctId: userId,
    properties: { type: 'AIRTIME', ...rest },
  });
  logger.log(`${name} ${JSON.stringify(properties)}`);
}
