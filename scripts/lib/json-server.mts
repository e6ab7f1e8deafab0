/**
 * A loopback HTTP server for stand-ins: the handler gets the method, path,
 * headers and parsed JSON body, and returns a status and a JSON body.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface JsonRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** When the request arrived, in ms since the epoch. */
  receivedAt: number;
}

export interface JsonAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface JsonServer {
  url: string;
  requests: JsonRequest[];
  close(): Promise<void>;
}

export async function startJsonServer(
  handle: (request: JsonRequest) => JsonAnswer | Promise<JsonAnswer>,
): Promise<JsonServer> {
  const requests: JsonRequest[] = [];
  const server = createServer(async (req, res) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"body is not JSON"}');
      return;
    }
    const request: JsonRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      headers: req.headers,
      body,
      receivedAt,
    };
    requests.push(request);
    const answer = await handle(request);
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      ...answer.headers,
    });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) {
    throw new Error('stand-in server has no address');
  }
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
