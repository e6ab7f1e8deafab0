/**
 * The HTTP contract of the reference service, against real Postgres and
 * Redis: payments, idempotency, validation that never echoes values, and
 * Paystack webhooks that are verified on arrival, answered at once, and
 * applied once by the webhook queue.
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
import { prepareDatabase, serviceEnv, TEST_DATABASE_URL, uniqueId } from './support/env.mts';

const SECRET = 'sk_test_payments_api_secret';

describe('payments API', () => {
  let api: ServiceProcess;
  let provider: ProviderStandIn;
  let baseUrl: string;
  let db: pg.Client;

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };

  const createPayment = async (overrides: Record<string, unknown> = {}) => {
    const body = { userId: uniqueId('user'), amount: 5000, currency: 'NGN', method: 'card', ...overrides };
    const result = await post('/payments', body);
    assert.equal(result.status, 201);
    return { ...result.json, ...body };
  };

  const paymentStatus = async (id: string) =>
    ((await (await fetch(`${baseUrl}/payments/${id}`)).json()) as any).status;

  /** Waits until the worker has processed the stored event; returns its row. */
  const processedEvent = (eventKey: string) =>
    waitFor(async () => {
      const result = await db.query(
        "SELECT status, outcome FROM webhook_events WHERE provider = 'paystack' AND event_key = $1",
        [eventKey],
      );
      const row = result.rows[0];
      return row && row.status === 'PROCESSED' ? row : undefined;
    }, 15_000, `webhook event ${eventKey} to be processed`);

  const sendWebhook = (event: unknown, secret = SECRET) => {
    const body = JSON.stringify(event);
    return post('/webhooks/paystack', body, { 'x-paystack-signature': signPaystack(body, secret) });
  };

  before(async () => {
    await prepareDatabase();
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    provider = await startProviderStandIn();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = startService({
      script: 'dist/main.js',
      env: serviceEnv({
        PORT: String(port),
        PAYSTACK_SECRET_KEY: SECRET,
        NOTIFICATION_PROVIDER_URL: provider.url,
      }),
    });
    await waitForHealthy(baseUrl, api);
  });

  after(async () => {
    await api?.stop();
    await provider?.close();
    await db?.end();
  });

  test('health reports both stores up', async () => {
    const response = await fetch(`${baseUrl}/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok', postgres: 'up', redis: 'up' });
  });

  test('payment is created PENDING and readable', async () => {
    const payment = await createPayment();
    assert.equal(payment.status, 'PENDING');
    assert.match(payment.reference, /^pay_[0-9a-f]{20}$/);

    const response = await fetch(`${baseUrl}/payments/${payment.id}`);
    assert.equal(response.status, 200);
    const view = (await response.json()) as any;
    assert.equal(view.amount, 5000);
    assert.equal(view.currency, 'NGN');
    assert.equal(view.method, 'card');
    assert.equal(view.status, 'PENDING');
  });

  test('payment notifies by EMAIL and IN_APP', async () => {
    const payment = await createPayment();
    const rows = await waitFor(async () => {
      const result = await db.query(
        'SELECT channel, status FROM notification_queue WHERE transaction_id = $1 ORDER BY channel',
        [payment.id],
      );
      return result.rows.every((r) => r.status === 'SENT') && result.rows.length === 2
        ? result.rows
        : undefined;
    }, 15_000, 'both notifications SENT');
    assert.deepEqual(rows.map((r) => r.channel), ['EMAIL', 'IN_APP']);
    const email = provider.requests.find((r) => r.body.to === payment.userId);
    assert.ok(email, 'the provider got the EMAIL');
    assert.equal(email.channel, 'email');
    assert.equal(email.idempotencyKey, email.body.notificationId);
  });

  test('unknown payment id is 404', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await fetch(`${baseUrl}/payments/${id}`);
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as any).error.code, 'not_found');
    }
  });

  test('invalid fields are named, values never echoed', async () => {
    const secretish = '4111111111111111';
    const result = await post('/payments', {
      userId: '',
      amount: -3,
      currency: secretish,
      method: 'cash',
    });
    assert.equal(result.status, 400);
    assert.equal(result.json.error.code, 'invalid_fields');
    for (const field of ['userId', 'amount', 'currency', 'method']) {
      assert.ok(result.json.error.message.includes(field), `names ${field}`);
    }
    assert.ok(!JSON.stringify(result.json).includes(secretish));
    assert.ok(!JSON.stringify(result.json).includes('cash'));
  });

  test('unknown fields are rejected by name', async () => {
    const result = await post('/payments', {
      userId: 'u', amount: 1, currency: 'NGN', method: 'card', pin: '1234',
    });
    assert.equal(result.status, 400);
    assert.equal(result.json.error.code, 'unknown_fields');
    assert.match(result.json.error.message, /pin/);
    assert.ok(!JSON.stringify(result.json).includes('1234'));
  });

  test('malformed JSON is 400 in the error shape', async () => {
    const result = await post('/payments', '{"userId": "secret-value",');
    assert.equal(result.status, 400);
    assert.equal(result.json.error.code, 'invalid_request');
    assert.equal(result.json.error.message, 'the request body is not valid JSON');
    assert.ok(!JSON.stringify(result.json).includes('secret-value'));
  });

  test('non-integer and unsafe amounts are rejected', async () => {
    for (const amount of [1.5, 0, '100', 2 ** 60]) {
      const result = await post('/payments', { userId: 'u', amount, currency: 'NGN', method: 'card' });
      assert.equal(result.status, 400, `amount ${amount}`);
    }
  });

  test('idempotency key returns the same payment', async () => {
    const body = { userId: uniqueId('user'), amount: 700, currency: 'GHS', method: 'wallet' };
    const key = uniqueId('key');
    const first = await post('/payments', body, { 'idempotency-key': key });
    const second = await post('/payments', body, { 'idempotency-key': key });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.json.id, first.json.id);
    const count = await db.query('SELECT count(*)::int AS n FROM transactions WHERE user_id = $1', [body.userId]);
    assert.equal(count.rows[0].n, 1);

    const changed = await post('/payments', { ...body, amount: 800 }, { 'idempotency-key': key });
    assert.equal(changed.status, 409);
    assert.equal(changed.json.error.code, 'idempotency_key_reused');
  });

  test('signed charge.success completes the payment once', async () => {
    const payment = await createPayment({ amount: 42_000 });
    const event = chargeSuccessEvent(payment.reference, 42_000, 'NGN');

    const first = await sendWebhook(event);
    assert.equal(first.status, 200);
    assert.equal(first.json.status, 'accepted');
    const again = await sendWebhook(event);
    assert.equal(again.status, 200);
    assert.equal(again.json.status, 'duplicate');

    const row = await processedEvent(`charge.success:${event.data.id}`);
    assert.equal(row.outcome, 'applied');
    assert.equal(await paymentStatus(payment.id), 'COMPLETED');
    const notes = await db.query(
      "SELECT count(*)::int AS n FROM notification_queue WHERE transaction_id = $1 AND subject = 'Payment successful'",
      [payment.id],
    );
    assert.equal(notes.rows[0].n, 2, 'one EMAIL and one IN_APP, not four');
    const stored = await db.query(
      "SELECT count(*)::int AS n FROM webhook_events WHERE event_key = $1",
      [`charge.success:${event.data.id}`],
    );
    assert.equal(stored.rows[0].n, 1, 'the redelivery is not stored again');
  });

  test('bad or missing signature is 401 and changes nothing', async () => {
    const payment = await createPayment({ amount: 900 });
    const event = chargeSuccessEvent(payment.reference, 900, 'NGN');
    const forged = await sendWebhook(event, 'wrong-secret');
    assert.equal(forged.status, 401);
    assert.equal(forged.json.error.code, 'invalid_signature');
    const unsigned = await post('/webhooks/paystack', event);
    assert.equal(unsigned.status, 401);

    const view = (await (await fetch(`${baseUrl}/payments/${payment.id}`)).json()) as any;
    assert.equal(view.status, 'PENDING');
    const stored = await db.query(
      "SELECT count(*)::int AS n FROM webhook_events WHERE event_key = $1",
      [`charge.success:${event.data.id}`],
    );
    assert.equal(stored.rows[0].n, 0);
  });

  test('unknown reference is acknowledged and changes nothing', async () => {
    const event = chargeSuccessEvent('pay_doesnotexist', 100, 'NGN');
    const result = await sendWebhook(event);
    assert.equal(result.status, 200);
    assert.equal(result.json.status, 'accepted');
    const row = await processedEvent(`charge.success:${event.data.id}`);
    assert.equal(row.outcome, 'ignored');
  });

  test('amount or currency mismatch does not complete', async () => {
    const payment = await createPayment({ amount: 1000 });
    const wrongAmount = chargeSuccessEvent(payment.reference, 999, 'NGN');
    const wrongCurrency = chargeSuccessEvent(payment.reference, 1000, 'USD');
    assert.equal((await sendWebhook(wrongAmount)).status, 200);
    assert.equal((await sendWebhook(wrongCurrency)).status, 200);
    for (const event of [wrongAmount, wrongCurrency]) {
      const row = await processedEvent(`charge.success:${event.data.id}`);
      assert.equal(row.outcome, 'ignored');
    }
    assert.equal(await paymentStatus(payment.id), 'PENDING');
  });

  test('airtime without VTPass keys is 503', async () => {
    const result = await post('/vtu/airtime', {
      userId: uniqueId('user'), network: 'mtn', phone: '08031234567', amount: 10_000,
    });
    assert.equal(result.status, 503);
    assert.equal(result.json.error.code, 'vtu_unavailable');
    assert.match(result.json.error.message, /VTPASS_API_KEY and VTPASS_SECRET_KEY/);
  });

  test('Circle webhook without CIRCLE_API_KEY is 401', async () => {
    const result = await post('/webhooks/circle', JSON.stringify({
      notificationId: uniqueId('n'), notificationType: 'webhooks.test', notification: {},
    }), {
      'x-circle-key-id': '00000000-0000-4000-8000-000000000000',
      'x-circle-signature': 'MEUCIQ==',
    });
    assert.equal(result.status, 401);
    assert.equal(result.json.error.code, 'invalid_signature');
    assert.match(api.output(), /CIRCLE_API_KEY is not set; every Circle webhook is rejected/);
  });
});
