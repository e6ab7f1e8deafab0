/**
 * A local stand-in for the notification provider: accepts
 * `POST /<channel>` with `{ notificationId, to, subject, body }` and records
 * each delivery. `plan` decides the answer per request, so callers can make a
 * first attempt fail and watch the retry.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';

export interface ProviderRequest {
  channel: string;
  idempotencyKey: string | undefined;
  traceparent: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: { notificationId?: string; to?: string; subject?: string; body?: string };
  /** When the request arrived, in ms since the epoch. */
  receivedAt: number;
}

export type Answer = {
  status: number;
  headers?: Record<string, string>;
  /** Hold the answer back this long, in ms, as a slow provider would. */
  delayMs?: number;
};

export interface ProviderStandIn {
  url: string;
  requests: ProviderRequest[];
  /** Notifications answered with 2xx, by id. */
  delivered: Set<string>;
  /** How many times each notification was answered with 2xx. */
  deliveries: Map<string, number>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startProviderStandIn(
  plan: (request: ProviderRequest, attempt: number) => Answer = () => ({ status: 202 }),
): Promise<ProviderStandIn> {
  const requests: ProviderRequest[] = [];
  const delivered = new Set<string>();
  const deliveries = new Map<string, number>();
  const attempts = new Map<string, number>();

  const server: Server = createServer(async (req, res) => {
    const receivedAt = Date.now();
    const text = await readBody(req);
    let body: ProviderRequest['body'] = {};
    try {
      body = JSON.parse(text);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const record: ProviderRequest = {
      channel: (req.url ?? '/').slice(1),
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      traceparent: req.headers.traceparent as string | undefined,
      headers: req.headers,
      body,
      receivedAt,
    };
    requests.push(record);
    const id = body.notificationId ?? '';
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);

    const answer = plan(record, attempt);
    if (answer.delayMs) {
      await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    }
    if (answer.status >= 200 && answer.status < 300) {
      delivered.add(id);
      deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
    }
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      ...answer.headers,
    });
    res.end(JSON.stringify({ id, accepted: answer.status < 300 }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) {
    throw new Error('provider stand-in has no address');
  }
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    delivered,
    deliveries,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
