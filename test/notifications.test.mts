/**
 * Notifications on BullMQ against real Postgres and Redis: retries with
 * backoff, a provider 429 as a rate limit, permanent failures, dead letters
 * and their replay, the relay that hands PENDING rows over in their own
 * trace, rows taken over from the database backend, per-channel rate limits
 * and the database backend itself (the rollback path).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Queue } from 'bullmq';
import pg from 'pg';
import {
  freePort,
  startService,
  waitFor,
  waitForHealthy,
  type ServiceProcess,
} from '../scripts/lib/processes.mts';
import {
  startProviderStandIn,
  type ProviderRequest,
  type ProviderStandIn,
} from '../scripts/lib/provider-stand-in.mts';
import {
  prepareDatabase,
  removeQueueKeys,
  serviceEnv,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueId,
} from './support/env.mts';
import type { DecodedSpan } from './support/otlp-proto.mts';
import { readSinkSpans, SPAN_KIND, STATUS_ERROR } from './support/sink.mts';

const ADMIN_TOKEN = 'admin-token-for-tests';

/** Provider behaviour by the recipient's user id prefix. */
function providerPlan(recovered: Set<string>) {
  return (request: ProviderRequest, attempt: number) => {
    const to = request.body.to ?? '';
    if (to.startsWith('flaky-') && attempt <= 2) return { status: 503 };
    if (to.startsWith('broken-') && !recovered.has(to)) return { status: 503 };
    if (to.startsWith('rejected-')) return { status: 400 };
    if (to.startsWith('limited-') && attempt === 1) {
      return { status: 429, headers: { 'retry-after': '1' } };
    }
    return { status: 202 };
  };
}

interface Harness {
  api: ServiceProcess;
  provider: ProviderStandIn;
  baseUrl: string;
  env: ReturnType<typeof serviceEnv>;
}

async function startHarness(
  overrides: Record<string, string>,
  recovered = new Set<string>(),
): Promise<Harness> {
  const provider = await startProviderStandIn(providerPlan(recovered));
  const port = await freePort();
  const env = serviceEnv({
    PORT: String(port),
    NOTIFICATION_PROVIDER_URL: provider.url,
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    QUEUE_JOB_ATTEMPTS: '3',
    QUEUE_BACKOFF_DELAY: '100ms',
    OUTBOX_RELAY_INTERVAL: '200ms',
    ...overrides,
  });
  const api = startService({ script: 'dist/main.js', env });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHealthy(baseUrl, api);
  return { api, provider, baseUrl, env };
}

async function stopHarness(harness: Harness | undefined): Promise<void> {
  if (!harness) return;
  await harness.api.stop();
  await harness.provider.close();
  await removeQueueKeys(harness.env.QUEUE_PREFIX);
}

