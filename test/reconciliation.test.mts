/**
 * Reconciliation of stuck transactions against Paystack's verify API and
 * VTPass's requery (loopback stand-ins), on real Postgres and Redis: stale
 * transactions move to their true state, fresh ones are left alone, a second
 * run changes nothing, and scheduled runs are traces of their own.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  startPaystackApiStandIn,
  type PaystackApiStandIn,
} from '../scripts/lib/paystack-api-stand-in.mts';
import {
  freePort,
  startService,
  waitFor,
  waitForHealthy,
  type ServiceProcess,
} from '../scripts/lib/processes.mts';
import { startProviderStandIn, type ProviderStandIn } from '../scripts/lib/provider-stand-in.mts';
import { startVtpassStandIn, type VtpassStandIn } from '../scripts/lib/vtpass-stand-in.mts';
import {
  prepareDatabase,
  removeQueueKeys,
  serviceEnv,
  TEST_DATABASE_URL,
  uniqueId,
} from './support/env.mts';
import { readSinkSpans, SPAN_KIND } from './support/sink.mts';

const SECRET = 'sk_test_reconciliation';
const ADMIN_TOKEN = 'admin-token-for-reconciliation';
const VTPASS = { apiKey: 'vtpass-api-key', secretKey: 'SK_vtpass_test' };

interface Harness {
  api: ServiceProcess;
  baseUrl: string;
  env: ReturnType<typeof serviceEnv>;
  paystack: PaystackApiStandIn;
  vtpass: VtpassStandIn;
  provider: ProviderStandIn;
}

async function startHarness(overrides: Record<string, string>): Promise<Harness> {
  const paystack = await startPaystackApiStandIn(SECRET);
  const vtpass = await startVtpassStandIn(VTPASS, () => 'pending');
  const provider = await startProviderStandIn();
  const port = await freePort();
  const env = serviceEnv({
    PORT: String(port),
    PAYSTACK_SECRET_KEY: SECRET,
    PAYSTACK_BASE_URL: paystack.url,
    VTPASS_BASE_URL: vtpass.url,
    VTPASS_API_KEY: VTPASS.apiKey,
    VTPASS_SECRET_KEY: VTPASS.secretKey,
    NOTIFICATION_PROVIDER_URL: provider.url,
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    ...overrides,
  });
  const api = startService({ script: 'dist/main.js', env });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHealthy(baseUrl, api);
  return { api, baseUrl, env, paystack, vtpass, provider };
}

async function stopHarness(harness: Harness | undefined): Promise<void> {
  if (!harness) return;
  await harness.api.stop();
  await Promise.all([harness.paystack.close(), harness.vtpass.close(), harness.provider.close()]);
  await removeQueueKeys(harness.env.QUEUE_PREFIX);
}

describe('reconciliation', () => {
  let harness: Harness;
  let db: pg.Client;

  const createPayment = async (amount: number) => {
    const response = await fetch(`${harness.baseUrl}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: uniqueId('user'), amount, currency: 'NGN', method: 'card' }),
    });
    assert.equal(response.status, 201);
    return (await response.json()) as { id: string; reference: string };
  };

  const runs = () => harness.api.output().match(/reconciliation: \d+ stale/g)?.length ?? 0;

  /** Starts one run through the admin endpoint and waits for its summary. */
  const runOnce = async () => {
    const before = runs();
    const response = await fetch(`${harness.baseUrl}/admin/reconciliation/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(response.status, 202);
    await waitFor(() => (runs() > before ? true : undefined), 15_000, 'a reconciliation run');
  };

  const snapshot = async (ids: string[]) => {
    const result = await db.query(
      `SELECT t.id, t.status, t.updated_at,
              (SELECT count(*)::int FROM notification_queue n WHERE n.transaction_id = t.id) AS notifications
         FROM transactions t WHERE t.id = ANY($1::uuid[]) ORDER BY t.id`,
      [ids],
    );
    return result.rows;
  };

  before(async () => {
    await prepareDatabase();
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    // This file's database is its own: start without the stale rows an
    // earlier run left, so the counts below are this run's.
    await db.query('TRUNCATE notification_queue, webhook_events, dead_letters, transactions, users CASCADE');
    // An hour between scheduled runs: the test starts its runs itself.
    harness = await startHarness({ RECONCILIATION_INTERVAL: '1h' });
  });

  after(async () => {
    await stopHarness(harness);
    await db?.end();
  });

  test('stale transactions reach their true state', async () => {
    const paid = await createPayment(10_000);
    const declined = await createPayment(20_000);
    const abandoned = await createPayment(30_000);
    const stillPending = await createPayment(40_000);
    const wrongAmount = await createPayment(50_000);
    const unknownAtPaystack = await createPayment(60_000);
    const fresh = await createPayment(70_000);
    const statuses = harness.paystack.statuses;
    statuses.set(paid.reference, { status: 'success', amount: 10_000, currency: 'NGN' });
    statuses.set(declined.reference, { status: 'failed', amount: 20_000, currency: 'NGN' });
    statuses.set(abandoned.reference, { status: 'abandoned', amount: 30_000, currency: 'NGN' });
    statuses.set(stillPending.reference, { status: 'pending', amount: 40_000, currency: 'NGN' });
    statuses.set(wrongAmount.reference, { status: 'success', amount: 1, currency: 'NGN' });
    statuses.set(fresh.reference, { status: 'success', amount: 70_000, currency: 'NGN' });

    const airtime = await fetch(`${harness.baseUrl}/vtu/airtime`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userId: uniqueId('user'),
        network: 'glo',
        phone: `070${String(randomInt(0, 1e8)).padStart(8, '0')}`,
        amount: 10_000,
      }),
    }).then((r) => r.json() as Promise<{ id: string; reference: string; status: string }>);
    assert.equal(airtime.status, 'PROCESSING');
    harness.vtpass.setStatus(airtime.reference, 'delivered');

    const stale = [paid, declined, abandoned, stillPending, wrongAmount, unknownAtPaystack, airtime];
    // Far in the past, so these come first in a run even when the shared
    // test database holds stale rows of earlier runs.
    await db.query(
      "UPDATE transactions SET updated_at = now() - interval '30 years' WHERE id = ANY($1::uuid[])",
      [stale.map((t) => t.id)],
    );

    await runOnce();
    const byId = new Map((await snapshot([...stale, fresh].map((t) => t.id))).map((r) => [r.id, r]));
    const expected: [{ id: string }, string][] = [
      [paid, 'COMPLETED'],
      [declined, 'FAILED'],
      [abandoned, 'FAILED'],
      [stillPending, 'PENDING'],
      [wrongAmount, 'PENDING'],
      [unknownAtPaystack, 'PENDING'],
      [airtime, 'COMPLETED'],
      [fresh, 'PENDING'],
    ];
    for (const [transaction, status] of expected) {
      assert.equal(byId.get(transaction.id)?.status, status, `transaction ${transaction.id}\n${harness.api.output().slice(-3000)}`);
    }
    const verified = harness.paystack.requests.map((r) => r.path);
    assert.ok(!verified.includes(`/transaction/verify/${fresh.reference}`), 'fresh transactions are not checked');
    assert.ok(
      harness.paystack.requests.every((r) => r.headers.authorization === `Bearer ${SECRET}`),
      'verify calls carry the secret key',
    );
    // Completed and failed ones tell the user: EMAIL and IN_APP on top of
    // the two from the payment itself.
    assert.equal(byId.get(paid.id)?.notifications, 4);
    assert.equal(byId.get(declined.id)?.notifications, 4);
    assert.equal(byId.get(stillPending.id)?.notifications, 2);
    assert.match(harness.api.output(), new RegExp(`vtu_purchase_completed .*"reference":"${airtime.reference}"`));

    // Running it again changes nothing more.
    const first = await snapshot(stale.map((t) => t.id));
    await runOnce();
    assert.deepEqual(await snapshot(stale.map((t) => t.id)), first);
  });

  test('unresolvable rows do not hide newer ones', async () => {
    // 600 stale payments Paystack has never heard of, older than a real one.
    await db.query("INSERT INTO users (id, updated_at) VALUES ('stuck-user', now()) ON CONFLICT DO NOTHING");
    await db.query(
      `INSERT INTO transactions (id, reference, user_id, type, amount, currency, status, created_at, updated_at)
       SELECT gen_random_uuid(), 'stuck_' || n || '_' || md5(random()::text), 'stuck-user', 'CARD_PAYMENT',
              100, 'NGN', 'PENDING', now() - interval '3 hours', now() - interval '2 hours'
         FROM generate_series(1, 600) AS n`,
    );
    const paid = await createPayment(12_300);
    harness.paystack.statuses.set(paid.reference, { status: 'success', amount: 12_300, currency: 'NGN' });
    await db.query("UPDATE transactions SET updated_at = now() - interval '1 hour' WHERE id = $1", [paid.id]);

    const status = async () =>
      (await db.query('SELECT status FROM transactions WHERE id = $1', [paid.id])).rows[0].status;
    await runOnce();
    assert.equal(await status(), 'PENDING', 'the first run checks only the 500 oldest');
    await runOnce();
    assert.equal(await status(), 'COMPLETED', 'the next run goes on where the first stopped');
  });
});

describe('reconciliation schedule', () => {
  let harness: Harness;

  before(async () => {
    await prepareDatabase();
    harness = await startHarness({ RECONCILIATION_INTERVAL: '300ms' });
  });

  after(() => stopHarness(harness));

  test('each run is a linked trace', async () => {
    const runs = await waitFor(() => {
      const spans = readSinkSpans(harness.env.TELEMETRY_LOCAL_DIR).filter(
        (s) => s.kind === SPAN_KIND.CONSUMER && s.attributes['messaging.destination.name'] === 'reconciliation',
      );
      return spans.length >= 3 ? spans : undefined;
    }, 15_000, 'three scheduled runs');
    const spans = readSinkSpans(harness.env.TELEMETRY_LOCAL_DIR);
    const scheduler = spans.find(
      (s) => s.kind === SPAN_KIND.PRODUCER && s.attributes['bullmq.job.scheduler.id'] === 'reconcile-stale-transactions',
    );
    assert.ok(scheduler, 'the span that created the scheduler');
    assert.equal(new Set(runs.map((r) => r.traceId)).size, runs.length, 'one trace per run');
    for (const run of runs) {
      assert.equal(run.parentSpanId, '');
      assert.notEqual(run.traceId, scheduler.traceId);
      assert.deepEqual(run.links.map((l) => l.spanId), [scheduler.spanId]);
      const children = spans.filter((s) => s.parentSpanId === run.spanId);
      assert.ok(children.length > 0, 'the run\'s database work is inside its trace');
    }
  });
});
