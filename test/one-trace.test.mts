/**
 * One `POST /payments` is one trace, across the API and a separate worker
 * process, delivered to Sentry's OTLP endpoint; a job that fails for good
 * arrives as a Sentry event carrying that trace id. Real Postgres, Redis,
 * OTLP exporter and Sentry SDK; a local capture server plays Sentry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  freePort,
  startService,
  waitFor,
  waitForHealthy,
  type ServiceProcess,
} from '../scripts/lib/processes.mts';
import { startProviderStandIn, type ProviderStandIn } from '../scripts/lib/provider-stand-in.mts';
import { startCaptureServer, type CaptureServer } from './support/capture-server.mts';
import type { DecodedSpan } from './support/otlp-proto.mts';
import { prepareDatabase, serviceEnv, uniqueId } from './support/env.mts';

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;
const STATUS_ERROR = 2;

describe('one request, one trace, to Sentry', () => {
  let sentry: CaptureServer;
  let provider: ProviderStandIn;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let baseUrl: string;

  before(async () => {
    await prepareDatabase();
    sentry = await startCaptureServer();
    // A 400 is a permanent failure: the job fails for good on its first try.
    provider = await startProviderStandIn(() => ({ status: 400 }));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const env = serviceEnv({
      PORT: String(port),
      SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/42`,
      SENTRY_RELEASE: 'payments@test',
      NOTIFICATION_PROVIDER_URL: provider.url,
    });
    api = startService({ script: 'dist/main.js', env: { ...env, WORKERS: 'off' } });
    worker = startService({ script: 'dist/worker.js', env });
    await waitForHealthy(baseUrl, api);
  });

  after(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await Promise.all([sentry?.close(), provider?.close()]);
  });

  test('payment trace spans both processes with correct parents', async () => {
    const response = await fetch(`${baseUrl}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userId: uniqueId('user'),
        amount: 125_000,
        currency: 'NGN',
        method: 'card',
      }),
    });
    assert.equal(response.status, 201);

    const server = await waitFor(
      () => sentry.spans.find((s) => s.kind === SERVER && s.name === 'POST /payments'),
      20_000,
      'the POST /payments server span at Sentry',
    );
    const traceId = server.traceId;
    const inTrace = () => sentry.spans.filter((s) => s.traceId === traceId);

    // The EMAIL job calls the provider from the worker; wait for that span
    // and for the process spans of both channel queues.
    await waitFor(
      () =>
        inTrace().find((s) => s.kind === CLIENT && s.resource['process.command'] === 'worker.js' && s.attributes['http.request.method'] === 'POST') &&
        inTrace().filter((s) => s.kind === CONSUMER).length >= 2
          ? true
          : undefined,
      20_000,
      'the worker HTTP client span and both process spans',
    );
    const spans = inTrace();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors = (span: DecodedSpan): DecodedSpan[] => {
      const chain: DecodedSpan[] = [];
      let current = byId.get(span.parentSpanId);
      while (current) {
        chain.push(current);
        current = byId.get(current.parentSpanId);
      }
      return chain;
    };

    assert.equal(server.parentSpanId, '', 'the server span is the root');
    assert.equal(server.resource['process.command'], 'main.js');

    const handler = spans.find((s) => s.scope.includes('nestjs-core'));
    assert.ok(handler, 'a Nest handler span');
    assert.ok(ancestors(handler).includes(server));

    const prismaOps = spans.filter((s) => s.name === 'prisma:client:operation');
    const prismaQueries = spans.filter((s) => s.name === 'prisma:client:db_query');
    assert.ok(prismaOps.some((s) => s.resource['process.command'] === 'main.js'));
    assert.ok(prismaQueries.some((s) => s.resource['process.command'] === 'main.js'));

    // Left out by default: Prisma's own compile and serialize steps, and
    // Express layers, whose timing the Nest spans already give.
    const names = new Set(spans.map((s) => s.name));
    assert.ok(!names.has('prisma:client:compile'), 'no compile spans');
    assert.ok(!names.has('prisma:client:serialize'), 'no serialize spans');
    assert.deepEqual(spans.filter((s) => s.scope.includes('express')), []);
    assert.equal(server.attributes['http.route'], '/payments', 'Express still names the route');

    // One publish span per channel queue: EMAIL and IN_APP.
    const producers = spans.filter((s) => s.kind === PRODUCER);
    assert.equal(producers.length, 2, 'a BullMQ producer span per channel');
    for (const producer of producers) {
      assert.ok(ancestors(producer).includes(server));
      assert.equal(producer.attributes['messaging.system'], 'bullmq');
      assert.equal(producer.attributes['sentry.op'], 'queue.publish');
    }
    assert.deepEqual(
      producers.map((p) => p.attributes['messaging.destination.name']).sort(),
      ['notifications-email', 'notifications-in-app'],
    );

    const consumers = spans.filter((s) => s.kind === CONSUMER);
    assert.ok(consumers.length >= 2, 'one consumer span per notification');
    for (const consumer of consumers) {
      assert.equal(consumer.resource['process.command'], 'worker.js');
      const producer = producers.find(
        (p) => p.attributes['messaging.destination.name'] === consumer.attributes['messaging.destination.name'],
      );
      assert.ok(producer && ancestors(consumer).includes(producer), 'consumer descends from its queue\'s producer');
      assert.equal(consumer.attributes['sentry.op'], 'queue.process');
    }
    assert.ok(
      spans.some((s) => s.name === 'prisma:client:db_query' && s.resource['process.command'] === 'worker.js'),
      'the worker queries Postgres inside the trace',
    );

    const client = spans.find((s) => s.kind === CLIENT && s.resource['process.command'] === 'worker.js' && s.attributes['http.request.method'] === 'POST')!;
    const clientConsumer = ancestors(client).find((s) => s.kind === CONSUMER);
    assert.ok(clientConsumer, 'the provider call runs inside a consumer span');
    assert.equal(clientConsumer.status.code, STATUS_ERROR, 'the failed attempt is ERROR');

    const providerCall = provider.requests.at(-1);
    assert.ok(providerCall?.traceparent?.includes(traceId), 'traceparent reaches the provider');

    // Exporter requests carry Sentry's auth header.
    const otlpRequest = sentry.requests.find((r) => r.path === '/api/42/integration/otlp/v1/traces/');
    assert.ok(otlpRequest, 'spans posted to the project OTLP traces path');
    assert.match(String(otlpRequest.headers['x-sentry-auth']), /sentry_key=publickey/);

    // The EMAIL job failed for good: one Sentry event with the same trace id.
    const event = await waitFor(
      () => sentry.events().find((e) => e.contexts?.trace?.trace_id === traceId),
      20_000,
      'the Sentry event for the failed job',
    );
    assert.match(event.exception.values[0].value, /provider rejected notification/);
    assert.equal(event.release, 'payments@test');
    assert.equal(event.environment, 'test');
    assert.equal(event.tags?.['messaging.destination.name'], 'notifications-email');
  });

  test('outgoing calls carry traceparent, not sentry-trace', () => {
    assert.ok(provider.requests.length > 0);
    for (const request of provider.requests) {
      assert.match(String(request.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      assert.equal(request.headers['sentry-trace'], undefined);
    }
  });

  test('health checks produce no spans', async () => {
    const response = await fetch(`${baseUrl}/health`);
    assert.equal(response.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(sentry.spans.filter((s) => s.name === 'GET /health').length, 0);
  });
});

describe('TELEMETRY_TRACE_PRISMA_INTERNALS', () => {
  let sentry: CaptureServer;
  let api: ServiceProcess;
  let baseUrl: string;

  before(async () => {
    await prepareDatabase();
    sentry = await startCaptureServer();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const env = serviceEnv({
      PORT: String(port),
      SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/42`,
      TELEMETRY_TRACE_PRISMA_INTERNALS: 'true',
      WORKERS: 'off',
    });
    api = startService({ script: 'dist/main.js', env });
    await waitForHealthy(baseUrl, api);
  });

  after(async () => {
    await api?.stop();
    await sentry?.close();
  });

  test('keeps compile and serialize spans under their operation', async () => {
    const response = await fetch(`${baseUrl}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: uniqueId('user'), amount: 5000, currency: 'NGN', method: 'card' }),
    });
    assert.equal(response.status, 201);
    const server = await waitFor(
      () => sentry.spans.find((s) => s.kind === SERVER && s.name === 'POST /payments'),
      20_000,
      'the POST /payments server span at Sentry',
    );
    const spans = await waitFor(() => {
      const inTrace = sentry.spans.filter((s) => s.traceId === server.traceId);
      return inTrace.some((s) => s.name === 'prisma:client:serialize') ? inTrace : undefined;
    }, 10_000, 'a serialize span in the trace');
    const operations = new Set(
      spans.filter((s) => s.name === 'prisma:client:operation').map((s) => s.spanId),
    );
    for (const name of ['prisma:client:compile', 'prisma:client:serialize']) {
      const kept = spans.filter((s) => s.name === name);
      assert.ok(kept.length > 0, name);
      assert.ok(kept.every((s) => operations.has(s.parentSpanId)), `${name} under its operation`);
    }
  });
});
