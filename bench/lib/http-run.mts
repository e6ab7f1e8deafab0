/**
 * One service instance under load, shared by `npm run bench:http` and
 * `npm run bench:where`: start it on the bench database with WORKERS=off and
 * health-check tracing on, count the spans a route exports, and measure a
 * route under a fixed closed-loop load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../../scripts/lib/processes.mts';
import { startProviderStandIn } from '../../scripts/lib/provider-stand-in.mts';
import { runLoad, type LoadResult } from './load.mts';
import { serviceEnv, type Setup } from './setups.mts';
import {
  cpuMicros,
  spawnNode,
  timeToFirstResponse,
  type RunningService,
} from './service.mts';
import { startSink, type Sink } from './sink.mts';
import {
  BENCH_DATABASE_URL,
  BENCH_REDIS_URL,
  deleteQueueKeys,
  resetDatabase,
  uniquePrefix,
} from './stores.mts';

export const SECONDS = Math.max(2, Number(process.env.BENCH_SECONDS ?? 5));
export const WARMUP_SECONDS = 2;
export const CONNECTIONS = 10;
export const PROBE_REQUESTS = 20;

export interface Route {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export const ROUTES: readonly Route[] = [
  { name: 'GET /health', method: 'GET', path: '/health' },
  {
    name: 'POST /payments',
    method: 'POST',
    path: '/payments',
    // A new user per request, so no two requests wait on one row lock.
    body: JSON.stringify({
      userId: 'bench-[<id>]',
      amount: 150_000,
      currency: 'NGN',
      method: 'card',
    }),
  },
];

export interface Measurement extends LoadResult {
  cpuMicrosPerRequest: number;
  exportedBytesPerRequest: number;
}

export interface Instance {
  service: RunningService;
  baseUrl: string;
  sink: Sink;
  cleanup(): Promise<void>;
}

export async function startInstance(
  setup: Setup,
  extraEnv: Record<string, string> = {},
  extraNodeArgs: string[] = [],
): Promise<Instance> {
  const sink = await startSink();
  const standIn = await startProviderStandIn();
  const port = await freePort();
  const queuePrefix = uniquePrefix();
  const localSinkDir = mkdtempSync(join(tmpdir(), 'bench-sink-'));
  const env = serviceEnv(setup, sink, {
    port,
    databaseUrl: BENCH_DATABASE_URL,
    redisUrl: BENCH_REDIS_URL,
    queuePrefix,
    workers: false,
    standInUrl: standIn.url,
    localSinkDir,
    extra: { TELEMETRY_TRACE_HEALTH_CHECKS: 'true', ...extraEnv },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const service = spawnNode(
    [...extraNodeArgs, ...setup.nodeArgs, 'dist/main.js'],
    env,
  );
  await timeToFirstResponse(service, baseUrl, performance.now());
  return {
    service,
    baseUrl,
    sink,
    async cleanup() {
      await service.stop();
      await Promise.all([sink.close(), standIn.close()]);
      await deleteQueueKeys(queuePrefix);
      rmSync(localSinkDir, { recursive: true, force: true });
    },
  };
}

async function send(
  baseUrl: string,
  route: Route,
  index: number,
): Promise<void> {
  const response = await fetch(`${baseUrl}${route.path}`, {
    method: route.method,
    headers: route.body ? { 'content-type': 'application/json' } : {},
    body: route.body?.replace('[<id>]', `probe-${index}`),
  });
  await response.arrayBuffer();
  if (!response.ok) {
    throw new Error(
      `${route.name} returned ${response.status} during the span probe`,
    );
  }
}

/**
 * Counts the spans `route` exports per request: sends PROBE_REQUESTS
 * requests one at a time to a fresh service, waits, stops it (the stock
 * preload and the gateway flush on SIGTERM) and divides what the sink
 * decoded. The one health check of the start-up wait is subtracted using
 * `healthSpans`.
 */
export async function spansPerRequest(
  setup: Setup,
  route: Route,
  healthSpans: number,
): Promise<number> {
  await resetDatabase();
  const instance = await startInstance(setup);
  instance.sink.countSpans = true;
  try {
    for (let i = 0; i < PROBE_REQUESTS; i++)
      await send(instance.baseUrl, route, i);
    // Sentry sends its span envelopes on its own schedule; let them arrive.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  } finally {
    await instance.cleanup();
  }
  const startUpCheck = route.path === '/health' ? 0 : healthSpans;
  const requests =
    route.path === '/health' ? PROBE_REQUESTS + 1 : PROBE_REQUESTS;
  return (instance.sink.spans - startUpCheck) / requests;
}

export async function measureRoute(
  instance: Instance,
  route: Route,
): Promise<Measurement> {
  const load = {
    url: `${instance.baseUrl}${route.path}`,
    method: route.method,
    body: route.body,
    connections: CONNECTIONS,
  };
  await runLoad({ ...load, seconds: WARMUP_SECONDS });

  const cpuBefore = cpuMicros(instance.service.pid);
  const bytesBefore = instance.sink.bytes;
  const result = await runLoad({ ...load, seconds: SECONDS });
  const cpuAfter = cpuMicros(instance.service.pid);
  if (result.failed > 0) {
    throw new Error(
      `${route.name}: ${result.failed} of ${result.requests} requests failed:\n${instance.service.output().slice(-2000)}`,
    );
  }
  return {
    ...result,
    cpuMicrosPerRequest: (cpuAfter - cpuBefore) / result.requests,
    exportedBytesPerRequest:
      (instance.sink.bytes - bytesBefore) / result.requests,
  };
}
