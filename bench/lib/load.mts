/**
 * Runs autocannon as a separate process against a loopback URL, so the load
 * generator's own CPU is never counted in the server's.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/lib/processes.mts';

const run = promisify(execFile);
const AUTOCANNON = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');

export interface LoadRequest {
  url: string;
  method: 'GET' | 'POST';
  /** A JSON body; `[<id>]` is replaced by a fresh id in every request. */
  body?: string;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  throughput: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

interface AutocannonJson {
  requests: { total: number };
  latency: { p50: number; p99: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

export async function runLoad(load: LoadRequest): Promise<LoadResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(load.url)) {
    throw new Error(`load URL must be on 127.0.0.1, got ${load.url}`);
  }
  const args = [
    AUTOCANNON,
    '--json',
    '--connections',
    String(load.connections),
    '--duration',
    String(load.seconds),
    '--method',
    load.method,
  ];
  if (load.body !== undefined) {
    args.push(
      '--headers',
      'content-type=application/json',
      '--body',
      load.body,
      '--idReplacement',
    );
  }
  args.push(load.url);

  const { stdout } = await run(process.execPath, args, {
    maxBuffer: 16 * 1024 * 1024,
    timeout: (load.seconds + 30) * 1000,
  });
  const result = JSON.parse(stdout) as AutocannonJson;
  return {
    requests: result.requests.total,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    throughput: result['2xx'] / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}
