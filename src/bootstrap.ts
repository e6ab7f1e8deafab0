import { Client } from 'pg';
import { Redis } from 'ioredis';
import { withTimeout } from './common/with-timeout';
import {
  ConfigError,
  describeUrl,
  serviceConfigFromEnv,
  type ServiceConfig,
} from './config';

const CONNECT_TIMEOUT_MS = 5000;

async function checkPostgres(url: string): Promise<void> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new ConfigError(
      `DATABASE_URL: cannot use Postgres at ${describeUrl(url)}: ${reason(error)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await withTimeout(
      client.connect().then(() => client.ping()),
      CONNECT_TIMEOUT_MS,
      'timed out',
    );
  } catch (error) {
    throw new ConfigError(
      `REDIS_URL: cannot use Redis at ${describeUrl(url)}: ${reason(error)}`,
    );
  } finally {
    client.disconnect();
  }
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return reason(error.errors[0]);
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code)
      ? `${code} ${error.message}`
      : error.message || code || error.name;
  }
  return String(error);
}

/**
 * Reads the service's settings and checks that Postgres and Redis respond.
 * On failure prints one line naming the variable and exits with status 1.
 * An invalid optional setting is printed as a warning and replaced.
 */
export async function loadServiceConfig(): Promise<ServiceConfig> {
  try {
    const { config, warnings } = serviceConfigFromEnv();
    for (const warning of warnings) {
      process.stderr.write(`warning: ${warning}\n`);
    }
    await Promise.all([
      checkPostgres(config.databaseUrl),
      checkRedis(config.redisUrl),
    ]);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
