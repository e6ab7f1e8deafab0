/**
 * `PATCH /users/:id`, the operator's change of a user's KYC tier or account
 * status: behind the admin token, and identified to PostHog (here the local
 * sink's events) when something changed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, startService, waitFor, waitForHealthy, type ServiceProcess } from '../scripts/lib/processes.mts';
import { prepareDatabase, serviceEnv, uniqueId } from './support/env.mts';

const TOKEN = 'users-test-admin-token';

describe('PATCH /users/:id', () => {
  let api: ServiceProcess;
  let baseUrl: string;
  let sinkDir: string;

  const patch = async (id: string, body: unknown, token: string | null = TOKEN) => {
    const response = await fetch(`${baseUrl}/users/${id}`, {
      method: 'PATCH',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };

  /** A user, created by their first payment. */
  const createUser = async () => {
    const userId = uniqueId('user');
    const response = await fetch(`${baseUrl}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, amount: 5000, currency: 'NGN', method: 'card' }),
    });
    assert.equal(response.status, 201);
    return userId;
  };

  const identifyCalls = (userId: string) =>
    readFileSync(join(sinkDir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((event) => event.type === 'identify' && event.distinctId === userId);

  before(async () => {
    await prepareDatabase();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const env = serviceEnv({ PORT: String(port), WORKERS: 'off', ADMIN_API_TOKEN: TOKEN });
    sinkDir = env.TELEMETRY_LOCAL_DIR;
    api = startService({ script: 'dist/main.js', env });
    await waitForHealthy(baseUrl, api);
  });

  after(async () => {
    await api?.stop();
  });

  test('needs the admin token', async () => {
    const userId = await createUser();
    const missing = await patch(userId, { status: 'SUSPENDED' }, null);
    assert.equal(missing.status, 401);
    const wrong = await patch(userId, { status: 'SUSPENDED' }, 'not-the-token');
    assert.equal(wrong.status, 401);
  });

  test('a new KYC tier is saved and identified', async () => {
    const userId = await createUser();
    const result = await patch(userId, { kycTier: 'TIER_2' });
    assert.equal(result.status, 200);
    assert.equal(result.json.kycTier, 'TIER_2');
    const calls = await waitFor(
      () => {
        const found = identifyCalls(userId);
        return found.length >= 2 ? found : undefined;
      },
      5_000,
      'the identify call for the new tier',
    );
    assert.equal(calls.at(-1).properties.kyc_tier, 'TIER_2');
  });

  test('unknown fields and values are 400', async () => {
    const userId = await createUser();
    assert.equal((await patch(userId, { kycTier: 'TIER_9' })).status, 400);
    assert.equal((await patch(userId, { email: 'ada@example.com' })).status, 400);
  });

  test('an unknown user is 404', async () => {
    assert.equal((await patch(uniqueId('nobody'), { status: 'CLOSED' })).status, 404);
  });
});
