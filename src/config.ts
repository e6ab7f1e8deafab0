/**
 * The service's own settings, read from the environment once at start-up.
 * Only a missing or unusable DATABASE_URL or REDIS_URL stops the service;
 * everything else has a default or turns a feature off.
 */
export interface ServiceConfig {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  workers: boolean;
  /** Prefix of BullMQ's Redis keys; separates deployments sharing a Redis. */
  queuePrefix: string;
  paystackSecretKey?: string;
  paystackBaseUrl: string;
  notificationProviderUrl?: string;
}

/** A setting the service cannot run without; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const DEFAULT_DATABASE_URL =
  'postgresql://postgres:postgres@127.0.0.1:5432/gateway';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

function readUrl(
  env: Env,
  name: string,
  fallback: string | undefined,
  protocols: string[],
): string | undefined {
  const raw = env[name]?.trim() || fallback;
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `${name} is not a valid URL (expected ${protocols[0]}//host:port/...)`,
    );
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(
      `${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')} (got ${url.protocol}//)`,
    );
  }
  return raw;
}

function readQueuePrefix(env: Env): string {
  const prefix = env.QUEUE_PREFIX?.trim() || 'bull';
  if (!/^[\w.-]+$/.test(prefix)) {
    throw new ConfigError(
      `QUEUE_PREFIX="${prefix}" may only contain letters, digits, _, . and -`,
    );
  }
  return prefix;
}

export function serviceConfigFromEnv(env: Env = process.env): ServiceConfig {
  const rawPort = env.PORT?.trim() || '3000';
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT="${rawPort}" is not a port number (0-65535)`);
  }

  const rawWorkers = (env.WORKERS?.trim() || 'on').toLowerCase();
  if (rawWorkers !== 'on' && rawWorkers !== 'off') {
    throw new ConfigError(`WORKERS="${env.WORKERS}" must be on or off`);
  }

  return {
    port,
    databaseUrl: readUrl(env, 'DATABASE_URL', DEFAULT_DATABASE_URL, [
      'postgresql:',
      'postgres:',
    ])!,
    redisUrl: readUrl(env, 'REDIS_URL', DEFAULT_REDIS_URL, [
      'redis:',
      'rediss:',
    ])!,
    workers: rawWorkers === 'on',
    queuePrefix: readQueuePrefix(env),
    paystackSecretKey: env.PAYSTACK_SECRET_KEY?.trim() || undefined,
    paystackBaseUrl:
      readUrl(env, 'PAYSTACK_BASE_URL', 'https://api.paystack.co', [
        'https:',
        'http:',
      ]) ?? 'https://api.paystack.co',
    notificationProviderUrl: readUrl(
      env,
      'NOTIFICATION_PROVIDER_URL',
      undefined,
      ['https:', 'http:'],
    ),
  };
}

/** Host and port of a URL, for messages; never the credentials. */
export function describeUrl(raw: string): string {
  const url = new URL(raw);
  return `${url.hostname}:${url.port || 'default port'}`;
}

export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
