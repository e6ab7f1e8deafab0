/**
 * `npm run demo`: the main job end to end on a fresh checkout.
 *
 * Builds, migrates, starts the API and a separate worker process with the
 * preload, starts a local stand-in for the notification provider, sends real
 * traffic (payments, a signed Paystack charge.success webhook, a redelivery
 * of it and one with a bad signature), waits for the webhook to be processed
 * from its queue and for the notifications, and prints the traces the run
 * produced from the local sink.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { migrate } from './db-migrate.mts';
import { chargeSuccessEvent, signPaystack } from './lib/paystack.mts';
import {
  freePort,
  ROOT,
  startService,
  waitFor,
  waitForHealthy,
  type ServiceProcess,
} from './lib/processes.mts';
import { startCircleStandIn } from './lib/circle-stand-in.mts';
import { startPaystackApiStandIn } from './lib/paystack-api-stand-in.mts';
import { startProviderStandIn } from './lib/provider-stand-in.mts';
import { startVtpassStandIn } from './lib/vtpass-stand-in.mts';

const DATABASE_URL =
  process.env.DATABASE_URL?.trim() ||
  'postgresql://postgres:postgres@127.0.0.1:5432/gateway';
const REDIS_URL = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
const TELEMETRY_DIR = join(ROOT, process.env.TELEMETRY_LOCAL_DIR ?? '.telemetry');

function step(message: string): void {
  console.log(`\n==> ${message}`);
}

function fail(message: string): never {
  console.error(`\ndemo failed: ${message}`);
  process.exit(1);
}

async function checkPostgres(): Promise<void> {
  const url = new URL(DATABASE_URL);
  url.pathname = '/postgres';
  const client = new pg.Client({
    connectionString: url.toString(),
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    fail(
      `Postgres is not reachable at ${url.hostname}:${url.port || 5432} (${(error as Error).message}).\n` +
        '  Start it (on a laptop: docker compose up -d postgres redis), or set DATABASE_URL to a reachable server.',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const url = new URL(REDIS_URL);
    fail(
      `Redis is not reachable at ${url.hostname}:${url.port || 6379} (${(error as Error).message}).\n` +
        '  Start it (on a laptop: docker compose up -d postgres redis), or set REDIS_URL to a reachable server.',
    );
  } finally {
    redis.disconnect();
  }
}

function build(): void {
  const result = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) fail('npm run build failed (output above)');
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, json: (await response.json()) as any };
}

async function main(): Promise<void> {
  const startedAt = BigInt(Date.now()) * 1_000_000n;

  step('checking Postgres and Redis');
  await Promise.all([checkPostgres(), checkRedis()]);

  step('building');
  build();

  step('migrating');
  const applied = await migrate(DATABASE_URL);
  console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');

  step('starting the notification provider stand-in, the API and a worker');
  // The first attempt of every SMS/EMAIL notification to user "demo-flaky"
  // fails with 503, so the traces show a retry.
  const provider = await startProviderStandIn((request, attempt) =>
    request.body.to === 'demo-flaky' && attempt === 1
      ? { status: 503 }
      : { status: 202 },
  );
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const paystackSecret = `sk_test_demo_${randomBytes(12).toString('hex')}`;
  // Every outside API the service may call is a loopback stand-in, so the
  // reconciliation job never reaches the real Paystack or VTPass.
  const vtpassKeys = { apiKey: 'demo-vtpass-key', secretKey: 'SK_demo_vtpass' };
  const paystackApi = await startPaystackApiStandIn(paystackSecret);
  const vtpass = await startVtpassStandIn(vtpassKeys);
  const circle = await startCircleStandIn();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    PORT: String(port),
    DATABASE_URL,
    REDIS_URL,
    PAYSTACK_SECRET_KEY: paystackSecret,
    PAYSTACK_BASE_URL: paystackApi.url,
    VTPASS_BASE_URL: vtpass.url,
    VTPASS_API_KEY: vtpassKeys.apiKey,
    VTPASS_SECRET_KEY: vtpassKeys.secretKey,
    CIRCLE_BASE_URL: circle.url,
    CIRCLE_API_KEY: 'TEST_API_KEY:demo:circle',
    NOTIFICATION_PROVIDER_URL: provider.url,
    OTEL_SERVICE_NAME: 'payments-service',
    TELEMETRY_LOCAL_DIR: TELEMETRY_DIR,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  const api = startService({
    script: 'dist/main.js',
    env: { ...env, WORKERS: 'off' },
    echoPrefix: '  [api]',
  });
  const worker = startService({
    script: 'dist/worker.js',
    env,
    echoPrefix: '  [worker]',
  });
  const services: ServiceProcess[] = [api, worker];
  const stopAll = () => Promise.all(services.map((s) => s.stop()));

  try {
    await waitForHealthy(baseUrl, api);

    step('sending traffic');
    const payments: { id: string; reference: string; amount: number }[] = [];
    for (const [userId, amount, method] of [
      ['demo-ada', 250_000, 'card'],
      ['demo-flaky', 50_000, 'bank_transfer'],
      ['demo-chidi', 1_500, 'ussd'],
    ] as const) {
      const body = JSON.stringify({ userId, amount, currency: 'NGN', method });
      const result = await post(`${baseUrl}/payments`, body, {
        'idempotency-key': `demo-${userId}-${startedAt}`,
      });
      console.log(`POST /payments ${userId}: ${result.status} ${JSON.stringify(result.json)}`);
      if (result.status !== 201) fail('payment was not created');
      payments.push({ ...result.json, amount });
    }

    const event = chargeSuccessEvent(payments[0].reference, payments[0].amount, 'NGN');
    const eventBody = JSON.stringify(event);
    const signed = await post(`${baseUrl}/webhooks/paystack`, eventBody, {
      'x-paystack-signature': signPaystack(eventBody, paystackSecret),
    });
    console.log(`POST /webhooks/paystack charge.success (signed): ${signed.status} ${JSON.stringify(signed.json)}`);
    const again = await post(`${baseUrl}/webhooks/paystack`, eventBody, {
      'x-paystack-signature': signPaystack(eventBody, paystackSecret),
    });
    console.log(`POST /webhooks/paystack same event again: ${again.status} ${JSON.stringify(again.json)}`);
    const forged = await post(`${baseUrl}/webhooks/paystack`, eventBody, {
      'x-paystack-signature': signPaystack(eventBody, 'not-the-secret'),
    });
    console.log(`POST /webhooks/paystack bad signature: ${forged.status} ${JSON.stringify(forged.json)}`);

    // The webhook is processed from a queue after the 200; wait for it.
    const completed = await waitFor(
      async () => {
        const view = (await (await fetch(`${baseUrl}/payments/${payments[0].id}`)).json()) as any;
        return view.status === 'COMPLETED' ? view : undefined;
      },
      30_000,
      'the webhook to complete the payment',
      250,
    );
    console.log(`GET /payments/${payments[0].id}: status ${completed.status}`);

    step('waiting for the worker to deliver the notifications');
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    const ids = payments.map((p) => p.id);
    const rows = await waitFor(
      async () => {
        const result = await db.query(
          `SELECT status, count(*)::int AS n FROM notification_queue
           WHERE transaction_id = ANY($1::uuid[]) GROUP BY status`,
          [ids],
        );
        const open = result.rows.filter((r) => r.status !== 'SENT' && r.status !== 'FAILED');
        return open.length === 0 && result.rows.length > 0 ? result.rows : undefined;
      },
      30_000,
      'notifications to be delivered',
      250,
    );
    await db.end();
    console.log(`notifications: ${rows.map((r) => `${r.n} ${r.status}`).join(', ')}; provider received ${provider.requests.length} request(s)`);
  } finally {
    step('stopping (SIGTERM flushes telemetry)');
    await stopAll();
    await Promise.all([provider.close(), paystackApi.close(), vtpass.close(), circle.close()]);
  }

  step('traces from this run (npm run traces shows them again)');
  const require = createRequire(import.meta.url);
  const traces = require(join(ROOT, 'otel/cli/traces.js')) as typeof import('../otel/cli/traces.ts');
  const trees = traces
    .buildTraces(traces.readSpans(TELEMETRY_DIR))
    .filter((tree) => tree.startNanos >= startedAt);
  if (trees.length === 0) fail(`no traces were written to ${TELEMETRY_DIR}`);
  console.log(trees.map(traces.formatTrace).join('\n\n'));

  const crossProcess = trees.filter((tree) => tree.processes.size > 1).length;
  console.log(`\n${trees.length} traces, ${crossProcess} of them across the API and the worker process.`);
}

await main();
