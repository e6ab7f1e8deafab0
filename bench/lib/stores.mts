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

/** Creates and migrates the bench database. */
export async function prepareDatabase(): Promise<void> {
  await migrate(BENCH_DATABASE_URL);
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
