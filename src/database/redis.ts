import { Redis } from 'ioredis';

/**
 * ioredis options for BullMQ from REDIS_URL. `maxRetriesPerRequest: null` is
 * what BullMQ requires for workers' blocking connections.
 */
export function bullConnectionFromUrl(redisUrl: string) {
  const url = new URL(redisUrl);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/** Creates a client for health checks that fails fast instead of queueing commands. */
export function createProbeClient(redisUrl: string): Redis {
  return new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}

export const REDIS_PROBE = Symbol('REDIS_PROBE');