async function createPayment(baseUrl: string, userId: string) {
  const response = await fetch(`${baseUrl}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, amount: 5000, currency: 'NGN', method: 'card' }),
  });
  assert.equal(response.status, 201);
  return (await response.json()) as { id: string; reference: string };
}

describe('notifications on BullMQ', () => {
  let harness: Harness;
  let db: pg.Client;
  const recovered = new Set<string>();

  const emailRow = async (transactionId: string) => {
    const result = await db.query(
      "SELECT * FROM notification_queue WHERE transaction_id = $1 AND channel = 'EMAIL'",
      [transactionId],
    );
    return result.rows[0];
  };

  const settledEmail = (transactionId: string) =>
    waitFor(async () => {
      const row = await emailRow(transactionId);
      return row && (row.status === 'SENT' || row.status === 'FAILED') ? row : undefined;
    }, 20_000, `the EMAIL notification of ${transactionId} to settle`);

  const admin = async (method: string, path: string, token = ADMIN_TOKEN) => {
    const response = await fetch(`${harness.baseUrl}${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: response.status, json: (await response.json()) as any };
  };

  const spansOfJob = (jobId: string) =>
    readSinkSpans(harness.env.TELEMETRY_LOCAL_DIR)
      .filter((s) => s.kind === SPAN_KIND.CONSUMER && s.attributes['messaging.message.id'] === jobId)
      .sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano));

  before(async () => {
    await prepareDatabase();
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    harness = await startHarness({}, recovered);
  });

  after(async () => {
    await stopHarness(harness);
    await db?.end();
  });

  test('flaky delivery retried, failures ERROR', async () => {
    const userId = uniqueId('flaky');
    const payment = await createPayment(harness.baseUrl, userId);
    const row = await settledEmail(payment.id);
    assert.equal(row.status, 'SENT');
    assert.equal(row.attempts, 3);
    assert.equal(harness.provider.deliveries.get(row.id), 1, 'delivered exactly once');
    const calls = harness.provider.requests.filter((r) => r.body.notificationId === row.id);
    assert.equal(calls.length, 3);
    // Exponential backoff: 100 ms, then 200 ms.
    assert.ok(calls[1].receivedAt - calls[0].receivedAt >= 90);
    assert.ok(calls[2].receivedAt - calls[1].receivedAt >= 190);

    const attempts = await waitFor(() => {
      const spans = spansOfJob(row.id);
      return spans.length === 3 ? spans : undefined;
    }, 10_000, 'three process spans');
    const server = readSinkSpans(harness.env.TELEMETRY_LOCAL_DIR).find(
      (s) => s.kind === SPAN_KIND.SERVER && s.traceId === attempts[0].traceId,
    );
    assert.ok(server, 'the attempts are in the trace of POST /payments');
    assert.equal(server.name, 'POST /payments');
    assert.equal(new Set(attempts.map((s) => s.traceId)).size, 1);
    assert.deepEqual(attempts.map((s) => s.attributes['messaging.message.retry.count']), [0, 1, 2]);
    assert.deepEqual(attempts.map((s) => s.status.code === STATUS_ERROR), [true, true, false]);
    for (const failed of attempts.slice(0, 2)) {
      const exception = failed.events.find((e) => e.name === 'exception');
      assert.match(String(exception?.attributes['exception.message']), /provider answered 503/);
    }
  });

  test('exhausted retries become dead letter', async () => {
    const userId = uniqueId('broken');
    const payment = await createPayment(harness.baseUrl, userId);
    const row = await settledEmail(payment.id);
    assert.equal(row.status, 'FAILED');
    assert.equal(row.attempts, 3);
    assert.match(row.last_error, /provider answered 503/);

    const attempts = await waitFor(() => {
      const spans = spansOfJob(row.id);
      return spans.length === 3 ? spans : undefined;
    }, 10_000, 'three process spans');
    assert.ok(attempts.every((s) => s.status.code === STATUS_ERROR), 'every attempt is ERROR');

    const listed = await admin('GET', '/admin/dead-letters?queue=notifications-email');
    assert.equal(listed.status, 200);
    const letter = listed.json.deadLetters.find((l: any) => l.jobId === row.id);
    assert.ok(letter, 'the dead letter is listed');
    assert.equal(letter.attempts, 3);
    assert.equal(letter.payload.notificationId, row.id);
    assert.match(letter.error, /provider answered 503/);
    assert.equal(letter.replayedAt, null);
  });

  test('dead letter replay delivers once', async () => {
    const userId = uniqueId('broken');
    const payment = await createPayment(harness.baseUrl, userId);
    const row = await settledEmail(payment.id);
    assert.equal(row.status, 'FAILED');
    const letter = await waitFor(async () => {
      const result = await db.query('SELECT id FROM dead_letters WHERE job_id = $1', [row.id]);
      return result.rows[0];
    }, 5000, 'the dead letter');

    recovered.add(userId);
    const replayed = await admin('POST', `/admin/dead-letters/${letter.id}/replay`);
    assert.equal(replayed.status, 202);
    assert.deepEqual(replayed.json, { id: letter.id, status: 'replayed' });
    const sent = await waitFor(async () => {
      const current = await emailRow(payment.id);
      return current.status === 'SENT' ? current : undefined;
    }, 15_000, 'the replayed notification to be SENT');
    assert.equal(sent.attempts, 1, 'the replay starts from the first attempt');
    assert.equal(harness.provider.deliveries.get(row.id), 1);

    const again = await admin('POST', `/admin/dead-letters/${letter.id}/replay`);
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'already_replayed');
    const listed = await admin('GET', '/admin/dead-letters?queue=notifications-email');
    assert.ok(!listed.json.deadLetters.some((l: any) => l.id === letter.id), 'replayed letters are hidden');
    const all = await admin('GET', '/admin/dead-letters?queue=notifications-email&all=true');
    assert.ok(all.json.deadLetters.some((l: any) => l.id === letter.id && l.replayedAt));
  });

  test('permanent 4xx fails at once', async () => {
    const payment = await createPayment(harness.baseUrl, uniqueId('rejected'));
    const row = await settledEmail(payment.id);
    assert.equal(row.status, 'FAILED');
    assert.equal(row.attempts, 1);
    assert.match(row.last_error, /provider rejected notification .* with status 400/);
    assert.equal(
      harness.provider.requests.filter((r) => r.body.notificationId === row.id).length,
      1,
    );
  });

  test('429 waits Retry-After, not a failure', async () => {
    const payment = await createPayment(harness.baseUrl, uniqueId('limited'));
    const row = await settledEmail(payment.id);
    assert.equal(row.status, 'SENT');
    const calls = harness.provider.requests.filter((r) => r.body.notificationId === row.id);
    assert.equal(calls.length, 2);
    assert.ok(
      calls[1].receivedAt - calls[0].receivedAt >= 950,
      `second call waited Retry-After (${calls[1].receivedAt - calls[0].receivedAt} ms)`,
    );
    const attempts = await waitFor(() => {
      const spans = spansOfJob(row.id);
      return spans.length === 2 ? spans : undefined;
    }, 10_000, 'two process spans');
    assert.deepEqual(attempts.map((s) => s.attributes['messaging.message.retry.count']), [0, 0]);
    assert.ok(attempts.every((s) => s.status.code !== STATUS_ERROR), 'a rate limit is no error');
  });

  test('relay enqueues PENDING rows in their trace', async () => {
    const userId = uniqueId('relayed');
    const traceId = randomBytes(16).toString('hex');
    const parentSpanId = randomBytes(8).toString('hex');
    const id = randomUUID();
    await db.query('INSERT INTO users (id, updated_at) VALUES ($1, now())', [userId]);
    await db.query(
      `INSERT INTO notification_queue
         (id, user_id, channel, recipient, subject, body, status, backend, traceparent, created_at, updated_at)
       VALUES ($1, $2, 'EMAIL', $2, 'Relayed', 'Written while Redis was down', 'PENDING', 'BULLMQ', $3,
               now() - interval '10 seconds', now())`,
      [id, userId, `00-${traceId}-${parentSpanId}-01`],
    );
    const row = await waitFor(async () => {
      const result = await db.query('SELECT * FROM notification_queue WHERE id = $1', [id]);
      return result.rows[0].status === 'SENT' ? result.rows[0] : undefined;
    }, 15_000, 'the relayed notification to be SENT');
    assert.equal(row.migrated_at, null, 'a BullMQ row is not a migration');
    assert.equal(harness.provider.deliveries.get(id), 1);

    const spans = await waitFor(() => {
      const all = readSinkSpans(harness.env.TELEMETRY_LOCAL_DIR).filter((s) => s.traceId === traceId);
      return all.some((s) => s.kind === SPAN_KIND.CONSUMER) ? all : undefined;
    }, 10_000, 'spans in the stored trace');
    const producer = spans.find((s) => s.kind === SPAN_KIND.PRODUCER);
    assert.ok(producer, 'the relay published inside the stored trace');
    assert.equal(producer.parentSpanId, parentSpanId);
    const consumer = spans.find((s) => s.kind === SPAN_KIND.CONSUMER) as DecodedSpan;
    assert.equal(consumer.parentSpanId, producer.spanId);
  });

  test('database-backend rows delivered once, migrated', async () => {
    const userId = uniqueId('legacy');
    await db.query('INSERT INTO users (id, updated_at) VALUES ($1, now())', [userId]);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) {
      await db.query(
        `INSERT INTO notification_queue
           (id, user_id, channel, recipient, subject, body, status, backend, attempts, created_at, updated_at)
         VALUES ($1, $2, 'SMS', $2, 'Legacy', 'Left by the cron processor', 'PENDING', 'DATABASE', 1,
                 now() - interval '1 hour', now() - interval '1 hour')`,
        [id, userId],
      );
    }
    const rows = await waitFor(async () => {
      const result = await db.query('SELECT * FROM notification_queue WHERE id = ANY($1::uuid[])', [ids]);
      return result.rows.every((r) => r.status === 'SENT') ? result.rows : undefined;
    }, 15_000, 'the legacy rows to be SENT');
    for (const row of rows) {
      assert.equal(row.backend, 'BULLMQ');
      assert.ok(row.migrated_at, `row ${row.id} is marked migrated`);
      assert.equal(harness.provider.deliveries.get(row.id), 1, `row ${row.id} delivered once`);
    }
    // A later relay pass must not pick them up again.
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (const id of ids) {
      assert.equal(harness.provider.requests.filter((r) => r.body.notificationId === id).length, 1);
    }
  });

  test('job for a missing row is reported', async () => {
    const queue = new Queue('notifications-email', {
      connection: { url: TEST_REDIS_URL },
      prefix: harness.env.QUEUE_PREFIX,
    });
    const missing = randomUUID();
    try {
      for (const notificationId of [missing, 'not-a-uuid']) {
        await queue.add('deliver', { notificationId }, { jobId: `job-${notificationId}`, attempts: 1 });
      }
    } finally {
      await queue.close();
    }
    for (const [notificationId, error] of [[missing, /not found/], ['not-a-uuid', /./]] as const) {
      const letter = await waitFor(async () => {
        const result = await db.query('SELECT * FROM dead_letters WHERE job_id = $1', [`job-${notificationId}`]);
        return result.rows[0];
      }, 10_000, `the dead letter of ${notificationId}`);
      assert.equal(letter.queue, 'notifications-email');
      assert.equal(letter.payload.notificationId, notificationId);
      assert.match(letter.error, error);
      assert.match(
        harness.api.output(),
        new RegExp(`notification ${notificationId} failed for good after 1 attempt`),
      );
    }
  });

  test('admin endpoints need the token', async () => {
    const missing = await admin('GET', '/admin/dead-letters', '');
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error.code, 'unauthorized');
    const wrong = await admin('GET', '/admin/dead-letters', 'not-the-token');
    assert.equal(wrong.status, 401);
    const unknown = await admin('POST', `/admin/dead-letters/${randomUUID()}/replay`);
    assert.equal(unknown.status, 404);
  });
});

