/**
 * `POST /vtu/airtime` against real Postgres and Redis, with a loopback
 * VTPass stand-in: purchases settled by VTPass's answer, or left PROCESSING
 * for its callback; validation; idempotency; the purchase events as logs.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
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
import { prepareDatabase, removeQueueKeys, serviceEnv, uniqueId } from './support/env.mts';

const CREDENTIALS = { apiKey: 'vtpass-api-key', secretKey: 'SK_vtpass_test' };

function randomLocalPhone(): string {
  return `081${String(randomInt(0, 1e8)).padStart(8, '0')}`;
}

/** YYYYMMDDHHmm in Africa/Lagos (UTC+1, no daylight saving time). */
function lagosMinute(ms: number): string {
  return new Date(ms + 3_600_000).toISOString().replace(/\D/g, '').slice(0, 12);
}

describe('VTU airtime', () => {
  let api: ServiceProcess;
  let vtpass: VtpassStandIn;
  let provider: ProviderStandIn;
  let baseUrl: string;
  let env: ReturnType<typeof serviceEnv>;
  const plans = new Map<string, VtpassStatus>();

  const buy = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}/vtu/airtime`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };

  const purchase = (plan: VtpassStatus, overrides: Record<string, unknown> = {}) => {
    const phone = randomLocalPhone();
    plans.set(phone, plan);
    return { userId: uniqueId('user'), network: 'mtn', phone, amount: 50_000, ...overrides };
  };

  before(async () => {
    await prepareDatabase();
    vtpass = await startVtpassStandIn(CREDENTIALS, (phone) => plans.get(phone) ?? 'pending');
    provider = await startProviderStandIn();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = serviceEnv({
      PORT: String(port),
      VTPASS_BASE_URL: vtpass.url,
      VTPASS_API_KEY: CREDENTIALS.apiKey,
      VTPASS_SECRET_KEY: CREDENTIALS.secretKey,
      NOTIFICATION_PROVIDER_URL: provider.url,
    });
    api = startService({ script: 'dist/main.js', env });
    await waitForHealthy(baseUrl, api);
  });

  after(async () => {
    await api?.stop();
    await Promise.all([vtpass?.close(), provider?.close()]);
    await removeQueueKeys(env.QUEUE_PREFIX);
  });

  test('delivered airtime completes at once', async () => {
    const before = Date.now();
    const body = purchase('delivered');
    const result = await buy(body);
    assert.equal(result.status, 201);
    assert.equal(result.json.status, 'COMPLETED');
    assert.match(result.json.reference, /^\d{12}[0-9a-f]{16}$/);
    const minute = result.json.reference.slice(0, 12);
    assert.ok(
      [lagosMinute(before), lagosMinute(Date.now())].includes(minute),
      `request id starts with the Lagos time (${minute})`,
    );

    const pay = vtpass.requests.find((r) => r.path === '/api/pay' && r.body.request_id === result.json.reference);
    assert.ok(pay, 'VTPass was asked to pay');
    assert.deepEqual(
      { serviceID: pay.body.serviceID, amount: pay.body.amount, phone: pay.body.phone },
      { serviceID: 'mtn', amount: 500, phone: body.phone },
    );
    assert.equal(pay.headers['api-key'], CREDENTIALS.apiKey);
    assert.equal(pay.headers['secret-key'], CREDENTIALS.secretKey);

    const sms = await waitFor(
      () => provider.requests.find((r) => r.channel === 'sms' && r.body.to === body.phone),
      10_000,
      'the SMS to the phone',
    );
    assert.match(sms.body.body ?? '', /NGN 500\.00 of mtn airtime was sent/);

    const output = api.output();
    const reference = result.json.reference;
    assert.match(output, new RegExp(`vtu_purchase_initiated .*"reference":"${reference}"`));
    assert.match(output, new RegExp(`vtu_purchase_completed .*"reference":"${reference}"`));
    assert.ok(!output.includes(body.phone), 'the phone number is not logged');
  });

  test('failed airtime is FAILED', async () => {
    const result = await buy(purchase('failed'));
    assert.equal(result.status, 201);
    assert.equal(result.json.status, 'FAILED');
    assert.match(api.output(), new RegExp(`vtu_purchase_failed .*"reference":"${result.json.reference}".*"reason":"VTPass code`));
  });

  test('pending airtime stays PROCESSING', async () => {
    const result = await buy(purchase('pending'));
    assert.equal(result.status, 201);
    assert.equal(result.json.status, 'PROCESSING');
    const view = await (await fetch(`${baseUrl}/payments/${result.json.id}`)).json() as any;
    assert.equal(view.status, 'PROCESSING');
    assert.doesNotMatch(api.output(), new RegExp(`vtu_purchase_(completed|failed) .*${result.json.reference}`));
  });

  test('international phone form is accepted', async () => {
    const body = purchase('delivered');
    const international = `+234${body.phone.slice(1)}`;
    const result = await buy({ ...body, phone: international });
    assert.equal(result.status, 201);
    const pay = vtpass.requests.find((r) => r.body.request_id === result.json.reference);
    assert.equal(pay?.body.phone, body.phone);
  });

  test('invalid input is 400, values not echoed', async () => {
    const secretPhone = '07099990000123';
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...purchase('delivered'), network: 'mtnx' }, 'invalid_fields', 'network'],
      [{ ...purchase('delivered'), phone: secretPhone }, 'invalid_fields', 'phone'],
      [{ ...purchase('delivered'), amount: 50_050 }, 'invalid_fields', 'amount'],
      [{ ...purchase('delivered'), amount: -100 }, 'invalid_fields', 'amount'],
      [{ ...purchase('delivered'), pin: '1234' }, 'unknown_fields', 'pin'],
    ];
    for (const [body, code, field] of cases) {
      const result = await buy(body);
      assert.equal(result.status, 400, field);
      assert.equal(result.json.error.code, code, field);
      assert.ok(result.json.error.message.includes(field), `names ${field}`);
    }
    const echoed = await buy({ ...purchase('delivered'), phone: secretPhone });
    assert.ok(!JSON.stringify(echoed.json).includes(secretPhone));
  });

  test('idempotency key buys once', async () => {
    const body = purchase('delivered');
    const key = uniqueId('key');
    const first = await buy(body, { 'idempotency-key': key });
    const second = await buy(body, { 'idempotency-key': key });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.json.id, first.json.id);
    const pays = vtpass.requests.filter((r) => r.path === '/api/pay' && r.body.phone === body.phone);
    assert.equal(pays.length, 1, 'VTPass charged once');
    const changed = await buy({ ...body, amount: 100_000 }, { 'idempotency-key': key });
    assert.equal(changed.status, 409);
    assert.equal(changed.json.error.code, 'idempotency_key_reused');
  });
});
