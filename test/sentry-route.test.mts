/** The Sentry route: its OTLP endpoint and crash reporting. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { startService, waitFor } from '../scripts/lib/processes.mts';
import { startCaptureServer } from './support/capture-server.mts';
import { serviceEnv } from './support/env.mts';

const require = createRequire(import.meta.url);
const { otlpTracesEndpoint } = require('../otel/routes/sentry-endpoint.js') as typeof import('../otel/routes/sentry-endpoint.ts');

describe('otlpTracesEndpoint', () => {
  const Sentry = require('@sentry/node') as typeof import('@sentry/node');
  const dsns = [
    'https://abc123@o1.ingest.sentry.io/42',
    'https://abc123@o1.ingest.us.sentry.io/4509',
    'http://key@127.0.0.1:9000/7',
    'https://key@sentry.example.com/prefix/path/99',
    'https://key:secret@host.example.com/5',
    'https://host.example.com/5',
    'not a dsn',
  ];
  for (const dsn of dsns) {
    test(`matches the SDK for ${dsn}`, () => {
      assert.deepEqual(otlpTracesEndpoint(dsn), Sentry.getOtlpTracesEndpoint(dsn));
    });
  }

  test('rejects schemes other than http(s)', () => {
    assert.equal(otlpTracesEndpoint('ftp://key@host/1'), undefined);
  });
});

describe('crash reporting', () => {
  for (const kind of ['exception', 'rejection']) {
    test(`uncaught ${kind} reaches Sentry, exit 1`, async () => {
      const sentry = await startCaptureServer();
      try {
        const app = startService({
          script: 'test/fixtures/crash-app.cjs',
          env: serviceEnv({
            CRASH_KIND: kind,
            SENTRY_DSN: `http://key@127.0.0.1:${sentry.port}/11`,
          }),
        });
        const [code] = await once(app.child, 'exit');
        assert.equal(code, 1);
        const message = kind === 'exception' ? 'fixture crash nobody caught' : 'fixture rejection nobody handled';
        assert.match(app.output(), new RegExp(`Error: ${message}\\n    at `));
        const event = await waitFor(() => sentry.events()[0], 5000, 'the crash event');
        assert.equal(event.exception.values[0].value, message);
      } finally {
        await sentry.close();
      }
    });
  }

  test('without Sentry, crashes go to the local sink', async () => {
    const env = serviceEnv();
    const app = startService({ script: 'test/fixtures/crash-app.cjs', env });
    const [code] = await once(app.child, 'exit');
    assert.equal(code, 1);
    const { readFileSync } = await import('node:fs');
    const logs = readFileSync(`${env.TELEMETRY_LOCAL_DIR}/logs.jsonl`, 'utf8');
    assert.match(logs, /fixture crash nobody caught/);
  });
});
