/**
 * Sentry events and breadcrumbs pass through the redaction rules in every
 * field an app can fill, and so do errors written to the local sink. Black
 * box: a fixture app with the preload, the real Sentry SDK, and a loopback
 * capture server standing in for Sentry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startService, waitFor, type ServiceProcess } from '../scripts/lib/processes.mts';
import { startCaptureServer, type CaptureServer } from './support/capture-server.mts';
import { serviceEnv } from './support/env.mts';
import { isShortNumber, occurs } from './support/secret-corpus.mts';

const MASK = '[REDACTED]';

/** Every secret the fixture puts somewhere into an event. */
const SECRETS = [
  'pw-breadcrumb',
  'tok-breadcrumb',
  'key-breadcrumb',
  'pw-user',
  '5105105105105100',
  '0472',
  '0931',
  'sess-extra-value',
  '048213',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleHRyYSJ9.c2lnLWV4dHJh',
  'tag-api-key',
  'msgbearertoken1',
  'pw-request',
  'at-request',
  'hdrbearertoken1',
  'cookie-header-sid',
  'cookie-object-sid',
  'pw-request-data',
  'qs-token',
  '4012888888881881',
  '4012 8888 8888 1881',
  'cause-token',
  'tag-secret',
  '22212345678',
];

/** Harmless values next to the secrets, which must arrive unchanged. */
const KEPT = [
  'ORD-20261204-000123',
  'user-42',
  'ada@example.com',
  'pay_ok_reference',
  'req-ok-1',
  '/payments',
  'card 401288******1881',
];

async function runFixture(env: Record<string, string>): Promise<ServiceProcess> {
  const app = startService({ script: 'test/fixtures/sentry-app.cjs', env: serviceEnv(env) });
  await waitFor(() => (/^(DONE|FAILED)/m.test(app.output()) ? true : undefined), 15_000, 'the fixture to finish');
  await app.stop();
  assert.match(app.output(), /^DONE/m, app.output());
  return app;
}

describe('Sentry events are redacted', () => {
  let sentry: CaptureServer;
  let raw: string;
  let decoded: string;
  let events: any[];

  before(async () => {
    sentry = await startCaptureServer();
    await runFixture({ SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/42` });
    await waitFor(() => (sentry.events().length >= 2 ? true : undefined), 10_000, 'two Sentry events');
    raw = Buffer.concat(sentry.requests.map((r) => r.body)).toString('utf8');
    decoded = JSON.stringify({ envelopes: sentry.envelopes, spans: sentry.spans }, (_key, value) =>
      typeof value === 'bigint' ? String(value) : value,
    );
    events = sentry.events();
  });

  after(() => sentry?.close());

  for (const secret of SECRETS) {
    test(`never sends ${secret}`, () => {
      // The OTLP bodies are protobuf, whose ids and timestamps hold a 4-digit
      // run now and then; a short number is looked for in their decoded form.
      const text = isShortNumber(secret) ? decoded : raw;
      assert.ok(!occurs(text, secret), `${secret} reached the capture server`);
    });
  }

  for (const value of KEPT) {
    test(`keeps ${value}`, () => {
      assert.ok(raw.includes(value), `${value} is missing`);
    });
  }

  test('request fields', () => {
    const request = events.find((e) => e.request)?.request;
    assert.ok(request, 'an event with request data');
    assert.equal(request.url, `https://svc:${MASK}@api.example/x?access_token=${MASK}&page=2`);
    assert.equal(request.headers.Authorization, MASK);
    assert.equal(request.headers.Cookie, MASK);
    assert.equal(request.headers['X-Request-Id'], 'req-ok-1');
    assert.equal(request.cookies, MASK);
    assert.deepEqual(request.data, { password: MASK, amount: 5000 });
  });

  test('user, contexts, extra and tags', () => {
    const event = events.find((e) => e.exception);
    assert.ok(event, 'the captured exception');
    assert.equal(event.user.id, 'user-42');
    assert.equal(event.user.password, MASK);
    assert.equal(event.contexts.payment.card_number, MASK);
    assert.equal(event.contexts.payment.note, `customer typed pin=${MASK}`);
    assert.equal(event.contexts.trace.trace_id.length, 32, 'trace context kept');
    assert.equal(event.extra.session, MASK);
    assert.equal(event.extra.bvn, MASK);
    assert.equal(event.extra.attempts, 3);
    assert.equal(event.tags.secret, MASK);
    assert.equal(event.tags.api_key, MASK);
    assert.equal(event.tags.route, '/payments');
  });

  test('exception values and breadcrumbs', () => {
    const event = events.find((e) => e.exception);
    const values = event.exception.values.map((v: any) => v.value);
    assert.ok(values.includes(`charge failed for card 401288******1881 with pin=${MASK}`), values.join(' | '));
    assert.ok(values.includes(`upstream said token=${MASK}`), 'the cause');
    const crumb = event.breadcrumbs.find((b: any) => b.category === 'http');
    assert.equal(crumb.message, `POST https://svc:${MASK}@api.example/x?token=${MASK}`);
    assert.equal(crumb.data['x-api-key'], MASK);
    assert.equal(crumb.data.status_code, 201);
  });
});

describe('local sink errors are redacted', () => {
  test('message, stack and tags', async () => {
    const env = serviceEnv();
    await runFixture({ TELEMETRY_LOCAL_DIR: env.TELEMETRY_LOCAL_DIR });
    const dir = env.TELEMETRY_LOCAL_DIR;
    const text = readdirSync(dir).map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');
    const record = JSON.parse(readFileSync(join(dir, 'logs.jsonl'), 'utf8').trim().split('\n')[0])
      .resourceLogs[0].scopeLogs[0].logRecords[0];
    assert.equal(record.body.stringValue, `charge failed for card 401288******1881 with pin=${MASK}`);
    const tags = Object.fromEntries(record.attributes.map((a: any) => [a.key, a.value.stringValue]));
    assert.equal(tags.secret, MASK);
    assert.equal(tags['http.route'], '/payments');
    assert.ok(tags['exception.stacktrace'].includes('401288******1881'));
    for (const secret of ['4012 8888 8888 1881', '0931', 'tag-secret']) {
      assert.ok(!occurs(text, secret), `${secret} reached the local sink`);
    }
  });
});
