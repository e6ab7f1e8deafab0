/**
 * PostHog answering 503: the app's stderr gets one line from the gateway,
 * not a stack trace from the PostHog SDK for every failed flush, and SIGTERM
 * still ends the app within the shutdown deadline. The stand-in is a
 * loopback server the test starts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { ROOT, waitFor } from '../scripts/lib/processes.mts';
import { startCaptureServer, type CaptureServer } from './support/capture-server.mts';

/** Captures an event every 20 ms until it is stopped. */
const APP = `
const { capture } = require('./otel/api.js');
let n = 0;
setInterval(() => capture({ event: 'outage_probe', distinctId: 'user-1', properties: { n: n++ } }), 20);
`;

describe('PostHog down', () => {
  let posthog: CaptureServer;

  before(async () => {
    posthog = await startCaptureServer({ answer: () => 503 });
  });

  after(() => posthog?.close());

  test('failed flushes are one warning, not a stack each', async () => {
    const child = spawn(process.execPath, ['--require', './otel/register', '-e', APP], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        POSTHOG_API_KEY: 'phc_outage',
        POSTHOG_HOST: posthog.url,
        TELEMETRY_SHUTDOWN_TIMEOUT_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = once(child, 'exit');

    // Batches of 50 events, one a second: wait for three to fail.
    await waitFor(
      () => (posthog.requests.filter((r) => r.path.startsWith('/batch')).length >= 3 ? true : undefined),
      20_000,
      'three failed batches',
    );
    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    const [, signal] = await exited;
    assert.equal(signal, 'SIGTERM');
    assert.ok(Date.now() - stoppedAt < 3000, 'ended within the shutdown deadline');

    const warnings = stderr.split('\n').filter((line) => line.includes('posthog: sending events failed'));
    assert.equal(warnings.length, 1, stderr);
    // The SDK still prints a flush that fails during shutdown.
    const sdkReports = stderr.split('Error while flushing PostHog').length - 1;
    assert.ok(sdkReports <= 1, stderr);
  });
});
