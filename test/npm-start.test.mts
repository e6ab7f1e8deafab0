/**
 * `npm start` as a platform runs it: the stop signal goes to npm, and must
 * reach the service so that the gateway flushes before the process ends.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort, ROOT, waitFor } from '../scripts/lib/processes.mts';
import { prepareDatabase, serviceEnv, uniqueId } from './support/env.mts';

describe('npm start', () => {
  let groupId: number | undefined;

  // Kills what is left of the process group, whatever the test's outcome.
  after(() => {
    if (groupId === undefined) return;
    try {
      process.kill(-groupId, 'SIGKILL');
    } catch {
      // The group has already ended.
    }
  });

  test('SIGTERM to npm stops the service after a flush', async () => {
    await prepareDatabase();
    const port = await freePort();
    const env = serviceEnv({ PORT: String(port), WORKERS: 'off' });
    const baseUrl = `http://127.0.0.1:${port}`;
    // A group of its own, so that `after` can end a service npm left behind.
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    groupId = npm.pid;
    let output = '';
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk));

    await waitFor(
      async () => ((await fetch(`${baseUrl}/health`)).status === 200 ? true : undefined),
      30_000,
      'the service started by npm start',
    );
    const response = await fetch(`${baseUrl}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: uniqueId('npm'), amount: 5000, currency: 'NGN', method: 'card' }),
    });
    assert.equal(response.status, 201);

    // npm waits for its child to end, so the flush is over once npm exits;
    // a service left behind would still answer.
    const npmExited = once(npm, 'exit');
    npm.kill('SIGTERM');
    await npmExited;
    await waitFor(
      () => fetch(`${baseUrl}/health`).then(() => undefined, () => true),
      10_000,
      'the service to stop listening',
    );
    const traces = join(env.TELEMETRY_LOCAL_DIR, 'traces.jsonl');
    assert.ok(existsSync(traces), output);
    assert.match(readFileSync(traces, 'utf8'), /POST \/payments/, 'the request span was flushed');
  });
});
