/**
 * Writes one benchmark's section of docs/BENCHMARKS.md. Each command owns
 * the text between its two markers and regenerates only that, so running one
 * benchmark keeps the others' results.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/processes.mts';

export const REPORT_PATH = join(ROOT, 'docs', 'BENCHMARKS.md');

const HEADER = `# Benchmarks

What the gateway costs next to the bare service and next to the usual
alternatives: the stock OpenTelemetry preload
(\`@opentelemetry/auto-instrumentations-node/register\`) and \`@sentry/node\`
set up as Sentry documents it. Every number below was written by the command
named in its section; rerun that command to regenerate the section. Every
exporter and DSN points at a loopback server the benchmark starts.

Spread is written \`median (min–max)\` over the repeated runs. The machine is
named in each section. On a machine with two cores the load generator,
Postgres and Redis compete with the service for CPU, so absolute throughput
is low; the comparisons between rows are what carry over to other machines.

## Running

    npm run bench            # builds, then runs every section below
    npm run bench:startup    # one section at a time, after npm run build

Postgres and Redis must run locally, as for the tests. The benchmarks create
and migrate a \`<database>_bench\` database, and use Redis key prefixes of
their own that they delete afterwards. Knobs: \`BENCH_SETUPS\`
(comma-separated setup names, for \`bench:startup\` and \`bench:http\`),
\`BENCH_RUNS\` (start-up runs, at least 7), \`BENCH_ROUNDS\` (rounds of
\`bench:http\` and \`bench:jobs\`), \`BENCH_SECONDS\` (measured seconds per
route), \`BENCH_QUIET_WAIT_MS\` (how long each run waits for other work on the
machine to stop, default 3000).
`;

function markers(name: string): [string, string] {
  return [`<!-- bench:${name}:begin -->`, `<!-- bench:${name}:end -->`];
}

function gitRevision(): string {
  try {
    const revision = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    // The report itself is rewritten by every run; it does not count.
    const dirty = execFileSync(
      'git',
      ['status', '--porcelain', '--', '.', ':(exclude)docs/BENCHMARKS.md'],
      { cwd: ROOT, encoding: 'utf8' },
    ).trim();
    return dirty ? `${revision} with uncommitted changes` : revision;
  } catch {
    return 'unknown revision';
  }
}

/** One line naming the machine, the runtime and the code measured. */
export function describeMachine(): string {
  const cores = cpus();
  const memoryGiB = (totalmem() / 2 ** 30).toFixed(0);
  const date = new Date().toISOString().slice(0, 10);
  return (
    `${cores.length} cores (${cores[0]?.model ?? 'unknown CPU'}), ` +
    `${memoryGiB} GiB memory, Linux ${release()}, Node ${process.versions.node}; ` +
    `Postgres and Redis on the same machine; commit ${gitRevision()}; ${date}`
  );
}

/** Replaces (or appends) the section `name` of docs/BENCHMARKS.md. */
export function writeSection(name: string, markdown: string): void {
  const [begin, end] = markers(name);
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const current = existsSync(REPORT_PATH)
    ? readFileSync(REPORT_PATH, 'utf8')
    : HEADER;

  const start = current.indexOf(begin);
  const stop = current.indexOf(end);
  let next: string;
  if (start !== -1 && stop > start) {
    next = current.slice(0, start) + block + current.slice(stop + end.length);
  } else {
    next = `${current.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(REPORT_PATH, next);
  console.log(`wrote the ${name} section of ${REPORT_PATH}`);
}

/** Renders a Markdown table; the first row is the header. */
export function table(rows: string[][]): string {
  const [head, ...body] = rows;
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = `|${head.map(() => '---').join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}
