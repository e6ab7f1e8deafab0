/**
 * Collector mode as a black box: the preload in a child process, with the
 * OTEL_EXPORTER_OTLP_* variables pointing at a loopback capture server that
 * plays the collector and decodes what the exporter really sent.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startService, waitFor } from '../scripts/lib/processes.mts';
import {
  startCaptureServer,
  type CaptureServer,
} from './support/capture-server.mts';
import { serviceEnv } from './support/env.mts';

const SERVER = 2;

async function runApp(env: Record<string, string>) {
  const fullEnv = serviceEnv(env);
  const app = startService({
    script: 'test/fixtures/http-app.cjs',
    env: fullEnv,
  });
  const ready = await waitFor(
    () => {
      const line = app.output().split('\n').find((l) => l.startsWith('READY '));
      return line ? (JSON.parse(line.slice(6)) as { port: number }) : undefined;
    },
    10_000,
    'the fixture app to start',
  );
  const response = await fetch(`http://127.0.0.1:${ready.port}/hello`);
  await response.text();
  // SIGTERM makes the preload flush its batch processors before exit.
  await app.stop();
  const lines = app
    .output()
    .split('\n')
    .filter((line) => line.startsWith('[otel-gateway]'));
  return { lines, sinkDir: fullEnv.TELEMETRY_LOCAL_DIR };
}

function sinkHasTraces(dir: string): boolean {
  const file = join(dir, 'traces.jsonl');
  return existsSync(file) && readFileSync(file, 'utf8').trim().length > 0;
}

describe('collector mode', () => {
  let collector: CaptureServer;

  before(async () => {
    collector = await startCaptureServer();
  });

  after(async () => {
    await collector?.close();
  });

  function takeRequests() {
    return collector.requests.splice(0);
  }

  function takeSpans() {
    return collector.spans.splice(0);
  }

  test('protobuf traces at /v1/traces', async () => {
    const { lines, sinkDir } = await runApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    });
    const requests = takeRequests();
    const spans = takeSpans();

    assert.ok(requests.length > 0, 'the collector got requests');
    for (const request of requests) {
      assert.equal(request.method, 'POST');
      assert.ok(
        ['/v1/traces', '/v1/logs', '/v1/metrics'].includes(request.path),
        request.path,
      );
      assert.equal(request.headers['content-type'], 'application/x-protobuf');
    }
    assert.ok(requests.some((request) => request.path === '/v1/traces'));
    const server = spans.find((span) => span.kind === SERVER);
    assert.ok(server, 'a server span');
    assert.equal(server.name, 'GET');
    assert.equal(server.resource['service.name'], 'payments-test');
    assert.ok(
      !spans.some((span) => String(span.attributes['url.path']).endsWith('/v1/traces')),
      "the exporter's own requests are untraced",
    );
    assert.equal(sinkHasTraces(sinkDir), false, 'no traces in the local sink');
    assert.deepEqual(lines.filter((line) => line.includes(' warn: ')), []);
    assert.ok(
      lines.includes(
        `[otel-gateway] info: collector mode: on (OTEL_EXPORTER_OTLP_ENDPOINT is set), traces, logs and metrics as OTLP/protobuf to 127.0.0.1:${collector.port}`,
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.includes('[otel-gateway] info: local sink: on for errors, events, writing to ' + sinkDir),
      lines.join('\n'),
    );
  });

  test('JSON, gzip and headers on a traces endpoint', async () => {
    const { lines } = await runApp({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/custom/v1/traces`,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=payments,authorization=Bearer%20shared',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer%20traces',
    });
    const requests = takeRequests();
    const spans = takeSpans();

    assert.ok(requests.length > 0, 'the collector got requests');
    for (const request of requests) {
      assert.equal(request.path, '/custom/v1/traces');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['content-encoding'], 'gzip');
      assert.equal(request.headers['x-team'], 'payments');
      assert.equal(request.headers.authorization, 'Bearer traces');
    }
    assert.ok(spans.some((span) => span.kind === SERVER), 'a server span');
    assert.ok(
      !spans.some((span) => String(span.attributes['url.path']).includes('/custom/')),
      "the exporter's own requests are untraced",
    );
    assert.ok(
      lines.includes(
        `[otel-gateway] info: collector mode: on (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set), traces as OTLP/JSON, gzip to 127.0.0.1:${collector.port}`,
      ),
      lines.join('\n'),
    );
  });

  test('grpc protocol warns and sends protobuf', async () => {
    const { lines } = await runApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    const requests = takeRequests();
    takeSpans();

    assert.ok(requests.length > 0, 'the collector got requests');
    assert.equal(requests[0].headers['content-type'], 'application/x-protobuf');
    const warnings = lines.filter((line) => line.includes(' warn: '));
    assert.deepEqual(warnings, [
      `[otel-gateway] warn: OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported because the gateway exports OTLP over HTTP (point the endpoint at the collector's OTLP/HTTP port, usually 4318); using http/protobuf`,
    ]);
  });

  test('Sentry keeps errors but not traces', async () => {
    const { lines } = await runApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      SENTRY_DSN: `http://publickey@127.0.0.1:${collector.port}/42`,
    });
    const requests = takeRequests();
    takeSpans();

    assert.ok(requests.length > 0, 'the collector got requests');
    assert.ok(
      requests.every((request) => request.path.startsWith('/v1/')),
      requests.map((request) => request.path).join(', '),
    );
    assert.ok(requests.some((request) => request.path === '/v1/traces'));
    assert.ok(
      lines.some((line) =>
        line.endsWith('; traces go to the collector instead'),
      ),
      lines.join('\n'),
    );
  });

  test('direct mode says why it is on', async () => {
    const { lines } = await runApp({});
    assert.equal(takeRequests().length, 0);
    assert.ok(
      lines.includes(
        '[otel-gateway] info: collector mode: off (no usable OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)',
      ),
      lines.join('\n'),
    );
  });
});
