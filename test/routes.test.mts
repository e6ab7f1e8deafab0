/**
 * Every route on at once, each pointed at a loopback capture server that
 * decodes its real wire format: one payment yields a Sentry trace, Better
 * Stack log records and PostHog events that share one trace id, and a job
 * that fails for good is a Sentry event whose id is on its log record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
import { prepareDatabase, serviceEnv, uniqueId } from './support/env.mts';

const SERVER = 2;
const SECRET = 'sk_test_routes_secret';
const LOGTAIL_TOKEN = 'logtail-source-token-for-tests';
const POSTHOG_KEY = 'phc_test_project_key';

describe('all routes on', () => {
  let capture: CaptureServer;
  let provider: ProviderStandIn;
  let api: ServiceProcess;
  let baseUrl: string;

  before(async () => {
    await prepareDatabase();
    capture = await startCaptureServer({ flags: { 'sms-payment-receipts': true } });
    // SMS receipts are rejected by the provider, so those jobs fail for good.
    provider = await startProviderStandIn((request) =>
      request.channel === 'sms' ? { status: 422 } : { status: 202 },
    );
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = startService({
      script: 'dist/main.js',
      env: serviceEnv({
        PORT: String(port),
        PAYSTACK_SECRET_KEY: SECRET,
        NOTIFICATION_PROVIDER_URL: provider.url,
        SENTRY_DSN: `http://sentrykey@127.0.0.1:${capture.port}/7`,
        LOGTAIL_SOURCE_TOKEN: LOGTAIL_TOKEN,
        LOGTAIL_ENDPOINT: capture.url,
        POSTHOG_API_KEY: POSTHOG_KEY,
        POSTHOG_HOST: capture.url,
        TELEMETRY_METRICS_INTERVAL_MS: '1000',
      }),
    });
    await waitForHealthy(baseUrl, api);
  });

  after(async () => {
    await api?.stop();
    await Promise.all([capture?.close(), provider?.close()]);
  });

  test('start-up summary names each route, no secrets', () => {
    const lines = api.output().split('\n').filter((l) => l.startsWith('[otel-gateway]'));
    const host = `127.0.0.1:${capture.port}`;
    assert.ok(lines.includes(`[otel-gateway] info: sentry: on, traces and errors to ${host} (environment test, release 0.1.0)`));
    assert.ok(lines.includes(`[otel-gateway] info: better stack: on, logs to ${host}`));
    assert.ok(lines.includes(`[otel-gateway] info: posthog: on, events and metrics to ${host} (remote flag evaluation)`));
    const output = api.output();
    assert.ok(!output.includes(LOGTAIL_TOKEN));
    assert.ok(!output.includes(POSTHOG_KEY));
    assert.ok(!output.includes('sentrykey'));
  });

  test('one payment, one trace id everywhere', async () => {
    const userId = uniqueId('user');
    const response = await fetch(`${baseUrl}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, amount: 9900, currency: 'NGN', method: 'card' }),
    });
    assert.equal(response.status, 201);
    const payment = (await response.json()) as { reference: string };

    const server = await waitFor(
      () => capture.spans.find((s) => s.kind === SERVER && s.name === 'POST /payments'),
      15_000,
      'the server span at Sentry',
    );
    const traceId = server.traceId;

    const record = await waitFor(
      () => capture.logtail.find((r) => r.message === 'POST /payments 201' && r.trace_id === traceId),
      15_000,
      'the request log record at Better Stack',
    );
    assert.equal(record.level, 'info');
    assert.equal(record['user.id'], userId);
    assert.equal(record['http.route'], '/payments');
    assert.equal(record['payment.transaction.reference'], payment.reference);
    assert.equal(record.service, 'payments-test');
    assert.equal(record.environment, 'test');
    assert.match(String(record.span_id), /^[0-9a-f]{16}$/);
    const auth = capture.requests.find((r) => String(r.headers['content-type']).includes('msgpack'));
    assert.equal(auth?.headers.authorization, `Bearer ${LOGTAIL_TOKEN}`);

    const initiated = await waitFor(
      () => capture.posthog.find((e) => e.event === 'transaction_initiated' && e.distinct_id === userId),
      15_000,
      'transaction_initiated at PostHog',
    );
    assert.equal(initiated.properties.trace_id, traceId);
    assert.equal(initiated.properties.amount, 9900);
    assert.equal(initiated.properties.currency, 'NGN');
    assert.equal(initiated.properties.method, 'card');
    assert.equal(initiated.properties.type, 'CARD_PAYMENT');
    assert.equal(initiated.properties.status, 'PENDING');

    const fromSpan = await waitFor(
      () => capture.posthog.find((e) => e.event === 'payment_initiated' && e.distinct_id === userId),
      15_000,
      'payment_initiated declared on the span',
    );
    assert.equal(fromSpan.properties.trace_id, traceId);
    assert.equal(fromSpan.properties.amount, 9900);

    const identified = capture.posthog.find((e) => e.event === '$identify' && e.distinct_id === userId);
    assert.ok(identified, 'a new user is identified');
    assert.equal(identified.properties.$set.kyc_tier, 'TIER_1');
  });

  test('failed job reports once, id on its log', async () => {
    const userId = uniqueId('user');
    const created = await fetch(`${baseUrl}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, amount: 700, currency: 'NGN', method: 'wallet' }),
    });
    const payment = (await created.json()) as { reference: string };
    const body = JSON.stringify(chargeSuccessEvent(payment.reference, 700, 'NGN'));
    const webhook = await fetch(`${baseUrl}/webhooks/paystack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-paystack-signature': signPaystack(body, SECRET) },
      body,
    });
    assert.equal(webhook.status, 200);

    const completed = await waitFor(
      () => capture.posthog.find((e) => e.event === 'payment_successful' && e.distinct_id === userId),
      15_000,
      'payment_successful at PostHog',
    );
    const traceId = completed.properties.trace_id;
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.ok(capture.posthog.some((e) => e.event === 'transaction_completed' && e.distinct_id === userId));

    // The flag turned on an SMS receipt; the provider rejects it for good.
    const event = await waitFor(
      () => capture.events().find((e) => e.contexts?.trace?.trace_id === traceId),
      20_000,
      'the Sentry event of the failed SMS job',
    );
    assert.match(event.exception.values[0].value, /rejected notification .* status 422/);
    const frames = event.exception.values[0].stacktrace.frames as { filename: string }[];
    assert.ok(frames.some((f) => f.filename.endsWith('.ts')), 'stack frames point at TypeScript sources');
    assert.equal(event.release, '0.1.0');

    const logged = await waitFor(
      () => capture.logtail.find((r) => r['sentry.event_id'] === event.event_id),
      15_000,
      'the log record carrying the Sentry event id',
    );
    assert.equal(logged.level, 'error');
    assert.equal(logged.trace_id, traceId);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const reports = capture.events().filter((e) => e.contexts?.trace?.trace_id === traceId);
    assert.equal(reports.length, 1, 'one report, not one per attempt');
  });

  test('metrics arrive as one PostHog event per interval', async () => {
    const metrics = await waitFor(
      () =>
        capture.posthog.find(
          (e) => e.event === 'service_metrics' && Object.keys(e.properties).some((k) => k.startsWith('http.server.request.duration')),
        ),
      15_000,
      'a service_metrics event with HTTP durations',
    );
    assert.equal(metrics.properties.$process_person_profile, false);
    const keys = Object.keys(metrics.properties);
    assert.ok(keys.some((k) => k.startsWith('process.memory.usage{process.memory.type=heap_used}')));
    assert.ok(keys.some((k) => k.startsWith('nodejs.eventloop.delay')));
    const depth = await waitFor(
      () =>
        capture.posthog.find(
          (e) => e.event === 'service_metrics' && Object.keys(e.properties).some((k) => k.startsWith('bullmq.queue.jobs{')),
        ),
      15_000,
      'queue depth in a service_metrics event',
    );
    assert.ok(
      Object.keys(depth.properties).some((k) => k.includes('bullmq.queue.name=notifications-email') && k.includes('bullmq.queue.jobs.state=waiting')),
      Object.keys(depth.properties).join(', '),
    );
  });
});
