/**
 * Circle and VTPass webhooks against real Postgres and Redis: verified on
 * arrival (Circle's ECDSA signature with a fetched, cached key; VTPass by
 * asking its status API before applying), stored, answered, processed once
 * from the webhook queue with backoff, and dead-lettered when out of
 * attempts. Circle, VTPass and the notification provider are loopback
 * stand-ins.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomInt, randomUUID, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  circleInboundNotification,
  startCircleStandIn,
  type CircleStandIn,
} from '../scripts/lib/circle-stand-in.mts';
import {
  freePort,
  startService,
  waitFor,
  waitForHealthy,
  type ServiceProcess,
} from '../scripts/lib/processes.mts';
import { startProviderStandIn, type ProviderStandIn } from '../scripts/lib/provider-stand-in.mts';
import {
  startVtpassStandIn,
  type VtpassStandIn,
  type VtpassStatus,
} from '../scripts/lib/vtpass-stand-in.mts';
import {
  prepareDatabase,
  removeQueueKeys,
  serviceEnv,
  TEST_DATABASE_URL,
  uniqueId,
} from './support/env.mts';

const ADMIN_TOKEN = 'admin-token-for-webhook-tests';
const VTPASS_CREDENTIALS = { apiKey: 'vtpass-api-key', secretKey: 'SK_vtpass_test' };

function randomPhone(): string {
  return `080${String(randomInt(0, 1e8)).padStart(8, '0')}`;
}

describe('webhooks', () => {
  let api: ServiceProcess;
  let provider: ProviderStandIn;
  let circle: CircleStandIn;
  let vtpass: VtpassStandIn;
  let baseUrl: string;
  let db: pg.Client;
  let env: ReturnType<typeof serviceEnv>;
  const vtpassPlans = new Map<string, VtpassStatus>();

  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, json: (await response.json()) as any };
  };

  const createPayment = async (amount: number, currency: string) => {
    const result = await post('/payments', JSON.stringify({
      userId: uniqueId('user'),
      amount,
      currency,
      method: 'wallet',
    }));
    assert.equal(result.status, 201);
    return result.json as { id: string; reference: string };
  };

  const buyAirtime = async (plan: VtpassStatus) => {
    const phone = randomPhone();
    vtpassPlans.set(phone, plan);
    const result = await post('/vtu/airtime', JSON.stringify({
      userId: uniqueId('user'),
      network: 'mtn',
      phone,
      amount: 50_000,
    }));
    assert.equal(result.status, 201);
    return { ...(result.json as { id: string; reference: string; status: string }), phone };
  };

  const transactionStatus = async (id: string) =>
    (await db.query('SELECT status FROM transactions WHERE id = $1', [id])).rows[0].status;

  const eventRow = (provider: string, eventKey: string) =>
    db.query('SELECT * FROM webhook_events WHERE provider = $1 AND event_key = $2', [provider, eventKey])
      .then((result) => result.rows[0]);

  const finishedEvent = (provider: string, eventKey: string) =>
    waitFor(async () => {
      const row = await eventRow(provider, eventKey);
      return row && ['PROCESSED', 'REJECTED', 'FAILED'].includes(row.status) ? row : undefined;
    }, 20_000, `${provider} event ${eventKey} to be processed`);

  const sendCircle = (notification: object, headers?: Record<string, string>) => {
    const body = JSON.stringify(notification);
    return post('/webhooks/circle', body, headers ?? circle.sign(body));
  };

  const sendVtpass = (callback: object) => post('/webhooks/vtpass', JSON.stringify(callback));

  const vtpassKey = (requestId: string, status: string) =>
    `transaction-update:${requestId}:${status}`;

  before(async () => {
    await prepareDatabase();
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    provider = await startProviderStandIn();
    circle = await startCircleStandIn();
    vtpass = await startVtpassStandIn(VTPASS_CREDENTIALS, (phone) => vtpassPlans.get(phone) ?? 'pending');
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = serviceEnv({
      PORT: String(port),
      NOTIFICATION_PROVIDER_URL: provider.url,
      CIRCLE_BASE_URL: circle.url,
      CIRCLE_API_KEY: 'TEST_API_KEY:circle:secret',
      VTPASS_BASE_URL: vtpass.url,
      VTPASS_API_KEY: VTPASS_CREDENTIALS.apiKey,
      VTPASS_SECRET_KEY: VTPASS_CREDENTIALS.secretKey,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      QUEUE_JOB_ATTEMPTS: '3',
      QUEUE_BACKOFF_DELAY: '100ms',
    });
    api = startService({ script: 'dist/main.js', env });
    await waitForHealthy(baseUrl, api);
  });

  after(async () => {
    await api?.stop();
    await Promise.all([provider?.close(), circle?.close(), vtpass?.close()]);
    await removeQueueKeys(env.QUEUE_PREFIX);
    await db?.end();
  });

  test('circle key unavailable is 503, then verified', async () => {
    const payment = await createPayment(1250, 'USD');
    const notification = circleInboundNotification(payment.reference, 'COMPLETE', '12.50');
    circle.failKeyFetches(1);
    const refused = await sendCircle(notification);
    assert.equal(refused.status, 503);
    assert.equal(refused.json.error.code, 'verification_unavailable');
    assert.equal(await eventRow('circle', notification.notificationId), undefined, 'nothing stored');

    const accepted = await sendCircle(notification);
    assert.equal(accepted.status, 200);
    assert.deepEqual(accepted.json, { status: 'accepted' });
    const row = await finishedEvent('circle', notification.notificationId);
    assert.equal(row.status, 'PROCESSED');
    assert.equal(row.outcome, 'applied');
    assert.equal(await transactionStatus(payment.id), 'COMPLETED');

    const keyRequest = circle.requests.at(-1);
    assert.equal(keyRequest?.headers.authorization, 'Bearer TEST_API_KEY:circle:secret');
  });

  test('circle key is fetched once', async () => {
    const before = circle.keyFetches();
    for (let i = 0; i < 3; i++) {
      const payment = await createPayment(500, 'USD');
      const result = await sendCircle(circleInboundNotification(payment.reference, 'CONFIRMED', '5.00'));
      assert.equal(result.status, 200);
    }
    assert.equal(circle.keyFetches(), before, 'the cached key is reused');
  });

  test('circle bad signatures are 401', async () => {
    const payment = await createPayment(700, 'USD');
    const notification = circleInboundNotification(payment.reference, 'COMPLETE', '7.00');
    const body = JSON.stringify(notification);
    const signed = circle.sign(body);
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const cases: [string, string, Record<string, string>][] = [
      ['tampered body', body.replace('7.00', '0.01'), signed],
      ['another key', body, {
        ...signed,
        'x-circle-signature': sign('sha256', Buffer.from(body), { key: otherKey, dsaEncoding: 'der' }).toString('base64'),
      }],
      ['unknown key id', body, { ...signed, 'x-circle-key-id': randomUUID() }],
      ['malformed key id', body, { ...signed, 'x-circle-key-id': '../../admin' }],
      ['no headers', body, {}],
    ];
    for (const [name, sentBody, headers] of cases) {
      const result = await post('/webhooks/circle', sentBody, headers);
      assert.equal(result.status, 401, name);
      assert.equal(result.json.error.code, 'invalid_signature', name);
    }
    assert.equal(await eventRow('circle', notification.notificationId), undefined, 'nothing stored');
    assert.equal(await transactionStatus(payment.id), 'PENDING');
  });

  test('circle duplicate is processed once', async () => {
    const payment = await createPayment(2000, 'USD');
    const notification = circleInboundNotification(payment.reference, 'COMPLETE', '20.00');
    const first = await sendCircle(notification);
    const second = await sendCircle(notification);
    assert.equal(first.json.status, 'accepted');
    assert.equal(second.json.status, 'duplicate');
    await finishedEvent('circle', notification.notificationId);
    assert.equal(await transactionStatus(payment.id), 'COMPLETED');
    const notes = await db.query(
      "SELECT count(*)::int AS n FROM notification_queue WHERE transaction_id = $1 AND subject = 'Payment successful'",
      [payment.id],
    );
    assert.equal(notes.rows[0].n, 2, 'one EMAIL and one IN_APP');
  });

  test('circle FAILED state fails payment', async () => {
    const payment = await createPayment(300, 'USD');
    const notification = circleInboundNotification(payment.reference, 'FAILED', '3.00');
    assert.equal((await sendCircle(notification)).status, 200);
    const row = await finishedEvent('circle', notification.notificationId);
    assert.equal(row.outcome, 'applied');
    assert.equal(await transactionStatus(payment.id), 'FAILED');
  });

  test('vtpass callback confirmed by requery settles', async () => {
    const purchase = await buyAirtime('pending');
    assert.equal(purchase.status, 'PROCESSING');
    vtpass.setStatus(purchase.reference, 'delivered');
    const result = await sendVtpass(vtpass.callback(purchase.reference));
    assert.equal(result.status, 200);
    assert.deepEqual(result.json, { response: 'success', status: 'accepted' });
    const row = await finishedEvent('vtpass', vtpassKey(purchase.reference, 'delivered'));
    assert.equal(row.status, 'PROCESSED');
    assert.equal(await transactionStatus(purchase.id), 'COMPLETED');
    const requeries = vtpass.requests.filter(
      (r) => r.path === '/api/requery' && r.body.request_id === purchase.reference,
    );
    assert.equal(requeries.length, 1, 'confirmed with VTPass before applying');
    const sms = await waitFor(
      () => provider.requests.find((r) => r.channel === 'sms' && r.body.to === purchase.phone),
      10_000,
      'the airtime SMS',
    );
    assert.match(sms.body.subject ?? '', /Airtime delivered/);
    assert.match(api.output(), new RegExp(`vtu_purchase_completed .*"reference":"${purchase.reference}"`));
  });

  test('vtpass callback contradicted is rejected', async () => {
    const purchase = await buyAirtime('pending');
    vtpass.setStatus(purchase.reference, 'failed');
    const forged = vtpass.callback(purchase.reference, 'delivered');
    assert.equal((await sendVtpass(forged)).status, 200);
    const row = await finishedEvent('vtpass', vtpassKey(purchase.reference, 'delivered'));
    assert.equal(row.status, 'REJECTED');
    assert.match(row.last_error, /callback reports delivered but VTPass status API reports failed/);
    assert.equal(await transactionStatus(purchase.id), 'PROCESSING', 'nothing applied');
    assert.match(api.output(), new RegExp(`rejected VTPass callback for ${purchase.reference}`));
  });

  test('vtpass duplicate callback processed once', async () => {
    const purchase = await buyAirtime('pending');
    vtpass.setStatus(purchase.reference, 'delivered');
    const callback = vtpass.callback(purchase.reference);
    assert.equal((await sendVtpass(callback)).json.status, 'accepted');
    assert.equal((await sendVtpass(callback)).json.status, 'duplicate');
    await finishedEvent('vtpass', vtpassKey(purchase.reference, 'delivered'));
    const count = await db.query(
      "SELECT count(*)::int AS n FROM notification_queue WHERE transaction_id = $1 AND channel = 'SMS'",
      [purchase.id],
    );
    assert.equal(count.rows[0].n, 1);
  });

  test('failed processing retried with backoff', async () => {
    const purchase = await buyAirtime('pending');
    vtpass.setStatus(purchase.reference, 'delivered');
    vtpass.failRequeries(2);
    await sendVtpass(vtpass.callback(purchase.reference));
    const row = await finishedEvent('vtpass', vtpassKey(purchase.reference, 'delivered'));
    assert.equal(row.status, 'PROCESSED');
    assert.equal(row.attempts, 3, 'two failed requeries, then applied');
    const requeries = vtpass.requests.filter(
      (r) => r.path === '/api/requery' && r.body.request_id === purchase.reference,
    );
    assert.equal(requeries.length, 3);
    // Exponential backoff from 100 ms: the retries wait 100 ms, then 200 ms.
    assert.ok(requeries[1].receivedAt - requeries[0].receivedAt >= 90);
    assert.ok(requeries[2].receivedAt - requeries[1].receivedAt >= 190);
    assert.equal(await transactionStatus(purchase.id), 'COMPLETED');
  });

  test('exhausted webhook dead-lettered, then replayed', async () => {
    const purchase = await buyAirtime('pending');
    vtpass.setStatus(purchase.reference, 'delivered');
    vtpass.failRequeries(1000);
    await sendVtpass(vtpass.callback(purchase.reference));
    const key = vtpassKey(purchase.reference, 'delivered');
    const failed = await finishedEvent('vtpass', key);
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.attempts, 3);
    assert.match(failed.last_error, /VTPass \/api\/requery failed with status 500/);

    const listResponse = await fetch(`${baseUrl}/admin/dead-letters?queue=webhooks`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const letters = ((await listResponse.json()) as any).deadLetters;
    const letter = letters.find((l: any) => l.jobId === failed.id);
    assert.ok(letter, 'listed as a dead letter');
    assert.equal(letter.payload.provider, 'vtpass');

    vtpass.failRequeries(0);
    const replay = await fetch(`${baseUrl}/admin/dead-letters/${letter.id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(replay.status, 202);
    const processed = await waitFor(async () => {
      const row = await eventRow('vtpass', key);
      return row.status === 'PROCESSED' ? row : undefined;
    }, 15_000, 'the replayed event to be processed');
    assert.equal(processed.outcome, 'applied');
    assert.equal(await transactionStatus(purchase.id), 'COMPLETED');
  });
});
