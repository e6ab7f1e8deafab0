/**
 * The benchmarks' own Postgres database and Redis keys, kept apart from the
 * demo's and the tests': a `<database>_bench` database that is emptied before
 * each measured run, and one BullMQ key prefix per run, deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrate } from '../../scripts/db-migrate.mts';

const baseDatabaseUrl =
  process.env.DATABASE_URL?.trim() ||
  'postgresql://postgres:postgres@127.0.0.1:5432/gateway';

export const BENCH_DATABASE_URL = (() => {
  const url = new URL(baseDatabaseUrl);
  url.pathname = `${url.pathname.replace(/_bench$/, '')}_bench`;
  return url.toString();
})();

export const BENCH_REDIS_URL =
  process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';

/** Key of the advisory lock that one benchmark command holds at a time. */
const BENCH_LOCK_KEY = 727275;

/**
 * Creates and migrates the bench database and takes an advisory lock on it,
 * returning the function that releases it. Two checkouts benchmarking at
 * once would otherwise truncate each other's tables mid-run (Postgres
 * reports a deadlock); the second now waits for the first.
 */
export async function prepareDatabase(): Promise<() => Promise<void>> {
  await migrate(BENCH_DATABASE_URL);
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  const { rows } = await client.query<{ locked: boolean }>(
    'SELECT pg_try_advisory_lock($1) AS locked',
    [BENCH_LOCK_KEY],
  );
  if (!rows[0].locked) {
    console.log(
      `another benchmark run is using ${new URL(BENCH_DATABASE_URL).pathname.slice(1)}; waiting for it to finish`,
    );
    await client.query('SELECT pg_advisory_lock($1)', [BENCH_LOCK_KEY]);
  }
  // Ending the session releases the lock.
  return () => client.end();
}

/**
 * Empties the service's tables, so every setup starts from the same state
 * (same table and index sizes).
 */
export async function resetDatabase(): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    await client.query(
      'TRUNCATE notification_queue, webhook_events, transactions, users',
    );
  } finally {
    await client.end();
  }
}

/** A BullMQ key prefix no other run uses. */
export function uniquePrefix(): string {
  return `bench-${randomBytes(5).toString('hex')}`;
}

/** Deletes every Redis key under `prefix:`. */
export async function deleteQueueKeys(prefix: string): Promise<number> {
  const redis = new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${prefix}:*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
