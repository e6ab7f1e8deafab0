import { Logger } from '@nestjs/common';

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
 * Emits an airtime purchase event. This is the one place they are emitted:
 * for now each is a log line, `<event> {json}`, and a product-analytics
 * capture belongs here too. Phone numbers are left out because they are
 * personal data.
 */
export function emitVtuEvent(
  name: VtuEventName,
  properties: VtuEventProperties,
): void {
  logger.log(`${name} ${JSON.stringify(properties)}`);
}
