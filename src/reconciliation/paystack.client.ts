import { Inject, Injectable } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';

const REQUEST_TIMEOUT_MS = 10_000;

export type PaystackStatus =
  | { status: 'success'; amount: number; currency: string }
  | { status: 'failed' | 'abandoned' | 'pending' }
  /** Paystack has no transaction with that reference. */
  | { status: 'not_found' }
  /** A status this service does not act on (for example `reversed`). */
  | { status: 'other'; value: string };

/**
 * Paystack's `GET /transaction/verify/<reference>`, authenticated with the
 * secret key as a Bearer token. Throws when Paystack cannot be asked.
 */
@Injectable()
export class PaystackClient {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  get configured(): boolean {
    return this.config.paystackSecretKey !== undefined;
  }

  async verify(reference: string): Promise<PaystackStatus> {
    const base = this.config.paystackBaseUrl.replace(/\/+$/, '');
    const url = `${base}/transaction/verify/${encodeURIComponent(reference)}`;

    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${this.config.paystackSecretKey}` },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new Error(
        `Paystack verify of ${reference} failed: ${errorMessage(error)}`,
      );
    }

    const body = (await response.json().catch(() => undefined)) as
      | { data?: { status?: unknown; amount?: unknown; currency?: unknown } }
      | undefined;
    // Paystack returns 400 or 404 for an unknown reference.
    if (response.status === 404 || response.status === 400) {
      return { status: 'not_found' };
    }
    if (!response.ok || !body?.data) {
      throw new Error(
        `Paystack verify of ${reference} failed with status ${response.status}; check PAYSTACK_SECRET_KEY and PAYSTACK_BASE_URL`,
      );
    }
    const { status, amount, currency } = body.data;
    if (status === 'success') {
      return {
        status,
        amount: Number(amount),
        currency: String(currency),
      };
    }
    if (status === 'failed' || status === 'abandoned' || status === 'pending') {
      return { status };
    }
    return { status: 'other', value: String(status) };
  }
}
