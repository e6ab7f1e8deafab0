/**
 * `npm run bench:jobs`: notification-style jobs processed per second and
 * enqueue-to-start latency, BullMQ used directly (bench/jobs/queue-run.cts,
 * a no-op processor, the service's job options and concurrency), with
 * tracing off and under three tracing setups.
 *
 * Stock `bullmq-otel` is measured twice: under the stock OpenTelemetry
 * preload, as a team without the gateway would run it, and under the
 * gateway's SDK, where passing `telemetry` explicitly bypasses the gateway's
 * BullMQ hook. The second isolates what the hook itself costs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietNote, waitForQuiet } from './lib/quiet.mts';
import { describeMachine, table, writeSection } from './lib/report.mts';
import { assertBuilt, setupNamed } from './lib/setups.mts';
import { exitCode, spawnNode } from './lib/service.mts';
import { startSink, type Sink } from './lib/sink.mts';
import {
  fixed,
  formatSummary,
  median,
  quantile,
  rotate,
  summarize,
} from './lib/stats.mts';
import {
  BENCH_REDIS_URL,
  deleteQueueKeys,
  uniquePrefix,
} from './lib/stores.mts';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 4));
const JOBS = 15_000;
const RATE = 500;
const LATENCY_SECONDS = 4;
const TARGET_THROUGHPUT_LOSS = 0.1;
const TARGET_P99_MS = 50;
const RUN_TIMEOUT_MS = 120_000;

interface JobSetup {
  name: string;
  label: string;
  nodeArgs: string[];
  telemetry: 'none' | 'bullmq-otel';
  env(sink: Sink): Record<string, string>;
}

const stock = setupNamed('otel-stock');
const gateway = setupNamed('gateway');

const JOB_SETUPS: readonly JobSetup[] = [
  {
    name: 'off',
    label: 'tracing off',
    nodeArgs: [],
    telemetry: 'none',
    env: () => ({}),
  },
  {
    name: 'bullmq-otel-stock-sdk',
    label: 'stock `bullmq-otel`, stock OTel preload',
    nodeArgs: stock.nodeArgs,
    telemetry: 'bullmq-otel',
    env: stock.env,
  },
  {
    name: 'bullmq-otel-gateway-sdk',
    label: "stock `bullmq-otel`, gateway's SDK (hook bypassed)",
    nodeArgs: gateway.nodeArgs,
    telemetry: 'bullmq-otel',
    env: gateway.env,
  },
  {
    name: 'gateway',
    label: 'gateway (its BullMQ hook)',
    nodeArgs: gateway.nodeArgs,
    telemetry: 'none',
    env: gateway.env,
  },
];

interface RunResult {
  jobsPerSecond: number;
  achievedRate: number;
  p50Ms: number;
  p99Ms: number;
  /** Spans the sink decoded; counted only in the probe runs. */
  spans: number;
}

interface RunSize {
  jobs: number;
  latencySeconds: number;
  countSpans: boolean;
}

const MEASURED: RunSize = {
  jobs: JOBS,
  latencySeconds: LATENCY_SECONDS,
  countSpans: false,
};
/** A small run whose exports the sink decodes, to count spans per job. */
const PROBE: RunSize = { jobs: 1000, latencySeconds: 1, countSpans: true };

async function runOnce(setup: JobSetup, size: RunSize): Promise<RunResult> {
  const sink = await startSink();
  sink.countSpans = size.countSpans;
  const prefix = uniquePrefix();
  const localSinkDir = mkdtempSync(join(tmpdir(), 'bench-sink-'));
  const child = spawnNode([...setup.nodeArgs, 'bench/jobs/queue-run.cts'], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    REDIS_URL: BENCH_REDIS_URL,
    TELEMETRY_LOCAL_DIR: localSinkDir,
    BENCH_QUEUE_PREFIX: prefix,
    BENCH_TELEMETRY: setup.telemetry,
    BENCH_JOBS: String(size.jobs),
    BENCH_RATE: String(RATE),
    BENCH_LATENCY_SECONDS: String(size.latencySeconds),
    ...setup.env(sink),
  });
  const timer = setTimeout(() => child.child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  try {
    const code = await exitCode(child);
    const line = child
      .output()
      .split('\n')
      .find((l) => l.startsWith('RESULT '));
    if (code !== 0 || !line) {
      throw new Error(
        `${setup.name}: queue run failed (exit ${code}):\n${child.output()}`,
      );
    }
    const result = JSON.parse(line.slice('RESULT '.length)) as {
      jobsPerSecond: number;
      achievedRate: number;
      latencies: number[];
    };
    return {
      spans: sink.spans,
      jobsPerSecond: result.jobsPerSecond,
      achievedRate: result.achievedRate,
      p50Ms: quantile(result.latencies, 0.5),
      p99Ms: quantile(result.latencies, 0.99),
    };
  } finally {
    clearTimeout(timer);
    await sink.close();
    await deleteQueueKeys(prefix);
    rmSync(localSinkDir, { recursive: true, force: true });
  }
}