describe('channel rate limit', () => {
  let harness: Harness;

  before(async () => {
    await prepareDatabase();
    harness = await startHarness({ NOTIFICATION_RATE_LIMIT_EMAIL: '2/1s' });
  });

  after(() => stopHarness(harness));

  test('limit comes from the environment', async () => {
    assert.match(harness.api.output(), /worker notifications-email started, rate limit 2\/1000ms/);
    assert.match(harness.api.output(), /worker notifications-in-app started, rate limit off/);
    const users = Array.from({ length: 5 }, () => uniqueId('ratelimited'));
    for (const userId of users) await createPayment(harness.baseUrl, userId);
    const calls = await waitFor(() => {
      const emails = harness.provider.requests.filter((r) => users.includes(r.body.to ?? ''));
      return emails.length === 5 ? emails : undefined;
    }, 15_000, 'five emails');
    const times = calls.map((c) => c.receivedAt).sort((a, b) => a - b);
    // Two per second: the fifth cannot start before the third window.
    assert.ok(times[4] - times[0] >= 1800, `five emails took ${times[4] - times[0]} ms`);
  });
});

describe('database backend', () => {
  let harness: Harness;
  let db: pg.Client;

  before(async () => {
    await prepareDatabase();
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    harness = await startHarness({
      NOTIFICATION_BACKEND: 'database',
      NOTIFICATION_POLL_INTERVAL: '200ms',
    });
  });

  after(async () => {
    await stopHarness(harness);
    await db?.end();
  });

  test('poller delivers and retries without BullMQ', async () => {
    assert.match(harness.api.output(), /NOTIFICATION_BACKEND=database: polling notification_queue every 200 ms/);
    const payment = await createPayment(harness.baseUrl, uniqueId('flaky'));
    const rows = await waitFor(async () => {
      const result = await db.query(
        'SELECT * FROM notification_queue WHERE transaction_id = $1 ORDER BY channel',
        [payment.id],
      );
      return result.rows.length === 2 && result.rows.every((r) => r.status === 'SENT')
        ? result.rows
        : undefined;
    }, 20_000, 'both notifications SENT by the poller');
    const email = rows.find((r) => r.channel === 'EMAIL');
    assert.equal(email.backend, 'DATABASE');
    assert.equal(email.attempts, 3, 'two 503s, then delivered');
    assert.equal(harness.provider.deliveries.get(email.id), 1);

    const spans = readSinkSpans(harness.env.TELEMETRY_LOCAL_DIR);
    const published = spans.filter(
      (s) => s.kind === SPAN_KIND.PRODUCER && String(s.attributes['messaging.destination.name']).startsWith('notifications-'),
    );
    assert.equal(published.length, 0, 'no notification published to BullMQ');
    const server = spans.find((s) => s.kind === SPAN_KIND.SERVER && s.name === 'POST /payments');
    assert.ok(server);
    const call = harness.provider.requests.find((r) => r.body.notificationId === email.id);
    assert.ok(call?.traceparent?.includes(server.traceId), 'delivery runs in the request\'s trace');
  });

  test('permanent failure recorded as dead letter', async () => {
    const payment = await createPayment(harness.baseUrl, uniqueId('rejected'));
    const row = await waitFor(async () => {
      const result = await db.query(
        "SELECT * FROM notification_queue WHERE transaction_id = $1 AND channel = 'EMAIL'",
        [payment.id],
      );
      return result.rows[0]?.status === 'FAILED' ? result.rows[0] : undefined;
    }, 15_000, 'the EMAIL to fail');
    const letters = await db.query('SELECT * FROM dead_letters WHERE job_id = $1', [row.id]);
    assert.equal(letters.rows.length, 1);
    assert.equal(letters.rows[0].queue, 'notification_queue');
  });
});
