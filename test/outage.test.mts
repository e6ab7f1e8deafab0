/**
 * Nothing is lost when things stop: Redis stopped and restarted empty in the
 * middle of a run (a redis-server of the test's own), and a worker sent
 * SIGTERM while it is delivering a notification. The API and the worker run
 * as separate processes against real Postgres.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  freePort,
  startService,
  waitFor,
  waitForHealthy,
  type ServiceProcess,
} from '../scripts/lib/processes.mts';
import { startProviderStandIn, type ProviderStandIn } from '../scripts/lib/provider-stand-in.mts';
import {
  prepareDatabase,
  removeQueueKeys,
  serviceEnv,
  TEST_DATABASE_URL,
  uniqueId,
} from './support/env.mts';
import { startOwnRedis, type OwnRedis } from './support/redis-server.mts';

async function createPayment(baseUrl: string, userId: string) {
  const started = Date.now();
  const response = await fetch(`${baseUrl}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, amount: 2500, currency: 'NGN', method: 'ussd' }),
  });
  assert.equal(response.status, 201, `payment for ${userId}`);
  const body = (await response.json()) as { id: string };
  return { id: body.id, elapsedMs: Date.now() - started };
}

async function notificationRows(db: pg.Client, transactionIds: string[]) {
  const result = await db.query(
    'SELECT id, channel, status FROM notification_queue WHERE transaction_id = ANY($1::uuid[])',
    [transactionIds],
  );
  return result.rows as { id: string; channel: string; status: string }[];
}

describe('Redis outage', () => {
  let redis: OwnRedis;
  let provider: ProviderStandIn;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let baseUrl: string;
  let db: pg.Client;

  before(async () => {
    await prepareDatabase();
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    redis = await startOwnRedis();
    provider = await startProviderStandIn(() => ({ status: 202, delayMs: 30 }));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const env = serviceEnv({
      PORT: String(port),
      REDIS_URL: redis.url,
      NOTIFICATION_PROVIDER_URL: provider.url,
      OUTBOX_RELAY_INTERVAL: '200ms',
      OUTBOX_RECHECK_AFTER: '2s',
      QUEUE_BACKOFF_DELAY: '100ms',
      // Two EMAILs a second: most are still waiting in Redis when it stops.
      NOTIFICATION_RATE_LIMIT_EMAIL: '2/1s',
    });
    api = startService({ script: 'dist/main.js', env: { ...env, WORKERS: 'off' } });
    worker = startService({ script: 'dist/worker.js', env });
    await waitForHealthy(baseUrl, api);
    await waitFor(
      () => (worker.output().includes('workers started') ? true : undefined),
      20_000,
      'the worker to start',
    );
  });

  after(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await provider?.close();
    await redis?.stop();
    await db?.end();
  });

  test('restart loses no notification, sends none twice', async () => {
    const payments: string[] = [];
    for (let i = 0; i < 5; i++) {
      payments.push((await createPayment(baseUrl, uniqueId('outage'))).id);
    }

    await redis.stop();
    const health = await fetch(`${baseUrl}/health`);
    assert.equal(health.status, 503);
    assert.equal(((await health.json()) as any).redis, 'down');
    for (let i = 0; i < 5; i++) {
      const created = await createPayment(baseUrl, uniqueId('outage'));
      assert.ok(created.elapsedMs < 3000, `the API answers without Redis (${created.elapsedMs} ms)`);
      payments.push(created.id);
    }
    const whileDown = await notificationRows(db, payments.slice(5));
    assert.ok(
      whileDown.every((row) => row.status === 'PENDING'),
      'rows written while Redis is down wait for the relay',
    );

    // Redis comes back empty: jobs it held are gone.
    await redis.start();
    const rows = await waitFor(async () => {
      const current = await notificationRows(db, payments);
      return current.length === 20 && current.every((row) => row.status === 'SENT')
        ? current
        : undefined;
    }, 45_000, 'all 20 notifications to be SENT');

    for (const row of rows.filter((r) => r.channel === 'EMAIL')) {
      assert.equal(provider.deliveries.get(row.id), 1, `EMAIL ${row.id} delivered exactly once`);
    }
    assert.match(
      worker.output(),
      /handed \d+ notification\(s\) to BullMQ again: Redis no longer had their jobs/,
      'jobs lost with Redis were handed over again',
    );
    assert.match(worker.output(), /relayed \d+ notification\(s\) to BullMQ/, 'rows written while down were relayed');
    assert.equal(worker.child.exitCode, null, 'the worker survived the outage');
    assert.equal(api.child.exitCode, null, 'the API survived the outage');
  });
});

describe('worker SIGTERM mid-job', () => {
  let provider: ProviderStandIn;
  let api: ServiceProcess;
  let env: ReturnType<typeof serviceEnv>;
  let baseUrl: string;
  let db: pg.Client;
  const workers: ServiceProcess[] = [];

  before(async () => {
    await prepareDatabase();
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    provider = await startProviderStandIn((request) =>
      request.body.to?.startsWith('slow-') ? { status: 202, delayMs: 1500 } : { status: 202 },
    );
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = serviceEnv({ PORT: String(port), NOTIFICATION_PROVIDER_URL: provider.url });
    api = startService({ script: 'dist/main.js', env: { ...env, WORKERS: 'off' } });
    await waitForHealthy(baseUrl, api);
  });

  after(async () => {
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop())]);
    await provider?.close();
    await removeQueueKeys(env.QUEUE_PREFIX);
    await db?.end();
  });

  const startWorker = async () => {
    const worker = startService({ script: 'dist/worker.js', env });
    workers.push(worker);
    await waitFor(
      () => (worker.output().includes('workers started') ? true : undefined),
      20_000,
      'a worker to start',
    );
    return worker;
  };

  test('in-flight job finishes before exit', async () => {
    const first = await startWorker();
    const userId = uniqueId('slow');
    const payment = await createPayment(baseUrl, userId);
    const inFlight = await waitFor(
      () => provider.requests.find((r) => r.body.to === userId && r.channel === 'email'),
      15_000,
      'the EMAIL delivery to start',
    );

    const exited = once(first.child, 'exit');
    first.child.kill('SIGTERM');
    await exited;
    const exitedAt = Date.now();
    assert.ok(
      exitedAt >= inFlight.receivedAt + 1400,
      'the worker waited for the provider before exiting',
    );
    assert.match(first.output(), /notification workers closed/);

    const rows = await notificationRows(db, [payment.id]);
    const email = rows.find((row) => row.channel === 'EMAIL')!;
    assert.equal(email.status, 'SENT', 'finished, not dropped');
    assert.equal(provider.deliveries.get(email.id), 1);

    // A worker that starts afterwards finds nothing left to redo.
    await startWorker();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(provider.requests.filter((r) => r.body.notificationId === email.id).length, 1);
    const after = await notificationRows(db, [payment.id]);
    assert.ok(after.every((row) => row.status === 'SENT'));
  });
});
