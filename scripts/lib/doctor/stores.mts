/**
 * The doctor's checks of Postgres (`SELECT 1`) and Redis (`PING`), each
 * under its own deadline. Messages show host, port and database only.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import { fail, ok, type CheckLine } from './check-line.mts';

const TIMED_OUT = Symbol('timed out');

/** Resolves with TIMED_OUT if `work` has not settled after `millis`. */
function withDeadline<T>(
  work: Promise<T>,
  millis: number,
): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), millis);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function reasonOf(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return message || code || String(error);
}

export async function checkPostgres(
  databaseUrl: string,
  timeoutMillis: number,
): Promise<CheckLine> {
  const url = new URL(databaseUrl);
  const where = `${url.hostname}:${url.port || 5432}${url.pathname}`;
  // pg's own timeouts are longer than the deadline, so the deadline decides.
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: timeoutMillis + 1000,
  });
  // A socket error after the deadline must not end the doctor.
  client.on('error', () => undefined);
  const started = Date.now();
  try {
    const result = await withDeadline(
      client.connect().then(() => client.query('SELECT 1')),
      timeoutMillis,
    );
    if (result === TIMED_OUT) {
      return fail('postgres', `DATABASE_URL: no answer from Postgres at ${where} within ${timeoutMillis} ms`);
    }
    return ok('postgres', `${where} answered SELECT 1 (${Date.now() - started} ms)`);
  } catch (error) {
    return fail('postgres', `DATABASE_URL: cannot use Postgres at ${where}: ${reasonOf(error)}`);
  } finally {
    void client.end().catch(() => undefined);
  }
}

export async function checkRedis(
  redisUrl: string,
  timeoutMillis: number,
): Promise<CheckLine> {
  const url = new URL(redisUrl);
  const where = `${url.hostname}:${url.port || 6379}`;
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMillis + 1000,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with "Connection is closed" and reports the
  // cause (ECONNREFUSED, WRONGPASS) as an error event, so keep the event.
  let cause: unknown;
  redis.on('error', (error) => {
    cause = error;
  });
  const started = Date.now();
  try {
    const result = await withDeadline(
      redis.connect().then(() => redis.ping()),
      timeoutMillis,
    );
    if (result === TIMED_OUT) {
      return fail('redis', `REDIS_URL: no answer from Redis at ${where} within ${timeoutMillis} ms`);
    }
    return ok('redis', `${where} answered PING (${Date.now() - started} ms)`);
  } catch (error) {
    return fail('redis', `REDIS_URL: cannot use Redis at ${where}: ${reasonOf(cause ?? error)}`);
  } finally {
    redis.disconnect();
  }
}
