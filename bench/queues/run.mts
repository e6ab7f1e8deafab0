/**
 * Queue benchmark: enqueue-to-start latency and throughput of notification
 * jobs, with tracing off (OTEL_SDK_DISABLED=true) and on (the preload with
 * the local sink), against the local Postgres and Redis.
 *
 *   npm run build && node bench/queues/run.mts [--rate 500] [--seconds 10]
 *     [--burst 5000] [--warmup 2000] [--repeat 3] [--workers 1]
 *
 * For each mode it starts `--workers` real worker processes (dist/worker.js)
 * with the EMAIL
 * channel's rate limit far above the load, and a loopback provider that
 * accepts every notification. It then:
 * - warms the worker up with `--warmup` jobs at the fixed rate, which are
 *   not counted (its first jobs pay for connections and compiled queries);
 * - adds EMAIL jobs at a fixed rate from a separate producer process (with
 *   the preload in the `on` mode), and reads each job's `processedOn -
 *   timestamp` from Redis: the enqueue-to-start latency;
 * - pauses the queue, adds a burst of jobs, resumes it, and divides the
 *   number of jobs by the time from the first start to the last finish: the
 *   throughput of the workers alone, without the producer competing for
 *   the same CPUs.
 * The modes alternate, `--repeat` times each, so that load from other
 * processes on the machine hits both alike; the summary is the median run.
 * Rows live in `<database>_queue_bench`; each run uses its own BullMQ prefix and
 * removes its keys afterwards. Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrate } from '../../scripts/db-migrate.mts';
import { ROOT, startService, waitFor, type ServiceProcess } from '../../scripts/lib/processes.mts';
import { startProviderStandIn } from '../../scripts/lib/provider-stand-in.mts';

const QUEUE = 'notifications-email';
const USER_ID = 'bench-user';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    burst: { type: 'string', default: '5000' },
    workers: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '2000' },
    repeat: { type: 'string', default: '3' },
  },
});
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const burst = Number(args.burst);
const workerCount = Number(args.workers);
const warmup = Number(args.warmup);
const repeat = Number(args.repeat);

const baseDatabaseUrl =
  process.env.DATABASE_URL?.trim() || 'postgresql://postgres:postgres@127.0.0.1:5432/gateway';
const databaseUrl = (() => {
  const url = new URL(baseDatabaseUrl);
  url.pathname = `${url.pathname.replace(/_queue_bench$/, '')}_queue_bench`;
  return url.toString();
})();
const redisUrl = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';

type Mode = 'off' | 'on';

interface Result {
  mode: Mode;
  offeredRate: number;
  jobs: number;
  p50: number;
  p99: number;
  max: number;
  throughput: number;
  /** Spans the worker wrote per processed job (tracing on only). */
  spansPerJob?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function insertRows(db: pg.Client, count: number): Promise<string[]> {
  const result = await db.query(
    `INSERT INTO notification_queue
       (id, user_id, channel, recipient, subject, body, status, backend, updated_at)
     SELECT gen_random_uuid(), $1, 'EMAIL', $1, 'Bench', 'Benchmark notification', 'QUEUED', 'BULLMQ', now()
       FROM generate_series(1, $2)
     RETURNING id`,
    [USER_ID, count],
  );
  return result.rows.map((row) => row.id as string);
}

async function waitUntilSent(db: pg.Client, ids: string[]): Promise<void> {
  await waitFor(async () => {
    const result = await db.query(
      "SELECT count(*)::int AS n FROM notification_queue WHERE id = ANY($1::uuid[]) AND status = 'SENT'",
      [ids],
    );
    return result.rows[0].n === ids.length ? true : undefined;
  }, 300_000, `${ids.length} notifications to be SENT`, 250);
}

