/**
 * The preload as a black box: child processes started with
 * `--require ./otel/register`, configured only through the environment.
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { startService, waitFor, type ServiceProcess } from '../scripts/lib/processes.mts';
import { serviceEnv } from './support/env.mts';

interface Ready {
  port: number;
  active: boolean;
  startedInWorker: boolean;
}

async function startApp(env: Record<string, string | undefined>) {
  const app = startService({ script: 'test/fixtures/http-app.cjs', env: serviceEnv(env) });
  const ready = await waitFor(() => {
    const line = app.output().split('\n').find((l) => l.startsWith('READY '));
    return line ? (JSON.parse(line.slice(6)) as Ready) : undefined;
  }, 10_000, 'the fixture app to start');
  return { app, ready };
}

async function get(port: number, path: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  await response.text();
  return response.status;
}

function gatewayLines(app: ServiceProcess): string[] {
  return app.output().split('\n').filter((l) => l.startsWith('[otel-gateway]'));
}

function sinkSpans(dir: string): any[] {
  const file = join(dir, 'traces.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => JSON.parse(line).resourceSpans)
    .flatMap((rs: any) => rs.scopeSpans)
    .flatMap((ss: any) => ss.spans);
}

describe('preload', () => {
  test('writes spans to the local sink without credentials', async () => {
    const env = serviceEnv();
    const { app, ready } = await startApp(env);
    assert.equal(await get(ready.port, '/hello'), 200);
    assert.equal(await app.stop(), 'SIGTERM', 'the exit signal is kept');
    const spans = sinkSpans(env.TELEMETRY_LOCAL_DIR);
    assert.ok(spans.some((s) => s.name === 'GET' && s.kind === 2), 'a server span');
    assert.ok(gatewayLines(app).some((l) => l.includes('sentry: off (SENTRY_DSN is not set)')));
    assert.ok(gatewayLines(app).some((l) => l.includes('local sink: on for traces, errors')));
  });

  for (const signal of ['SIGHUP', 'SIGQUIT'] as const) {
    test(`${signal} flushes and keeps the exit signal`, async () => {
      const env = serviceEnv();
      const { app, ready } = await startApp(env);
      assert.equal(await get(ready.port, '/hello'), 200);
      const exited = once(app.child, 'exit');
      app.child.kill(signal);
      const [, exitSignal] = await exited;
      assert.equal(exitSignal, signal);
      assert.ok(sinkSpans(env.TELEMETRY_LOCAL_DIR).length > 0, 'spans flushed before exit');
    });
  }

  test('an app that handles SIGTERM keeps its own exit', async () => {
    const env = serviceEnv({ FIXTURE_HANDLES_SIGTERM: '1' });
    const { app, ready } = await startApp(env);
    assert.equal(await get(ready.port, '/hello'), 200);
    assert.equal(await app.stop(), 0);
    assert.ok(sinkSpans(env.TELEMETRY_LOCAL_DIR).length > 0, 'spans flushed at exit');
  });

  test('health checks are untraced unless asked', async () => {
    const quiet = serviceEnv();
    const first = await startApp(quiet);
    await get(first.ready.port, '/health');
    await first.app.stop();
    assert.equal(sinkSpans(quiet.TELEMETRY_LOCAL_DIR).length, 0);

    const traced = serviceEnv({ TELEMETRY_TRACE_HEALTH_CHECKS: 'true' });
    const second = await startApp(traced);
    await get(second.ready.port, '/health');
    await second.app.stop();
    assert.equal(sinkSpans(traced.TELEMETRY_LOCAL_DIR).length, 1);
  });

  test('OTEL_SDK_DISABLED leaves the app uninstrumented', async () => {
    const env = serviceEnv({ OTEL_SDK_DISABLED: 'true' });
    const { app, ready } = await startApp(env);
    assert.equal(ready.active, false);
    assert.equal(await get(ready.port, '/hello'), 200);
    await app.stop();
    assert.equal(sinkSpans(env.TELEMETRY_LOCAL_DIR).length, 0);
    assert.deepEqual(gatewayLines(app), [
      '[otel-gateway] info: off: OTEL_SDK_DISABLED is true; the app runs uninstrumented',
    ]);
  });

  test('bad sampler gets one line naming the variable', async () => {
    const { app, ready } = await startApp({ OTEL_TRACES_SAMPLER: 'sometimes' });
    assert.equal(ready.active, true);
    assert.equal(await get(ready.port, '/hello'), 200);
    await app.stop();
    const warnings = gatewayLines(app).filter((l) => l.includes(' warn: '));
    assert.deepEqual(warnings, [
      '[otel-gateway] warn: OTEL_TRACES_SAMPLER="sometimes" is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; using parentbased_always_on',
    ]);
  });

  test('summary names the redaction rules', async () => {
    const { app, ready } = await startApp({
      TELEMETRY_REDACT_DISABLE: 'pan,jwt',
      TELEMETRY_REDACT_KEYS: 'national_id',
      TELEMETRY_REDACT_PATTERNS: 'VIP-\\d{4},(unclosed',
    });
    assert.equal(await get(ready.port, '/hello'), 200);
    await app.stop();
    const lines = gatewayLines(app);
    assert.ok(
      lines.includes(
        '[otel-gateway] info: redaction: on, keys password, pin, otp, cvv, secret, token, api-key, authorization, cookie, session, bvn, nin, card-number, account-number, private-key, national_id; values pem, url-credentials, url-signature, bearer, basic-auth, vendor-key, 1 custom; off: jwt, pan',
      ),
      lines.join('\n'),
    );
    assert.deepEqual(lines.filter((l) => l.includes(' warn: ')), [
      '[otel-gateway] warn: TELEMETRY_REDACT_PATTERNS has an invalid regular expression "(unclosed" (Invalid regular expression: /(unclosed/g: Unterminated group); skipping it',
    ]);
  });

  test('always_off sampler records nothing', async () => {
    const env = serviceEnv({ OTEL_TRACES_SAMPLER: 'always_off' });
    const { app, ready } = await startApp(env);
    await get(ready.port, '/hello');
    await app.stop();
    assert.equal(sinkSpans(env.TELEMETRY_LOCAL_DIR).length, 0);
  });

  test('bad SENTRY_DSN is named and never echoed', async () => {
    const dsn = 'not-a-dsn-with-secret-s3cr3t';
    const { app, ready } = await startApp({ SENTRY_DSN: dsn });
    assert.equal(await get(ready.port, '/hello'), 200);
    await app.stop();
    const output = app.output();
    assert.ok(!output.includes('s3cr3t'));
    assert.ok(
      gatewayLines(app).includes(
        '[otel-gateway] warn: SENTRY_DSN is not a valid Sentry DSN (expected https://<key>@<host>/<project id>); the Sentry route is off',
      ),
    );
    assert.ok(
      !gatewayLines(app).some((l) => l.includes('SENTRY_DSN is not set')),
      'an invalid DSN is not reported as missing',
    );
  });

  test('does nothing on worker threads', async () => {
    const { app, ready } = await startApp({});
    assert.equal(ready.active, true);
    assert.equal(ready.startedInWorker, false);
    await app.stop();
    const summaries = gatewayLines(app).filter((l) => l.includes('info: on:'));
    assert.equal(summaries.length, 1, 'one start-up summary, not one per thread');
  });

  test('requiring the preload twice starts once', async () => {
    const app = startService({
      script: 'test/fixtures/http-app.cjs',
      env: serviceEnv({ NODE_OPTIONS: '--require ./otel/register' }),
    });
    await waitFor(() => (app.output().includes('READY ') ? true : undefined), 10_000, 'start');
    await app.stop();
    assert.equal(gatewayLines(app).filter((l) => l.includes('info: on:')).length, 1);
  });

  test('a hanging backend cannot stall exit past the deadline', async () => {
    // Accepts connections and never answers.
    const sockets: Socket[] = [];
    const hanging = createServer((socket) => sockets.push(socket));
    hanging.listen(0, '127.0.0.1');
    await once(hanging, 'listening');
    const { port } = hanging.address() as AddressInfo;
    try {
      const { app, ready } = await startApp({
        SENTRY_DSN: `http://key@127.0.0.1:${port}/1`,
        TELEMETRY_SHUTDOWN_TIMEOUT_MS: '1500',
      });
      assert.equal(await get(ready.port, '/hello'), 200);
      const started = Date.now();
      assert.equal(await app.stop(20_000), 'SIGTERM');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 1000 && elapsed < 5000, `exited after ${elapsed} ms`);
      assert.ok(
        gatewayLines(app).some((l) => l.includes('did not finish in time')),
        'the timed-out step is reported',
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      hanging.close();
    }
  });
});
