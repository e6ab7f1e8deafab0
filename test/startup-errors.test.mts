/**
 * The service refuses to start, with one line naming the variable, only when
 * DATABASE_URL or REDIS_URL is unusable. Servers that refuse connections are
 * ports nothing listens on; the shared Postgres and Redis are never touched.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { freePort, startService } from '../scripts/lib/processes.mts';
import { serviceEnv } from './support/env.mts';

async function runToExit(env: Record<string, string | undefined>) {
  const service = startService({ script: 'dist/main.js', env: serviceEnv(env) });
  const [code] = await once(service.child, 'exit');
  const lines = service
    .output()
    .split('\n')
    .filter((l) => l && !l.startsWith('[otel-gateway]'));
  return { code, lines };
}

describe('service start-up errors', () => {
  test('malformed DATABASE_URL', async () => {
    const { code, lines } = await runToExit({ DATABASE_URL: 'not a url', PORT: '0' });
    assert.equal(code, 1);
    assert.deepEqual(lines, [
      'error: DATABASE_URL is not a valid URL (expected postgresql://host:port/...)',
    ]);
  });

  test('unreachable Postgres names DATABASE_URL, not the password', async () => {
    const port = await freePort();
    const { code, lines } = await runToExit({
      DATABASE_URL: `postgresql://app:hunter2@127.0.0.1:${port}/gateway`,
      PORT: '0',
    });
    assert.equal(code, 1);
    assert.equal(lines.length, 1);
    assert.match(lines[0], new RegExp(`^error: DATABASE_URL: cannot use Postgres at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    assert.ok(!lines[0].includes('hunter2'));
  });

  test('wrong scheme in REDIS_URL', async () => {
    const { code, lines } = await runToExit({ REDIS_URL: 'http://127.0.0.1:6379', PORT: '0' });
    assert.equal(code, 1);
    assert.deepEqual(lines, ['error: REDIS_URL must start with redis:// or rediss:// (got http://)']);
  });

  test('unreachable Redis names REDIS_URL', async () => {
    const port = await freePort();
    const { code, lines } = await runToExit({ REDIS_URL: `redis://127.0.0.1:${port}`, PORT: '0' });
    assert.equal(code, 1);
    assert.equal(lines.length, 1);
    assert.match(lines[0], new RegExp(`^error: REDIS_URL: cannot use Redis at 127\\.0\\.0\\.1:${port}: `));
  });

  test('invalid WORKERS value', async () => {
    const { code, lines } = await runToExit({ WORKERS: 'maybe', PORT: '0' });
    assert.equal(code, 1);
    assert.deepEqual(lines, ['error: WORKERS="maybe" must be on or off']);
  });
});
