/** The local sink's size cap and the `npm run traces` printer. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const require = createRequire(import.meta.url);
const { RotatingFile } = require('../otel/routes/rotating-file.js') as typeof import('../otel/routes/rotating-file.ts');

function span(traceId: string, spanId: string, parentSpanId: string, name: string, kind: number, startMs: number, endMs: number, code = 0) {
  return {
    traceId, spanId, parentSpanId, name, kind,
    startTimeUnixNano: String(BigInt(startMs) * 1_000_000n),
    endTimeUnixNano: String(BigInt(endMs) * 1_000_000n),
    status: { code },
  };
}

function exportLine(command: string, pid: number, spans: object[]) {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [
        { key: 'service.name', value: { stringValue: 'svc' } },
        { key: 'process.command', value: { stringValue: command } },
        { key: 'process.pid', value: { intValue: pid } },
      ] },
      scopeSpans: [{ scope: { name: 't' }, spans }],
    }],
  });
}

describe('RotatingFile', () => {
  test('rotates past the cap and keeps one older file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-'));
    const file = new RotatingFile(join(dir, 'traces.jsonl'), 4096);
    const line = 'x'.repeat(999);
    const errors: unknown[] = [];
    for (let i = 0; i < 20; i++) await file.append(line, (e) => errors.push(e));
    assert.deepEqual(errors, []);
    assert.ok(statSync(join(dir, 'traces.jsonl')).size <= 4096);
    assert.ok(statSync(join(dir, 'traces.jsonl.1')).size <= 4096);
  });

  test('reports a write failure without throwing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-'));
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const file = new RotatingFile(join(blocker, 'traces.jsonl'), 4096);
    const errors: unknown[] = [];
    await file.append('line', (e) => errors.push(e));
    assert.equal(errors.length, 1);
  });

  test('an unwritable sink gives one line per failure, no stack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-'));
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    // Three metric exports fail the same way before the process ends.
    const result = spawnSync(
      process.execPath,
      ['--require', './otel/register', '-e', 'setTimeout(() => {}, 2500)'],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          TELEMETRY_LOCAL_DIR: join(blocker, 'sub'),
          TELEMETRY_METRICS_INTERVAL_MS: '1000',
        },
      },
    );
    assert.equal(result.status, 0, result.stderr);
    const failures = result.stderr.split('\n').filter((line) => line.includes('metrics export failed'));
    assert.equal(failures.length, 1, result.stderr);
    assert.match(failures[0], /^\[otel-gateway\] error: otel: .*ENOTDIR.*\(repeats are not logged\)$/);
    assert.doesNotMatch(result.stderr, /"stack"/);
  });
});

describe('npm run traces', () => {
  test('prints trees with kinds, durations and processes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-'));
    const t = 'a'.repeat(32);
    writeFileSync(join(dir, 'traces.jsonl'), [
      exportLine('main.js', 10, [
        span(t, '1'.repeat(16), '', 'POST /payments', 2, 1000, 1050),
        span(t, '2'.repeat(16), '1'.repeat(16), 'add notifications', 4, 1010, 1012),
      ]),
      exportLine('worker.js', 11, [
        span(t, '3'.repeat(16), '2'.repeat(16), 'process notifications', 5, 1020, 1040, 2),
      ]),
      '{"truncated',
    ].join('\n') + '\n');

    const result = spawnSync(process.execPath, ['otel/cli/traces.js', '--dir', dir], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, [
      `trace ${t}  3 spans, 2 process(es), root 50.0 ms`,
      '  POST /payments  [server] 50.0 ms  svc main.js#10',
      '    add notifications  [producer] 2.0 ms  svc main.js#10',
      '      process notifications  [consumer] 20.0 ms  svc worker.js#11  ERROR',
      '',
    ].join('\n'));
  });

  test('says where it looked when the sink is empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-'));
    const result = spawnSync(process.execPath, ['otel/cli/traces.js', '--dir', dir], { encoding: 'utf8' });
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^no traces in /);
  });

  test('rejects a bad --limit', () => {
    const result = spawnSync(process.execPath, ['otel/cli/traces.js', '--limit', 'lots'], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'error: --limit must be a positive integer (got "lots")\n');
  });

  test('--help prints the usage', () => {
    const result = spawnSync(process.execPath, ['otel/cli/traces.js', '--help'], { encoding: 'utf8' });
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^usage: npm run traces -- \[--limit N\]/);
  });

  test('an unknown option gets the usage, not a stack trace', () => {
    const result = spawnSync(process.execPath, ['otel/cli/traces.js', '--bogus'], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^error: Unknown option '--bogus'/);
    assert.match(result.stderr, /usage: npm run traces/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
});

