/**
 * One start-up measurement: spawn the service (dist/main.js, workers on)
 * under a setup, poll `GET /health` until it returns 200, and read VmRSS
 * right after that response.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../../scripts/lib/processes.mts';
import { startProviderStandIn } from '../../scripts/lib/provider-stand-in.mts';
import { serviceEnv, type Setup } from './setups.mts';
import { residentBytes, spawnNode, timeToFirstResponse } from './service.mts';
import { startSink } from './sink.mts';
import {
  BENCH_DATABASE_URL,
  BENCH_REDIS_URL,
  deleteQueueKeys,
  uniquePrefix,
} from './stores.mts';

const MIB = 2 ** 20;

export interface StartupSample {
  firstResponseMs: number;
  rssMiB: number;
}

export async function measureStartup(setup: Setup): Promise<StartupSample> {
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
    workers: true,
    standInUrl: standIn.url,
    localSinkDir,
  });

  const spawnedAt = performance.now();
  const service = spawnNode([...setup.nodeArgs, 'dist/main.js'], env);
  try {
    const firstResponseMs = await timeToFirstResponse(
      service,
      `http://127.0.0.1:${port}`,
      spawnedAt,
    );
    const rssMiB = residentBytes(service.pid) / MIB;
    return { firstResponseMs, rssMiB };
  } finally {
    await service.stop();
    await Promise.all([sink.close(), standIn.close()]);
    await deleteQueueKeys(queuePrefix);
    rmSync(localSinkDir, { recursive: true, force: true });
  }
}
