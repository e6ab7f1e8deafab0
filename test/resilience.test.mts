/**
 * The app stays up and fast when destinations or Postgres misbehave. Every
 * broken server here is one the test starts itself on loopback: destinations
 * that accept connections and never answer, and a TCP proxy in front of
 * Postgres that the test cuts and restores.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { chargeSuccessEvent, signPaystack } from '../scripts/lib/paystack.mts';
import {
  freePort,
  startService,
  waitFor,
  waitForHealthy,
  type ServiceProcess,
} from '../scripts/lib/processes.mts';
import { startProviderStandIn, type ProviderStandIn } from '../scripts/lib/provider-stand-in.mts';
import { startCaptureServer, type CaptureServer } from './support/capture-server.mts';
import { prepareDatabase, serviceEnv, TEST_DATABASE_URL, uniqueId } from './support/env.mts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.mts';

const SECRET = 'sk_test_resilience';

async function pay(baseUrl: string) {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: uniqueId('user'), amount: 100, currency: 'NGN', method: 'card' }),
  });
  const body = (await response.json()) as any;
  return { status: response.status, body, ms: performance.now() - started };
}

describe('hanging destinations', () => {
  let hanging: CaptureServer;
  let provider: ProviderStandIn;
  let api: ServiceProcess;
  let baseUrl: string;

  before(async () => {
    await prepareDatabase();
    hanging = await startCaptureServer({ hang: () => true });
    provider = await startProviderStandIn();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = startService({
      script: 'dist/main.js',
      env: serviceEnv({
        PORT: String(port),
        NOTIFICATION_PROVIDER_URL: provider.url,
        SENTRY_DSN: `http://key@127.0.0.1:${hanging.port}/1`,
        LOGTAIL_SOURCE_TOKEN: 'token',
        LOGTAIL_ENDPOINT: hanging.url,
        POSTHOG_API_KEY: 'phc_key',
        POSTHOG_HOST: hanging.url,
        PAYSTACK_SECRET_KEY: SECRET,
        TELEMETRY_METRICS_INTERVAL_MS: '1000',
        TELEMETRY_SHUTDOWN_TIMEOUT_MS: '2000',
      }),
    });
    await waitForHealthy(baseUrl, api);
  });

  after(async () => {
    await api?.stop();
    await Promise.all([hanging?.close(), provider?.close()]);
  });

  test('requests stay fast and succeed', async () => {
    const results = [];
    for (let i = 0; i < 30; i++) results.push(await pay(baseUrl));
    for (const result of results) assert.equal(result.status, 201);
    const slowest = Math.max(...results.map((r) => r.ms));
    // Generous: a request normally takes a few ms; a blocked export would
    // take the 5 s request timeout or longer.
    assert.ok(slowest < 1000, `slowest request took ${slowest.toFixed(0)} ms`);
    assert.ok(hanging.requests.length > 0, 'the destinations were tried');
  });

  test('feature flags fall back when PostHog hangs', async () => {
    // Completing a payment evaluates the SMS-receipt flag (fallback: off).
    const payment = await pay(baseUrl);
    const body = JSON.stringify(chargeSuccessEvent(payment.body.reference, 100, 'NGN'));
    const response = await fetch(`${baseUrl}/webhooks/paystack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-paystack-signature': signPaystack(body, SECRET) },
      body,
    });
    assert.equal(response.status, 200);

    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      // The EMAIL receipt is delivered after the flag was read.
      await waitFor(
        async () => {
          const sent = await db.query(
            "SELECT 1 FROM notification_queue WHERE transaction_id = $1 AND subject = 'Payment successful' AND channel = 'EMAIL' AND status = 'SENT'",
            [payment.body.id],
          );
          return sent.rowCount === 1 ? true : undefined;
        },
        15_000,
        'the EMAIL receipt to be sent',
        200,
      );
      const sms = await db.query(
        "SELECT count(*)::int AS n FROM notification_queue WHERE transaction_id = $1 AND channel = 'SMS'",
        [payment.body.id],
      );
      assert.equal(sms.rows[0].n, 0, 'the flag fell back to off');
    } finally {
      await db.end();
    }
  });

  test('SIGTERM exits within the shutdown deadline', async () => {
    const started = Date.now();
    await api.stop(20_000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 6000, `exit took ${elapsed} ms`);
  });
});

describe('Postgres outage through a proxy', () => {
  let proxy: TcpProxy;
  let sentry: CaptureServer;
  let api: ServiceProcess;
  let baseUrl: string;

  before(async () => {
    await prepareDatabase();
    const target = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    sentry = await startCaptureServer();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = startService({
      script: 'dist/main.js',
      env: serviceEnv({
        PORT: String(port),
        DATABASE_URL: viaProxy.toString(),
        SENTRY_DSN: `http://key@127.0.0.1:${sentry.port}/3`,
        WORKERS: 'off',
      }),
    });
    await waitForHealthy(baseUrl, api);
  });

  after(async () => {
    await api?.stop();
    await Promise.all([proxy?.close(), sentry?.close()]);
  });

  test('errors are 500, reported, and recover', async () => {
    assert.equal((await pay(baseUrl)).status, 201);

    proxy.cut();
    const failed = await pay(baseUrl);
    assert.equal(failed.status, 500);
    assert.deepEqual(failed.body, {
      error: { code: 'internal_error', message: 'internal server error' },
    });
    const health = await fetch(`${baseUrl}/health`);
    assert.equal(health.status, 503);
    assert.equal(((await health.json()) as any).postgres, 'down');

    const event = await waitFor(
      () => sentry.events()[0],
      15_000,
      'the Sentry event for the failed request',
    );
    assert.equal(event.tags['http.route'], '/payments');
    assert.ok(event.tags['http.request.id']);
    assert.match(event.contexts.trace.trace_id, /^[0-9a-f]{32}$/);

    proxy.restore();
    const recovered = await waitFor(
      async () => ((await pay(baseUrl)).status === 201 ? true : undefined),
      15_000,
      'payments to succeed again',
      250,
    );
    assert.equal(recovered, true);
    assert.equal(api.child.exitCode, null, 'the API is still running');
  });

  test('client errors are not reported', async () => {
    const before = sentry.events().length;
    const response = await fetch(`${baseUrl}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'x' }),
    });
    assert.equal(response.status, 400);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(sentry.events().length, before);
  });
});
