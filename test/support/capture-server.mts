/**
 * A loopback server that stands in for every destination and decodes what
 * the real SDKs send: OTLP traces (protobuf or JSON) at any path ending in
 * `/v1/traces`, other OTLP signals by path, Sentry envelopes at
 * `/api/<project>/envelope/`, Better Stack's gzip'd msgpack batches (any
 * `application/msgpack` POST), and PostHog batches at `/batch/` with feature
 * flags at `/flags/`.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { once } from 'node:events';
import { gunzipSync, inflateSync } from 'node:zlib';
import { decode as decodeMsgpack } from '@msgpack/msgpack';
import {
  decodeTraceRequest,
  decodeTraceRequestJson,
  type DecodedSpan,
} from './otlp-proto.mts';

export interface EnvelopeItem {
  header: Record<string, any>;
  payload: any;
}

export interface Envelope {
  header: Record<string, any>;
  items: EnvelopeItem[];
}

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CaptureServer {
  url: string;
  port: number;
  requests: CapturedRequest[];
  spans: DecodedSpan[];
  envelopes: Envelope[];
  /** Log records Better Stack received, one object each. */
  logtail: Record<string, any>[];
  /** PostHog events from `/batch/` requests. */
  posthog: Record<string, any>[];
  /** Raw bodies of OTLP requests other than traces, by path. */
  otlp: { path: string; body: Buffer }[];
  /** Sentry events (error items) from all envelopes. */
  events(): any[];
  close(): Promise<void>;
}

function decodeBody(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  return body;
}

/** Parses Sentry's envelope format: header line, then item header + payload pairs. */
export function parseEnvelope(raw: Buffer): Envelope {
  let offset = 0;
  const readLine = (): Buffer => {
    const end = raw.indexOf(0x0a, offset);
    const line = raw.subarray(offset, end === -1 ? raw.length : end);
    offset = end === -1 ? raw.length : end + 1;
    return line;
  };
  const header = JSON.parse(readLine().toString('utf8'));
  const items: EnvelopeItem[] = [];
  while (offset < raw.length) {
    const headerLine = readLine();
    if (headerLine.length === 0) continue;
    const itemHeader = JSON.parse(headerLine.toString('utf8'));
    let payload: Buffer;
    if (typeof itemHeader.length === 'number') {
      payload = raw.subarray(offset, offset + itemHeader.length);
      offset += itemHeader.length + 1;
    } else {
      payload = readLine();
    }
    let parsed: unknown = payload.toString('utf8');
    try {
      parsed = JSON.parse(parsed as string);
    } catch {
      // attachments and other binary items stay as text
    }
    items.push({ header: itemHeader, payload: parsed });
  }
  return { header, items };
}

export interface CaptureOptions {
  /** Status to answer with (default 200). */
  answer?: (request: CapturedRequest) => number;
  /** Requests to accept and never answer. */
  hang?: (request: CapturedRequest) => boolean;
  /** Feature flags PostHog's `/flags/` returns. */
  flags?: Record<string, boolean | string>;
}

export async function startCaptureServer(
  options: CaptureOptions = {},
): Promise<CaptureServer> {
  const answer = options.answer ?? (() => 200);
  const requests: CapturedRequest[] = [];
  const spans: DecodedSpan[] = [];
  const envelopes: Envelope[] = [];
  const logtail: Record<string, any>[] = [];
  const posthog: Record<string, any>[] = [];
  const otlp: { path: string; body: Buffer }[] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const body = decodeBody(
        Buffer.concat(chunks),
        req.headers['content-encoding'] as string | undefined,
      );
      const request = { method: req.method ?? 'GET', path, headers: req.headers, body };
      requests.push(request);
      if (options.hang?.(request)) return;

      let reply = '{}';
      try {
        const contentType = String(req.headers['content-type'] ?? '');
        if (/\/v1\/traces\/?$/.test(path)) {
          const json = String(req.headers['content-type']).includes('json');
          spans.push(
            ...(json
              ? decodeTraceRequestJson(body.toString('utf8'))
              : decodeTraceRequest(body)),
          );
        } else if (/\/v1\/(logs|metrics)\/?$/.test(path)) {
          otlp.push({ path, body });
        } else if (/\/envelope\/?$/.test(path)) {
          envelopes.push(parseEnvelope(body));
        } else if (contentType.includes('msgpack')) {
          logtail.push(...(decodeMsgpack(body) as Record<string, any>[]));
        } else if (path === '/batch/' || path === '/batch') {
          posthog.push(...JSON.parse(body.toString('utf8')).batch);
        } else if (path.startsWith('/flags')) {
          reply = JSON.stringify({ featureFlags: options.flags ?? {} });
        }
      } catch (error) {
        res.writeHead(400).end(String(error));
        return;
      }
      // OTLP/HTTP answers in the request's encoding; an empty body is an
      // empty protobuf export response.
      const protobuf = String(req.headers['content-type']).includes('protobuf');
      res.writeHead(answer(request), {
        'content-type': protobuf ? 'application/x-protobuf' : 'application/json',
      });
      res.end(protobuf ? '' : reply);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) {
    throw new Error('capture server has no address');
  }
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    spans,
    envelopes,
    logtail,
    posthog,
    otlp,
    events: () =>
      envelopes.flatMap((e) =>
        e.items.filter((i) => i.header.type === 'event').map((i) => i.payload),
      ),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
