/**
 * A local stand-in for VTPass: `POST /api/pay` records a purchase and
 * answers with the outcome `planFor(phone)` picks, and `POST /api/requery`
 * answers with a purchase's current status. `setStatus` changes a
 * purchase's status, as VTPass staff do when they resolve a pending one;
 * `callback` builds the `transaction-update` VTPass would then send.
 * Requests without the configured `api-key` and `secret-key` get 401.
 */
import { startJsonServer, type JsonServer } from './json-server.mts';

export type VtpassStatus = 'delivered' | 'failed' | 'pending' | 'reversed';

export interface VtpassPurchase {
  requestId: string;
  serviceID: string;
  phone: string;
  amount: number;
  status: VtpassStatus;
  transactionId: string;
}

export interface VtpassStandIn extends JsonServer {
  purchases: Map<string, VtpassPurchase>;
  setStatus(requestId: string, status: VtpassStatus): void;
  callback(requestId: string, status?: VtpassStatus): object;
  /** Make the next `count` requery calls answer 500. */
  failRequeries(count: number): void;
}

function transactionBody(purchase: VtpassPurchase, status = purchase.status) {
  return {
    code: status === 'pending' ? '099' : '000',
    content: {
      transactions: {
        status,
        product_name: `${purchase.serviceID.toUpperCase()} Airtime VTU`,
        unique_element: purchase.phone,
        unit_price: purchase.amount,
        quantity: 1,
        type: 'Airtime Recharge',
        amount: purchase.amount,
        method: 'api',
        transactionId: purchase.transactionId,
      },
    },
    response_description: status === 'delivered' ? 'TRANSACTION SUCCESSFUL' : `TRANSACTION ${status.toUpperCase()}`,
    requestId: purchase.requestId,
    amount: purchase.amount,
    purchased_code: '',
  };
}

export async function startVtpassStandIn(
  credentials: { apiKey: string; secretKey: string },
  planFor: (phone: string) => VtpassStatus = () => 'delivered',
): Promise<VtpassStandIn> {
  const purchases = new Map<string, VtpassPurchase>();
  let failingRequeries = 0;
  let nextId = 1_700_000_000_000;
  const server = await startJsonServer((request) => {
    if (
      request.headers['api-key'] !== credentials.apiKey ||
      request.headers['secret-key'] !== credentials.secretKey
    ) {
      return { status: 401, body: { code: '087', response_description: 'INVALID CREDENTIALS' } };
    }
    if (request.method === 'POST' && request.path === '/api/pay') {
      const { request_id, serviceID, amount, phone } = request.body ?? {};
      if (purchases.has(request_id)) {
        return { status: 200, body: { code: '014', response_description: 'REQUEST ID ALREADY EXIST' } };
      }
      const purchase: VtpassPurchase = {
        requestId: request_id,
        serviceID,
        phone,
        amount,
        status: planFor(phone),
        transactionId: String(nextId++),
      };
      purchases.set(request_id, purchase);
      return { status: 200, body: transactionBody(purchase) };
    }
    if (request.method === 'POST' && request.path === '/api/requery') {
      if (failingRequeries > 0) {
        failingRequeries -= 1;
        return { status: 500, body: { response_description: 'SERVER ERROR' } };
      }
      const purchase = purchases.get(request.body?.request_id);
      if (!purchase) {
        return { status: 200, body: { code: '015', response_description: 'INVALID REQUEST ID' } };
      }
      return { status: 200, body: transactionBody(purchase) };
    }
    return { status: 404, body: { response_description: 'NOT FOUND' } };
  });
  return {
    ...server,
    purchases,
    setStatus(requestId, status) {
      const purchase = purchases.get(requestId);
      if (!purchase) throw new Error(`the VTPass stand-in has no purchase ${requestId}`);
      purchase.status = status;
    },
    callback(requestId, status) {
      const purchase = purchases.get(requestId);
      if (!purchase) throw new Error(`the VTPass stand-in has no purchase ${requestId}`);
      return { type: 'transaction-update', data: transactionBody(purchase, status) };
    },
    failRequeries(count) {
      failingRequeries = count;
    },
  };
}
