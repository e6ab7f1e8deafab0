/**
 * A local stand-in for Circle's notification signing: it holds an ECDSA
 * P-256 key pair, serves the public key at
 * `GET /v2/notifications/publicKey/<keyId>` as Circle does (base64 DER
 * SPKI, algorithm ECDSA_SHA_256), and signs bodies the way Circle signs
 * webhooks (base64 DER signature of the raw body).
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { startJsonServer, type JsonServer } from './json-server.mts';

export interface CircleStandIn extends JsonServer {
  keyId: string;
  /** Headers a webhook signed with the stand-in's key carries. */
  sign(body: string): { 'x-circle-key-id': string; 'x-circle-signature': string };
  /** How many times the public key was fetched. */
  keyFetches(): number;
  /** Make the next `count` key requests answer 503. */
  failKeyFetches(count: number): void;
}

export async function startCircleStandIn(): Promise<CircleStandIn> {
  const keyId = randomUUID();
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
  });
  const publicDer = publicKey.export({ type: 'spki', format: 'der' });
  let failing = 0;
  const server = await startJsonServer((request) => {
    if (failing > 0) {
      failing -= 1;
      return { status: 503, body: { code: 503, message: 'Service unavailable' } };
    }
    if (request.path !== `/v2/notifications/publicKey/${keyId}`) {
      return { status: 404, body: { code: 404, message: 'Not found' } };
    }
    return {
      status: 200,
      body: {
        data: {
          id: keyId,
          algorithm: 'ECDSA_SHA_256',
          publicKey: publicDer.toString('base64'),
          createDate: new Date().toISOString(),
        },
      },
    };
  });
  return {
    ...server,
    keyId,
    sign: (body) => ({
      'x-circle-key-id': keyId,
      'x-circle-signature': sign('sha256', Buffer.from(body), {
        key: privateKey,
        dsaEncoding: 'der',
      }).toString('base64'),
    }),
    keyFetches: () =>
      server.requests.filter((r) => r.path.startsWith('/v2/notifications/publicKey/')).length,
    failKeyFetches(count) {
      failing = count;
    },
  };
}

/** A Circle v2 `transactions.inbound` notification; ids are made up. */
export function circleInboundNotification(
  refId: string,
  state: 'CONFIRMED' | 'COMPLETE' | 'FAILED',
  amount: string,
) {
  return {
    subscriptionId: randomUUID(),
    notificationId: randomUUID(),
    notificationType: 'transactions.inbound',
    notification: {
      id: randomUUID(),
      blockchain: 'ETH-SEPOLIA',
      tokenId: randomUUID(),
      walletId: randomUUID(),
      refId,
      state,
      amounts: [amount],
      transactionType: 'INBOUND',
      createDate: new Date().toISOString(),
    },
    timestamp: new Date().toISOString(),
    version: 2,
  };
}
