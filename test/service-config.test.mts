/**
 * The service's settings and the small parsers behind the queue work, read
 * from the compiled service (dist/).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

const require = createRequire(import.meta.url);
const { serviceConfigFromEnv } = require('../dist/config.js') as typeof import('../src/config.ts');
const { parseDuration, parseRateLimit } = require('../dist/config-values.js') as typeof import('../src/config-values.ts');
const { toCents } = require('../dist/webhooks/circle-events.js') as typeof import('../src/webhooks/circle-events.ts');
const { normalisePhone, vtpassRequestId } = require('../dist/vtu/vtu-input.js') as typeof import('../src/vtu/vtu-input.ts');
const { vtpassOutcome } = require('../dist/vtu/vtpass.client.js') as typeof import('../src/vtu/vtpass.client.ts');

describe('service settings', () => {
  test('defaults', () => {
    const { config, warnings } = serviceConfigFromEnv({});
    assert.deepEqual(warnings, []);
    assert.equal(config.notifications.backend, 'bullmq');
    assert.deepEqual(config.notifications.rateLimits.EMAIL, { max: 100, duration: 1000 });
    assert.equal(config.notifications.rateLimits.IN_APP, null);
    assert.equal(config.notifications.concurrency, 32);
    assert.deepEqual(config.jobs, { attempts: 5, backoffDelayMs: 1000 });
    assert.equal(config.reconciliation.staleAfterMs, 30 * 60_000);
    assert.equal(config.adminApiToken, undefined);
  });

  test('queue settings from the environment', () => {
    const { config, warnings } = serviceConfigFromEnv({
      NOTIFICATION_BACKEND: 'Database',
      NOTIFICATION_RATE_LIMIT_SMS: '5/500ms',
      NOTIFICATION_RATE_LIMIT_EMAIL: 'off',
      QUEUE_JOB_ATTEMPTS: '8',
      QUEUE_BACKOFF_DELAY: '2s',
      RECONCILIATION_STALE_AFTER: '45m',
      VTPASS_BASE_URL: 'http://127.0.0.1:4020/',
    });
    assert.deepEqual(warnings, []);
    assert.equal(config.notifications.backend, 'database');
    assert.deepEqual(config.notifications.rateLimits.SMS, { max: 5, duration: 500 });
    assert.equal(config.notifications.rateLimits.EMAIL, null);
    assert.deepEqual(config.jobs, { attempts: 8, backoffDelayMs: 2000 });
    assert.equal(config.reconciliation.staleAfterMs, 45 * 60_000);
    assert.equal(config.vtpass.baseUrl, 'http://127.0.0.1:4020');
  });

  test('invalid optional settings warn, not stop', () => {
    const { config, warnings } = serviceConfigFromEnv({
      NOTIFICATION_BACKEND: 'kafka',
      NOTIFICATION_RATE_LIMIT_PUSH: 'fast',
      QUEUE_JOB_ATTEMPTS: '0',
      RECONCILIATION_INTERVAL: 'soon',
      CIRCLE_BASE_URL: 'ftp://circle',
    });
    assert.equal(config.notifications.backend, 'bullmq');
    assert.deepEqual(config.notifications.rateLimits.PUSH, { max: 200, duration: 1000 });
    assert.equal(config.jobs.attempts, 5);
    assert.deepEqual(warnings, [
      'NOTIFICATION_RATE_LIMIT_PUSH="fast" is not <max>/<duration> (for example 100/1s) or off; using 200/1000ms',
      'NOTIFICATION_BACKEND="kafka" is not bullmq or database; using bullmq',
      'QUEUE_JOB_ATTEMPTS="0" is not an integer >= 1; using 5',
      'CIRCLE_BASE_URL="ftp://circle" is not an http(s) URL; using https://api.circle.com',
      'RECONCILIATION_INTERVAL="soon" is not a duration (for example 500ms, 30s, 5m); using 300000ms',
    ]);
  });
});

describe('value parsers', () => {
  test('durations', () => {
    const cases: [string, number | undefined][] = [
      ['250ms', 250], ['1s', 1000], ['1.5s', 1500], ['30m', 1_800_000],
      ['2h', 7_200_000], ['400', 400], ['0s', undefined], ['-1s', undefined], ['1d', undefined],
    ];
    for (const [raw, expected] of cases) assert.equal(parseDuration(raw), expected, raw);
  });

  test('rate limits', () => {
    assert.deepEqual(parseRateLimit('100/1s'), { max: 100, duration: 1000 });
    assert.deepEqual(parseRateLimit(' 5 / 500ms '), { max: 5, duration: 500 });
    assert.equal(parseRateLimit('off'), null);
    for (const raw of ['100', '0/1s', '1.5/1s', '10/never']) {
      assert.equal(parseRateLimit(raw), undefined, raw);
    }
  });

  test('USDC amounts to cents', () => {
    assert.equal(toCents('12.50'), 1250n);
    assert.equal(toCents('12.5'), 1250n);
    assert.equal(toCents('7'), 700n);
    assert.equal(toCents('0.010000'), 1n);
    assert.equal(toCents('0.001'), undefined, 'less than a cent');
    assert.equal(toCents('-1.00'), undefined);
    assert.equal(toCents(12.5), undefined, 'numbers are not Circle amounts');
  });

  test('Nigerian phone numbers', () => {
    assert.equal(normalisePhone('08031234567'), '08031234567');
    assert.equal(normalisePhone('+2348031234567'), '08031234567');
    assert.equal(normalisePhone('234 803 123 4567'), '08031234567');
    for (const raw of ['0803123456', '06031234567', '+4478031234567', 8031234567]) {
      assert.equal(normalisePhone(raw), undefined, String(raw));
    }
  });

  test('VTPass request id starts with Lagos time', () => {
    // 23:59 UTC on 31 December is 00:59 on 1 January in Lagos (UTC+1).
    const id = vtpassRequestId(new Date('2026-12-31T23:59:30Z'), 'abc123');
    assert.equal(id, '202701010059abc123');
  });

  test('VTPass outcomes', () => {
    const body = (code: string, status?: string) => ({
      code,
      content: status ? { transactions: { status, transactionId: 'T1' } } : undefined,
    });
    const cases: [object, string][] = [
      [body('000', 'delivered'), 'delivered'],
      [body('000', 'pending'), 'pending'],
      [body('000', 'initiated'), 'pending'],
      [body('099'), 'pending'],
      [body('000', 'reversed'), 'reversed'],
      [body('016', 'failed'), 'failed'],
      [body('018'), 'failed'],
      [body('015'), 'not_found'],
    ];
    for (const [raw, outcome] of cases) {
      assert.equal(vtpassOutcome(raw).outcome, outcome, JSON.stringify(raw));
    }
    assert.equal(vtpassOutcome(body('000', 'delivered')).transactionId, 'T1');
  });
});
