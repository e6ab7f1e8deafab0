/**
 * Counts the spans BullMQ work produces under the gateway, for the table in
 * docs/QUEUES.md. Runs test/fixtures/bullmq-app.cjs (a plain BullMQ app)
 * with the preload and reads its local sink:
 * - `single`: one job processed at the first attempt;
 * - `retries`, job `flaky`: failed twice, then processed.
 * Spans in the job's request trace are counted without the request span
 * itself; "other" are spans outside every request's trace (housekeeping,
 * close, clean-up).
 *
 *   node bench/queues/span-count.mts [--preload ./otel/register]
 *
 * `--preload` may point at another build of the gateway, to compare.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../../scripts/lib/processes.mts';

const { values: args } = parseArgs({
  options: { preload: { type: 'string', default: './otel/register' } },
});

interface Span {
  traceId: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}

function readSpans(dir: string): Span[] {
  const file = join(dir, 'traces.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => JSON.parse(line).resourceSpans)
    .flatMap((rs: any) => rs.scopeSpans)
    .flatMap((ss: any) => ss.spans as Span[]);
}

function attribute(span: Span, key: string): string | undefined {
  return span.attributes?.find((a) => a.key === key)?.value.stringValue;
}

function tally(spans: Span[]): string {
  const counts = new Map<string, number>();
  for (const span of spans) {
    const name = span.name.split(' ', 1)[0];
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => `${name} ${n}`).join(', ');
}

function run(scenario: string, jobName: string, internals: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'span-count-'));
  const result = spawnSync(
    process.execPath,
    ['--require', args.preload!, 'test/fixtures/bullmq-app.cjs'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        QUEUE_PREFIX: `span-count-${randomBytes(4).toString('hex')}`,
        FIXTURE_SCENARIO: scenario,
        TELEMETRY_LOCAL_DIR: dir,
        TELEMETRY_TRACE_QUEUE_INTERNALS: String(internals),
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`fixture failed:\n${result.stderr}`);
  const spans = readSpans(dir);
  const producer = spans.find((s) => attribute(s, 'bullmq.job.name') === jobName);
  if (!producer) throw new Error(`no producer span for ${jobName}`);
  const requestTraces = new Set(spans.filter((s) => s.name === 'request').map((s) => s.traceId));
  const inTrace = spans.filter((s) => s.traceId === producer.traceId && s.name !== 'request');
  const others = spans.filter((s) => !requestTraces.has(s.traceId));
  return { inTrace, others };
}

console.log(`preload: ${args.preload}\n`);
console.log('| job | TELEMETRY_TRACE_QUEUE_INTERNALS | spans in the trace | other spans |');
console.log('|---|---|---|---|');
for (const [scenario, job, label] of [
  ['single', 'once', 'processed at once'],
  ['retries', 'flaky', 'failed twice, then processed'],
] as const) {
  for (const internals of [false, true]) {
    const { inTrace, others } = run(scenario, job, internals);
    console.log(
      `| ${label} | ${internals} | ${inTrace.length} (${tally(inTrace)}) | ${others.length} (${tally(others)}) |`,
    );
  }
}
