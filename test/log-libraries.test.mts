/** Apps logging with pino or winston get trace ids and the log route. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startService } from '../scripts/lib/processes.mts';
import { serviceEnv } from './support/env.mts';

test('pino and winston records reach the sink', async () => {
  const env = serviceEnv();
  const app = startService({ script: 'test/fixtures/log-libraries.cjs', env });
  await once(app.child, 'exit');
  const output = app.output();
  const traceId = /TRACE ([0-9a-f]{32})/.exec(output)?.[1];
  assert.ok(traceId, output);

  const pinoLine = output.split('\n').find((l) => l.includes('hello from pino'));
  assert.ok(pinoLine);
  assert.equal(JSON.parse(pinoLine).trace_id, traceId, 'pino lines carry the trace id');

  const records = readFileSync(join(env.TELEMETRY_LOCAL_DIR, 'logs.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => JSON.parse(line).resourceLogs)
    .flatMap((rl: any) => rl.scopeLogs)
    .flatMap((sl: any) => sl.logRecords);
  for (const message of ['hello from pino', 'hello from winston']) {
    const record = records.find((r: any) => r.body?.stringValue === message);
    assert.ok(record, `${message} reached the log route`);
    assert.equal(record.traceId, traceId);
  }
});
