/**
 * A loopback server that stands in for every telemetry destination in the
 * benchmarks: an OTLP collector (`.../v1/traces`), Sentry (envelopes at
 * `/api/<project>/envelope/`, OTLP at Sentry's OTLP path), Better Stack and
 * PostHog (whose flag requests get `{}`, so flags fall back). It answers 200 at
 * once and, unless counting spans, only drains the body, so the sink costs
 * the machine as little as possible during a load run.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { parseEnvelope } from '../../test/support/capture-server.mts';
import {
  decodeTraceRequest,
  decodeTraceRequestJson,
} from '../../test/support/otlp-proto.mts';

export interface Sink {
  url: string;
  /** A DSN for this sink; the key and project id are placeholders. */
  dsn: string;
  requests: number;
  bytes: number;
  /** Spans received while `countSpans` was on. */
  spans: number;
  /** When on, decodes each body to count spans (costs CPU). */
  countSpans: boolean;
  close(): Promise<void>;
}

/**
 * Counts spans in a Sentry envelope: a `transaction` item is one span plus
 * its children; a `span` item (span streaming, as `@sentry/node` 11 sends)
 * carries `item_count` spans.
 */
function envelopeSpans(body: Buffer): number {
  let count = 0;
  for (const { header, payload } of parseEnvelope(body).items) {
    if (header.type === 'transaction') {
      count += 1 + (payload?.spans?.length ?? 0);
    } else if (header.type === 'span') {
      count += header.item_count ?? payload?.items?.length ?? 1;
    }
  }
  return count;
}

function countSpansIn(path: string, body: Buffer, contentType: string): number {
  if (/\/v1\/traces\/?$/.test(path)) {
    return contentType.includes('json')
      ? decodeTraceRequestJson(body.toString('utf8')).length
      : decodeTraceRequest(body).length;
  }
  if (/\/envelope\/?$/.test(path)) return envelopeSpans(body);
  return 0;
}

export async function startSink(): Promise<Sink> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      sink.bytes += chunk.length;
      if (sink.countSpans) chunks.push(chunk);
    });
    req.on('end', () => {
      sink.requests += 1;
      if (sink.countSpans) {
        try {
          let body = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip')
            body = gunzipSync(body);
          const path = (req.url ?? '/').split('?')[0];
          sink.spans += countSpansIn(
            path,
            body,
            String(req.headers['content-type'] ?? ''),
          );
        } catch (error) {
          console.error(
            `sink: cannot decode a request to ${req.url}: ${String(error)}`,
          );
        }
      }
      // An empty body is a valid, empty ExportTraceServiceResponse.
      if (String(req.headers['content-type']).includes('protobuf')) {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) {
    throw new Error('sink has no address');
  }
  const url = `http://127.0.0.1:${address.port}`;
  const sink: Sink = {
    url,
    dsn: `http://benchpublickey@127.0.0.1:${address.port}/1`,
    requests: 0,
    bytes: 0,
    spans: 0,
    countSpans: false,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sink;
}
