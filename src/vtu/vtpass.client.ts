import { Inject, Injectable } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';

const REQUEST_TIMEOUT_MS = 15_000;

/**
 * The status of a purchase at VTPass. `pending` covers its `pending`,
 * `initiated` and code 099 (processing), and `not_found` is code 015 on a
 * requery (no transaction with that request id).
 */
export type VtpassOutcome =
  | 'delivered'
  | 'failed'
  | 'reversed'
  | 'pending'
  | 'not_found';

export interface VtpassResult {
  outcome: VtpassOutcome;
  code: string;
  description?: string;
  /** VTPass's own id of the transaction. */
  transactionId?: string;
}

/** VTPass could not be reached or responded with an HTTP error. */
export class VtpassUnavailableError extends Error {
  override name = 'VtpassUnavailableError';
}

interface VtpassBody {
  code?: unknown;
  response_description?: unknown;
  content?: { transactions?: { status?: unknown; transactionId?: unknown } };
}

/** Reads the outcome the way VTPass documents it: the inner status first. */
export function vtpassOutcome(body: VtpassBody): VtpassResult {
  const code = String(body.code ?? '');
  const transaction = body.content?.transactions;
  const status = String(transaction?.status ?? '').toLowerCase();
  const description =
    typeof body.response_description === 'string'
      ? body.response_description
      : undefined;
  const transactionId =
    transaction?.transactionId === undefined
      ? undefined
      : String(transaction.transactionId);
  const result = (outcome: VtpassOutcome): VtpassResult => ({
    outcome,
    code,
    description,
    transactionId,
  });
  if (status === 'delivered') return result('delivered');
  if (status === 'reversed') return result('reversed');
  if (status === 'failed') return result('failed');
  if (status === 'pending' || status === 'initiated' || code === '099') {
    return result('pending');
  }
  if (code === '015') return result('not_found');
  // Other codes (016 transaction failed, 018 low wallet balance, 011 invalid
  // arguments, ...) mean VTPass delivered nothing.
  return result('failed');
}

/**
 * Calls VTPass's `POST /api/pay` and `POST /api/requery` with the
 * `api-key` and `secret-key` headers VTPass wants on POST requests.
 */
@Injectable()
export class VtpassClient {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  /** True when VTPASS_API_KEY and VTPASS_SECRET_KEY are both set. */
  get configured(): boolean {
    return Boolean(this.config.vtpass.apiKey && this.config.vtpass.secretKey);
  }

  /** Buys airtime; `amount` is in naira, as VTPass takes it. */
  pay(purchase: {
    requestId: string;
    serviceId: string;
    amount: number;
    phone: string;
  }): Promise<VtpassResult> {
    return this.post('/api/pay', {
      request_id: purchase.requestId,
      serviceID: purchase.serviceId,
      amount: purchase.amount,
      phone: purchase.phone,
    });
  }

  requery(requestId: string): Promise<VtpassResult> {
    return this.post('/api/requery', { request_id: requestId });
  }

  private async post(path: string, body: object): Promise<VtpassResult> {
    const { apiKey, secretKey } = this.config.vtpass;
    if (!apiKey || !secretKey) {
      throw new VtpassUnavailableError(
        'VTPASS_API_KEY and VTPASS_SECRET_KEY must be set to call VTPass',
      );
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'api-key': apiKey,
      'secret-key': secretKey,
    };
    let response: Response;
    try {
      response = await fetch(`${this.config.vtpass.baseUrl}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new VtpassUnavailableError(
        `VTPass ${path} request failed: ${errorMessage(error)}`,
      );
    }
    const parsed = (await response.json().catch(() => undefined)) as
      | VtpassBody
      | undefined;
    if (!response.ok || !parsed) {
      throw new VtpassUnavailableError(
        `VTPass ${path} failed with status ${response.status}${parsed ? '' : ' and no JSON body'}`,
      );
    }
    return vtpassOutcome(parsed);
  }
}
