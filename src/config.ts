/**
 * The service's own settings, read from the environment once at start-up.
 * Only a missing or unusable DATABASE_URL or REDIS_URL stops the service;
 * everything else has a default or turns a feature off.
 */
import {
  formatRateLimit,
  parseDuration,
  parseRateLimit,
  type RateLimit,
} from './config-values';

export const NOTIFICATION_CHANNELS = ['EMAIL', 'SMS', 'PUSH', 'IN_APP'] as const;
export type Channel = (typeof NOTIFICATION_CHANNELS)[number];

/**
 * `bullmq` relays notification rows to one BullMQ queue per channel;
 * `database` is the rollback path, a poller that drains the table itself.
 */
export type NotificationBackend = 'bullmq' | 'database';

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
  notifications: {
    backend: NotificationBackend;
    /** Worker limiter per channel; null means no limit. */
    rateLimits: Record<Channel, RateLimit | null>;
    /** How often the database backend polls the table, in ms. */
    pollIntervalMs: number;
    /** Jobs one process works on at once, per channel queue. */
    concurrency: number;
  };
  /** Retries of notification and webhook jobs: attempts and first backoff. */
  jobs: { attempts: number; backoffDelayMs: number };
  /** How often rows not yet handed to BullMQ are relayed, in ms. */
  relayIntervalMs: number;
  /**
   * Rows handed to BullMQ this long ago (ms) and not finished are checked
   * against Redis and handed over again if their job is gone.
   */
  relayRecheckAfterMs: number;
  circle: { baseUrl: string; apiKey?: string };
  vtpass: { baseUrl: string; apiKey?: string; secretKey?: string };
  reconciliation: { intervalMs: number; staleAfterMs: number };
  /** Bearer token for /admin endpoints; without it they return 403. */
  adminApiToken?: string;
}

export interface ServiceConfigResult {
  config: ServiceConfig;
  /** One line per invalid optional setting, naming what is used instead. */
  warnings: string[];
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

/**
 * Default per-channel limits. They are placeholders: set each to the limit
 * your provider publishes for your account.
 */
const DEFAULT_RATE_LIMITS: Record<Channel, RateLimit | null> = {
  EMAIL: { max: 100, duration: 1000 },
  SMS: { max: 20, duration: 1000 },
  PUSH: { max: 200, duration: 1000 },
  IN_APP: null,
};

/** Reads optional settings; an invalid value is reported and replaced. */
class OptionalSettings {
  readonly warnings: string[] = [];

  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    return this.env[name]?.trim() || undefined;
  }

  url(name: string, fallback: string): string {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') {
        return raw.replace(/\/+$/, '');
      }
    } catch {
      // reported below
    }
    this.warnings.push(
      `${name}="${raw}" is not an http(s) URL; using ${fallback}`,
    );
    return fallback;
  }

  duration(name: string, fallbackMs: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallbackMs;
    const ms = parseDuration(raw);
    if (ms !== undefined) return ms;
    this.warnings.push(
      `${name}="${raw}" is not a duration (for example 500ms, 30s, 5m); using ${fallbackMs}ms`,
    );
    return fallbackMs;
  }

  integer(name: string, fallback: number, min: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= min) return value;
    this.warnings.push(
      `${name}="${raw}" is not an integer >= ${min}; using ${fallback}`,
    );
    return fallback;
  }

  rateLimit(channel: Channel): RateLimit | null {
    const name = `NOTIFICATION_RATE_LIMIT_${channel}`;
    const fallback = DEFAULT_RATE_LIMITS[channel];
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const limit = parseRateLimit(raw);
    if (limit !== undefined) return limit;
    this.warnings.push(
      `${name}="${raw}" is not <max>/<duration> (for example 100/1s) or off; using ${formatRateLimit(fallback)}`,
    );
    return fallback;
  }

  backend(): NotificationBackend {
    const raw = this.string('NOTIFICATION_BACKEND');
    if (raw === undefined) return 'bullmq';
    const value = raw.toLowerCase();
    if (value === 'bullmq' || value === 'database') return value;
    this.warnings.push(
      `NOTIFICATION_BACKEND="${raw}" is not bullmq or database; using bullmq`,
    );
    return 'bullmq';
  }
}

function readOptionalSettings(env: Env) {
  const settings = new OptionalSettings(env);
  const rateLimits = Object.fromEntries(
    NOTIFICATION_CHANNELS.map((channel) => [
      channel,
      settings.rateLimit(channel),
    ]),
  ) as Record<Channel, RateLimit | null>;
  const values = {
    notifications: {
      backend: settings.backend(),
      rateLimits,
      pollIntervalMs: settings.duration('NOTIFICATION_POLL_INTERVAL', 5000),
      concurrency: settings.integer('NOTIFICATION_CONCURRENCY', 32, 1),
    },
    jobs: {
      attempts: settings.integer('QUEUE_JOB_ATTEMPTS', 5, 1),
      backoffDelayMs: settings.duration('QUEUE_BACKOFF_DELAY', 1000),
    },
    relayIntervalMs: settings.duration('OUTBOX_RELAY_INTERVAL', 2000),
    relayRecheckAfterMs: settings.duration('OUTBOX_RECHECK_AFTER', 60_000),
    circle: {
      baseUrl: settings.url('CIRCLE_BASE_URL', 'https://api.circle.com'),
      apiKey: settings.string('CIRCLE_API_KEY'),
    },
    vtpass: {
      baseUrl: settings.url(
        'VTPASS_BASE_URL',
        'https://api-service.vtpass.com',
      ),
      apiKey: settings.string('VTPASS_API_KEY'),
      secretKey: settings.string('VTPASS_SECRET_KEY'),
    },
    reconciliation: {
      intervalMs: settings.duration('RECONCILIATION_INTERVAL', 5 * 60_000),
      staleAfterMs: settings.duration('RECONCILIATION_STALE_AFTER', 30 * 60_000),
    },
    adminApiToken: settings.string('ADMIN_API_TOKEN'),
  };
  return { values, warnings: settings.warnings };
}

export function serviceConfigFromEnv(
  env: Env = process.env,
): ServiceConfigResult {
  const rawPort = env.PORT?.trim() || '3000';
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT="${rawPort}" is not a port number (0-65535)`);
  }

  const rawWorkers = (env.WORKERS?.trim() || 'on').toLowerCase();
  if (rawWorkers !== 'on' && rawWorkers !== 'off') {
    throw new ConfigError(`WORKERS="${env.WORKERS}" must be on or off`);
  }

  const optional = readOptionalSettings(env);
  const config: ServiceConfig = {
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
    ...optional.values,
  };
  return { config, warnings: optional.warnings };
}

/** Host and port of a URL, for messages; never the credentials. */
export function describeUrl(raw: string): string {
  const url = new URL(raw);
  return `${url.hostname}:${url.port || 'default port'}`;
}

export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