function render(
  results: Map<string, RunResult[]>,
  spansPerJob: Map<string, number>,
): string {
  const off = results.get('off')!;
  const offThroughput = median(off.map((r) => r.jobsPerSecond));
  const rows = [
    [
      'setup',
      'spans / job',
      'jobs/s (drain)',
      'vs off',
      `p50 ms at ${RATE}/s`,
      `p99 ms at ${RATE}/s`,
      'achieved rate, jobs/s',
    ],
  ];
  for (const setup of JOB_SETUPS) {
    const runs = results.get(setup.name)!;
    const throughput = summarize(runs.map((r) => r.jobsPerSecond));
    rows.push([
      setup.label,
      fixed(spansPerJob.get(setup.name) ?? 0, 1),
      formatSummary(throughput),
      setup.name === 'off'
        ? '–'
        : `${fixed((100 * throughput.median) / offThroughput)}%`,
      formatSummary(summarize(runs.map((r) => r.p50Ms)), 1),
      formatSummary(summarize(runs.map((r) => r.p99Ms)), 1),
      fixed(median(runs.map((r) => r.achievedRate))),
    ]);
  }

  const gatewayRuns = results.get('gateway')!;
  const loss =
    1 - median(gatewayRuns.map((r) => r.jobsPerSecond)) / offThroughput;
  const p99 = median(gatewayRuns.map((r) => r.p99Ms));
  return [
    '## Per job',
    '',
    `Command: \`npm run bench:jobs\` (${ROUNDS} rounds, setups interleaved).`,
    `Machine: ${describeMachine()}.`,
    quietNote(),
    '',
    'BullMQ used directly in one process (bench/jobs/queue-run.cts): a Queue and a',
    `Worker with the service's job options and concurrency 8, a no-op processor.`,
    `Drain: ${JOBS} jobs enqueued with the worker stopped, then drained; jobs/s is`,
    `${JOBS} over the drain time. Latency: ${RATE} jobs/s for ${LATENCY_SECONDS} s into the running`,
    'worker, measured from just before `queue.add` to the start of the processor',
    'call. Traces go to a loopback sink (the gateway with every route on, OTLP',
    'for the stock preload). Redis runs on the same two cores. Spans per job come',
    `from a separate probe run (${PROBE.jobs} drained, then ${RATE * PROBE.latencySeconds} at ${RATE}/s) whose exports`,
    'the sink decodes.',
    '',
    table(rows),
    '',
    'Targets for the gateway:',
    '',
    `- Tracing costs under ${TARGET_THROUGHPUT_LOSS * 100}% of throughput: ` +
      `${loss < TARGET_THROUGHPUT_LOSS ? 'met' : 'not met'} (${fixed(loss * 100)}% fewer jobs/s than tracing off).` +
      (loss < TARGET_THROUGHPUT_LOSS
        ? ''
        : ` With a no-op processor a job costs ${fixed(1e6 / offThroughput)} µs of wall time untraced, ` +
          `so the target allows about ${fixed((TARGET_THROUGHPUT_LOSS * 1e6) / offThroughput)} µs of tracing per job, ` +
          `${fixed((TARGET_THROUGHPUT_LOSS * 1e6) / offThroughput / (spansPerJob.get('gateway') ?? Number.NaN), 1)} µs ` +
          `for each of the ${fixed(spansPerJob.get('gateway') ?? Number.NaN, 1)} spans a job exports; compare the SDK's ` +
          'own cost per span in "Per span". A processor doing real work (a query, an HTTP call) ' +
          'dilutes the same absolute cost, so a no-op processor is the worst case.'),
    `- p99 enqueue-to-start under ${TARGET_P99_MS} ms at ${RATE} jobs/s: ` +
      `${p99 < TARGET_P99_MS ? 'met' : 'not met'} (${fixed(p99, 1)} ms).` +
      (p99 < TARGET_P99_MS
        ? ''
        : ' The producer, the worker and Redis share two cores; see the spread across rounds.'),
  ].join('\n');
}

async function main(): Promise<void> {
  assertBuilt();
  const spansPerJob = new Map<string, number>();
  for (const setup of JOB_SETUPS) {
    const probe = await runOnce(setup, PROBE);
    const jobs = PROBE.jobs + RATE * PROBE.latencySeconds;
    spansPerJob.set(setup.name, probe.spans / jobs);
    console.log(`${setup.name}: ${fixed(probe.spans / jobs, 2)} spans per job`);
  }

  const results = new Map<string, RunResult[]>(
    JOB_SETUPS.map((s) => [s.name, []]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const setup of rotate(JOB_SETUPS, round)) {
      await waitForQuiet();
      const result = await runOnce(setup, MEASURED);
      results.get(setup.name)!.push(result);
      console.log(
        `round ${round + 1}/${ROUNDS} ${setup.name}: ${fixed(result.jobsPerSecond)} jobs/s, ` +
          `p50 ${fixed(result.p50Ms, 1)} ms, p99 ${fixed(result.p99Ms, 1)} ms at ${fixed(result.achievedRate)} jobs/s`,
      );
    }
  }
  writeSection('jobs', render(results, spansPerJob));
}

await main();