async function produce(mode: Mode, prefix: string, ids: string[], jobsPerSecond: number) {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-ids-')), 'ids');
  writeFileSync(file, ids.join('\n'));
  const args = mode === 'on'
    ? ['--require', './otel/register', 'bench/queues/producer.mts']
    : ['bench/queues/producer.mts'];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      REDIS_URL: redisUrl,
      BENCH_QUEUE: QUEUE,
      BENCH_PREFIX: prefix,
      BENCH_IDS_FILE: file,
      BENCH_RATE: String(jobsPerSecond),
      OTEL_SERVICE_NAME: 'bench-producer',
      TELEMETRY_LOCAL_DIR: mkdtempSync(join(tmpdir(), 'bench-producer-sink-')),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the producer exited with ${code}`);
  const done = output.split('\n').find((line) => line.startsWith('DONE '));
  return JSON.parse(done!.slice('DONE '.length)) as { added: number; elapsedMs: number };
}

async function jobTimes(redis: Redis, prefix: string, ids: string[]) {
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(`${prefix}:${QUEUE}:${id}`, 'timestamp', 'processedOn', 'finishedOn');
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, values]) => {
    if (error) throw error;
    const [timestamp, processedOn, finishedOn] = (values as string[]).map(Number);
    return { timestamp, processedOn, finishedOn };
  });
}

/** Counts the spans in a local sink directory. */
function countSpans(dir: string): number {
  const file = join(dir, 'traces.jsonl');
  if (!existsSync(file)) return 0;
  let count = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    for (const resourceSpans of JSON.parse(line).resourceSpans ?? []) {
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        count += scopeSpans.spans?.length ?? 0;
      }
    }
  }
  return count;
}

async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function runMode(mode: Mode, db: pg.Client, redis: Redis): Promise<Result> {
  const prefix = `bench-${mode}-${Date.now()}`;
  const provider = await startProviderStandIn(() => ({ status: 202 }));
  const sinks: string[] = [];
  let jobs = 0;
  const workers: ServiceProcess[] = [];
  for (let i = 0; i < workerCount; i++) {
    const sink = mkdtempSync(join(tmpdir(), 'bench-worker-sink-'));
    sinks.push(sink);
    workers.push(startService({
      script: 'dist/worker.js',
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: prefix,
        NOTIFICATION_PROVIDER_URL: provider.url,
        NOTIFICATION_RATE_LIMIT_EMAIL: '1000000/1s',
        OUTBOX_RELAY_INTERVAL: '10m',
        OUTBOX_RECHECK_AFTER: '1h',
        RECONCILIATION_INTERVAL: '1h',
        // Outside APIs stay on loopback: nothing listens on the discard port.
        PAYSTACK_BASE_URL: 'http://127.0.0.1:9',
        CIRCLE_BASE_URL: 'http://127.0.0.1:9',
        VTPASS_BASE_URL: 'http://127.0.0.1:9',
        OTEL_SDK_DISABLED: mode === 'off' ? 'true' : 'false',
        OTEL_SERVICE_NAME: 'bench-worker',
        TELEMETRY_LOCAL_DIR: sink,
        // One file for the whole run, so every span written can be counted.
        TELEMETRY_LOCAL_MAX_BYTES: String(4 * 1024 ** 3),
      },
    }));
  }
  try {
    for (const worker of workers) {
      await waitFor(
        () => (worker.output().includes('workers started') ? true : undefined),
        30_000,
        'the worker to start',
      );
    }

    const warm = await insertRows(db, warmup);
    jobs += warm.length;
    await produce(mode, prefix, warm, rate);
    await waitUntilSent(db, warm);

    // Latency at a fixed offered rate.
    const steady = await insertRows(db, rate * seconds);
    jobs += steady.length;
    await produce(mode, prefix, steady, rate);
    await waitUntilSent(db, steady);
    const latencies = (await jobTimes(redis, prefix, steady))
      .map((t) => t.processedOn - t.timestamp)
      .sort((a, b) => a - b);

    // Throughput of a burst, drained once it is all in the queue.
    const burstIds = await insertRows(db, burst);
    jobs += burstIds.length;
    const redisAddress = new URL(redisUrl);
    const queue = new Queue(QUEUE, {
      connection: {
        host: redisAddress.hostname,
        port: Number(redisAddress.port || 6379),
        maxRetriesPerRequest: null,
      },
      prefix,
    });
    await queue.pause();
    await produce(mode, prefix, burstIds, 0);
    await queue.resume();
    await waitUntilSent(db, burstIds);
    await queue.close();
    const times = await jobTimes(redis, prefix, burstIds);
    const first = Math.min(...times.map((t) => t.processedOn));
    const last = Math.max(...times.map((t) => t.finishedOn));

    await Promise.all(workers.map((worker) => worker.stop(30_000)));
    return {
      mode,
      offeredRate: rate,
      jobs: steady.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1],
      throughput: Math.round((burst * 1000) / (last - first)),
      spansPerJob:
        mode === 'on'
          ? sinks.reduce((sum, sink) => sum + countSpans(sink), 0) / jobs
          : undefined,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await provider.close();
    await removeKeys(redis, prefix);
  }
}

await migrate(databaseUrl);
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
await db.query(
  'INSERT INTO users (id, updated_at) VALUES ($1, now()) ON CONFLICT (id) DO NOTHING',
  [USER_ID],
);
const redis = new Redis(redisUrl);
const results: Result[] = [];
try {
  for (let run = 1; run <= repeat; run++) {
    for (const mode of ['off', 'on'] as const) {
      process.stderr.write(`run ${run}/${repeat}, tracing ${mode}...\n`);
      results.push(await runMode(mode, db, redis));
    }
  }
} finally {
  await db.query('DELETE FROM notification_queue WHERE user_id = $1', [USER_ID]);
  await db.end();
  redis.disconnect();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log('\n| run | tracing | offered rate | jobs | p50 ms | p99 ms | max ms | burst throughput, jobs/s |');
console.log('|---|---|---|---|---|---|---|---|');
results.forEach((r, index) => {
  console.log(`| ${Math.floor(index / 2) + 1} | ${r.mode} | ${r.offeredRate}/s | ${r.jobs} | ${r.p50} | ${r.p99} | ${r.max} | ${r.throughput} |`);
});
console.log('\nmedian of the runs:\n');
console.log('| tracing | p50 ms | p99 ms | burst throughput, jobs/s |');
console.log('|---|---|---|---|');
const summary = (['off', 'on'] as const).map((mode) => {
  const ofMode = results.filter((r) => r.mode === mode);
  return {
    mode,
    p50: median(ofMode.map((r) => r.p50)),
    p99: median(ofMode.map((r) => r.p99)),
    throughput: median(ofMode.map((r) => r.throughput)),
  };
});
for (const m of summary) {
  console.log(`| ${m.mode} | ${m.p50} | ${m.p99} | ${m.throughput} |`);
}
const [off, on] = summary;
const cost = ((off.throughput - on.throughput) / off.throughput) * 100;
const spans = results.filter((r) => r.spansPerJob !== undefined).map((r) => r.spansPerJob!);
console.log(`\ntracing costs ${cost.toFixed(1)}% of burst throughput (medians)`);
console.log(`the worker wrote ${median(spans).toFixed(2)} spans per processed job`);
