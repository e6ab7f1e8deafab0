/**
 * The environment each test gives the service: its own database, its own
 * BullMQ key prefix on the shared Redis, and its own local sink directory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrate } from '../../scripts/db-migrate.mts';
import { ROOT } from '../../scripts/lib/processes.mts';

const baseDatabaseUrl =
  process.env.DATABASE_URL?.trim() ||
  'postgresql://postgres:postgres@127.0.0.1:5432/gateway';

/** `<database>_test_<checkout>_`: the start of this checkout's test databases. */
const TEST_DATABASE_PREFIX = (() => {
  const base = new URL(baseDatabaseUrl).pathname.slice(1).replace(/_test(_\w+)?$/, '');
  const checkout = createHash('sha256').update(ROOT).digest('hex').slice(0, 8);
  return `${base}_test_${checkout}_`;
})();

/**
 * The database of this test file: the configured one with a suffix naming
 * the checkout and the file, for example `gateway_test_1a2b3c4d_webhooks`.
 * The relays, pollers and reconciliation of a running service scan whole
 * tables, so two test files, or two checkouts testing at once, must not
 * share one.
 */
export const TEST_DATABASE_URL = (() => {
  const url = new URL(baseDatabaseUrl);
  const file = basename(process.argv[1] ?? 'shared')
    .replace(/\.test\.mts$/, '')
    .replace(/[^a-z0-9]+/gi, '_')
    .toLowerCase()
    .slice(0, 24);
  url.pathname = `/${TEST_DATABASE_PREFIX}${file}`;
  return url.toString();
})();

/**
 * Drops every test database of this checkout, so that a run starts from
 * empty tables; each test file creates and migrates its own again on first
 * use. Databases of other checkouts are left alone. Returns their names.
 */
export async function dropCheckoutTestDatabases(): Promise<string[]> {
  const admin = new URL(baseDatabaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const pattern = `${TEST_DATABASE_PREFIX.replaceAll('_', '\\_')}%`;
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [pattern],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname.replaceAll('"', '""')}" WITH (FORCE)`);
    }
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

export const TEST_REDIS_URL = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';

let migrated: Promise<unknown> | undefined;

/** Creates and migrates the test database once per test process. */
export function prepareDatabase(): Promise<unknown> {
  migrated ??= migrate(TEST_DATABASE_URL);
  return migrated;
}

/** The discard port: nothing listens on it here, so requests fail at once. */
export const UNUSED_LOOPBACK_URL = 'http://127.0.0.1:9';

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A fresh environment for one service under test; no variable leaks in from the runner. */
export function serviceEnv(overrides: Record<string, string | undefined> = {}) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniqueId('test'),
    TELEMETRY_LOCAL_DIR: mkdtempSync(join(tmpdir(), 'otel-gateway-sink-')),
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_SERVICE_NAME: 'payments-test',
    // Outside APIs default to their real hosts; a test points each at a
    // stand-in it starts, or here at a loopback port nothing listens on.
    PAYSTACK_BASE_URL: UNUSED_LOOPBACK_URL,
    CIRCLE_BASE_URL: UNUSED_LOOPBACK_URL,
    VTPASS_BASE_URL: UNUSED_LOOPBACK_URL,
    ...overrides,
  };
}

/** Deletes every Redis key under a test's BullMQ prefix. */
export async function removeQueueKeys(
  prefix: string,
  redisUrl: string = TEST_REDIS_URL,
): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
