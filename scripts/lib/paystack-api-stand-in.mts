/**
 * A local stand-in for Paystack's transaction API:
 * `GET /transaction/verify/<reference>` answers with the status set for that
 * reference in `statuses` (404 when none), shaped like Paystack's answer.
 * Requests without `Authorization: Bearer <secretKey>` get 401.
 */
import { startJsonServer, type JsonServer } from './json-server.mts';

export interface PaystackTransaction {
  status: 'success' | 'failed' | 'abandoned' | 'pending';
  amount: number;
  currency: string;
}

export interface PaystackApiStandIn extends JsonServer {
  statuses: Map<string, PaystackTransaction>;
}

export async function startPaystackApiStandIn(
  secretKey: string,
): Promise<PaystackApiStandIn> {
  const statuses = new Map<string, PaystackTransaction>();
  const server = await startJsonServer((request) => {
    if (request.headers.authorization !== `Bearer ${secretKey}`) {
      return { status: 401, body: { status: false, message: 'Invalid key' } };
    }
    const match = /^\/transaction\/verify\/([^/]+)$/.exec(request.path);
    const found = match && statuses.get(decodeURIComponent(match[1]));
    if (!match || !found) {
      return {
        status: 404,
        body: { status: false, message: 'Transaction reference not found' },
      };
    }
    return {
      status: 200,
      body: {
        status: true,
        message: 'Verification successful',
        data: { reference: decodeURIComponent(match[1]), ...found },
      },
    };
  });
  return { ...server, statuses };
}
