/**
 * One run of the queue benchmark, in its own process so that a preload can
 * be put in front of it. CommonJS, like the service, so preloads patch
 * BullMQ and ioredis the same way.
 *
 * Phase 1, throughput: JOBS jobs are enqueued while the worker is stopped,
 * then the worker drains them; jobs/s is JOBS over the drain time.
 * Phase 2, latency: jobs are enqueued at RATE per second for SECONDS seconds
 * into the running worker; the processor records the time from just before
 * `queue.add` to the start of its own call.
 *
 * Prints one line `RESULT <json>` on stdout.
 */
const { performance } =
  require('node:perf_hooks') as typeof import('node:perf_hooks');
const { Queue, Worker } = require('bullmq') as typeof import('bullmq');
const { retryingJobOptions } =
  require('../../dist/queues/queues.js') as typeof import('../../src/queues/queues.ts');
const { serviceConfigFromEnv } =
  require('../../dist/config.js') as typeof import('../../src/config.ts');

const env = process.env;
const PREFIX = required('BENCH_QUEUE_PREFIX');
const REDIS_URL = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const JOBS = Number(env.BENCH_JOBS ?? 3000);
const RATE = Number(env.BENCH_RATE ?? 500);
const SECONDS = Number(env.BENCH_LATENCY_SECONDS ?? 5);
/** The notification processor's concurrency in the service. */
const CONCURRENCY = 8;
const QUEUE_NAME = 'notifications';
/** The notification jobs' retry and retention options, at their defaults. */
const JOB_OPTIONS = retryingJobOptions(serviceConfigFromEnv({}).config);

function required(name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is missing; bench/jobs.mts sets it`);
  return value;
}

/** `telemetry` for BullMQ: stock bullmq-otel when asked, else none given. */
function explicitTelemetry() {
  if (env.BENCH_TELEMETRY !== 'bullmq-otel') return undefined;
  const { BullMQOtel } = require('bullmq-otel') as typeof import('bullmq-otel');
  return new BullMQOtel({ tracerName: 'bullmq-bench', version: '1.0.0' });
}

interface JobData {
  sentAt: number;
}

async function main(): Promise<void> {
  const url = new URL(REDIS_URL);
  const connection = {
    host: url.hostname,
    port: Number(url.port || 6379),
    maxRetriesPerRequest: null,
  };
  const telemetry = explicitTelemetry();
  const queue = new Queue<JobData>(QUEUE_NAME, {
    connection,
    prefix: PREFIX,
    telemetry,
  });

  let onStart: (data: JobData) => void = () => undefined;
  const worker = new Worker<JobData>(
    QUEUE_NAME,
    async (job) => {
      onStart(job.data);
    },
    {
      connection,
      prefix: PREFIX,
      telemetry,
      concurrency: CONCURRENCY,
      autorun: false,
    },
  );
  let completed = 0;
  let onCompleted: () => void = () => undefined;
  worker.on('completed', () => {
    completed += 1;
    onCompleted();
  });
  // A no-op job should never fail; if one does, the counts never add up, so
  // stop at once instead of waiting for the parent's timeout.
  worker.on('failed', (job, error) => {
    process.stderr.write(`job ${job?.id} failed: ${String(error)}\n`);
    process.exit(1);
  });
  await worker.waitUntilReady();

  // Phase 1: drain a backlog.
  for (let i = 0; i < JOBS; i += 500) {
    const count = Math.min(500, JOBS - i);
    await queue.addBulk(
      Array.from({ length: count }, () => ({
        name: 'deliver',
        data: { sentAt: 0 },
        opts: JOB_OPTIONS,
      })),
    );
  }
  const drained = new Promise<void>((resolve) => {
    onCompleted = () => {
      if (completed === JOBS) resolve();
    };
  });
  const drainStart = performance.now();
  void worker.run();
  await drained;
  const drainMs = performance.now() - drainStart;

  // Phase 2: a steady rate into the running worker.
  const total = Math.round(RATE * SECONDS);
  const latencies: number[] = [];
  onStart = (data) => latencies.push(performance.now() - data.sentAt);
  completed = 0;
  const allDone = new Promise<void>((resolve) => {
    onCompleted = () => {
      if (completed === total) resolve();
    };
  });
  const intervalMs = 1000 / RATE;
  const paceStart = performance.now();
  const adds: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = paceStart + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    adds.push(
      queue.add(
        'deliver',
        { sentAt: performance.now() },
        JOB_OPTIONS,
      ),
    );
  }
  await Promise.all(adds);
  const enqueueSeconds = (performance.now() - paceStart) / 1000;
  await allDone;

  await worker.close();
  await queue.close();
  process.stdout.write(
    `RESULT ${JSON.stringify({
      jobsPerSecond: (JOBS * 1000) / drainMs,
      achievedRate: total / enqueueSeconds,
      latencies,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`queue benchmark failed: ${String(error)}\n`);
  process.exitCode = 1;
});
