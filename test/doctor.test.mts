/**
 * `npm run doctor` against loopback servers this test starts: one that
 * accepts every request, one that rejects the credentials, one that accepts
 * connections and never answers, and ports where nothing listens. Postgres
 * and Redis are the shared test ones when a check must pass.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, ROOT } from '../scripts/lib/processes.mts';
import {
  startCaptureServer,
  type CaptureServer,
} from './support/capture-server.mts';
import {
  prepareDatabase,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from './support/env.mts';

const DOCTOR = join(ROOT, 'scripts', 'doctor.mts');
const SENTRY_KEY = 'sentrypublickey0123456789abcdef';
const LOGTAIL_TOKEN = 'logtail-source-token-s3cr3t';
const POSTHOG_KEY = 'phc_doctortestkey0123456789abcdef';

interface DoctorRun {
  code: number | null;
  lines: string[];
  output: string;
  millis: number;
}

async function runDoctor(
  env: Record<string, string>,
  args: string[] = ['--timeout-ms', '800'],
): Promise<DoctorRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [DOCTOR, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TELEMETRY_LOCAL_DIR: mkdtempSync(join(tmpdir(), 'doctor-sink-')),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return {
    code,
    lines: output.split('\n').filter(Boolean),
    output,
    millis: Date.now() - started,
  };
}

/** Route variables that point every route at one server. */
function routesAt(url: string, port: number): Record<string, string> {
  return {
    SENTRY_DSN: `http://${SENTRY_KEY}@127.0.0.1:${port}/42`,
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-s3cr3t',
    LOGTAIL_SOURCE_TOKEN: LOGTAIL_TOKEN,
    LOGTAIL_ENDPOINT: url,
    POSTHOG_API_KEY: POSTHOG_KEY,
    POSTHOG_HOST: url,
  };
}

function assertNoSecrets(output: string): void {
  for (const secret of [
    SENTRY_KEY,
    LOGTAIL_TOKEN,
    POSTHOG_KEY,
    'collector-s3cr3t',
    'hunter2',
  ]) {
    assert.ok(!output.includes(secret), `the output shows ${secret}`);
  }
}

/** A TCP server that accepts connections and never answers. */
async function startHangingServer(): Promise<{ port: number; close(): void }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('npm run doctor', () => {
  let accepting: CaptureServer;
  let rejecting: CaptureServer;
  let hanging: { port: number; close(): void };

  before(async () => {
    await prepareDatabase();
    accepting = await startCaptureServer({
      answer: (request) => (request.path === '/' ? 202 : 200),
    });
    // Better Stack answers 403 to a bad token, the others 401.
    rejecting = await startCaptureServer({
      answer: (request) => (request.path === '/' ? 403 : 401),
    });
    hanging = await startHangingServer();
  });

  after(async () => {
    await accepting?.close();
    await rejecting?.close();
    hanging?.close();
  });

  test('every route on and accepted', async () => {
    const run = await runDoctor({
      ...routesAt(accepting.url, accepting.port),
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
    });
    const host = `127.0.0.1:${accepting.port}`;
    const database = new URL(TEST_DATABASE_URL);
    const redis = new URL(TEST_REDIS_URL);

    assert.equal(run.code, 0, run.output);
    const pattern = (text: string) =>
      new RegExp(`^${text.replace(/[()/.?+]/g, '\\$&')} \\(HTTP 20[02], \\d+ ms\\)$`);
    assert.match(run.lines[0], pattern(`ok   sentry: ${host} accepted an empty OTLP export`));
    assert.match(run.lines[1], pattern(`ok   collector: ${host} accepted an empty OTLP export (http/protobuf)`));
    assert.equal(run.lines[2], 'off  local sink: every signal has a route');
    assert.match(run.lines[3], pattern(`ok   better stack: ${host} accepted the source token`));
    assert.match(run.lines[4], pattern(`ok   posthog: ${host} accepted POSTHOG_API_KEY`));
    assert.match(
      run.lines[5],
      new RegExp(`^ok   postgres: 127\\.0\\.0\\.1:${database.port || 5432}${database.pathname} answered SELECT 1 \\(\\d+ ms\\)$`),
    );
    assert.match(
      run.lines[6],
      new RegExp(`^ok   redis: 127\\.0\\.0\\.1:${redis.port || 6379} answered PING \\(\\d+ ms\\)$`),
    );
    assert.equal(run.lines[7], 'doctor: no problems found');
    assert.equal(run.lines.length, 8);
    assertNoSecrets(run.output);

    // The requests are the harmless ones, with the configured credentials.
    const requests = accepting.requests.splice(0);
    const byPath = (path: string) => {
      const request = requests.find((r) => r.path === path);
      assert.ok(request, `a request to ${path}`);
      return request;
    };
    const sentry = byPath('/api/42/integration/otlp/v1/traces/');
    assert.match(String(sentry.headers['x-sentry-auth']), new RegExp(`sentry_key=${SENTRY_KEY}`));
    assert.equal(sentry.headers['content-type'], 'application/x-protobuf');
    assert.equal(sentry.body.length, 0);
    const collector = byPath('/v1/traces');
    assert.equal(collector.headers.authorization, 'Bearer collector-s3cr3t');
    assert.equal(collector.body.length, 0);
    const betterStack = byPath('/');
    assert.equal(betterStack.headers.authorization, `Bearer ${LOGTAIL_TOKEN}`);
    assert.equal(betterStack.body.toString(), '[]');
    const postHog = byPath('/flags/');
    assert.deepEqual(JSON.parse(postHog.body.toString()), {
      api_key: POSTHOG_KEY,
      distinct_id: 'otel-gateway-doctor',
    });
    assert.equal(requests.length, 4);
    assert.equal(accepting.spans.length, 0, 'no span was sent');
  });

  test('rejected credentials name the variable', async () => {
    const run = await runDoctor({
      ...routesAt(rejecting.url, rejecting.port),
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
    });
    const host = `127.0.0.1:${rejecting.port}`;
    rejecting.requests.splice(0);

    assert.equal(run.code, 1, run.output);
    assert.deepEqual(run.lines.slice(0, 5), [
      `fail sentry: ${host} rejected the key in SENTRY_DSN (HTTP 401); copy the DSN again from the project's Client Keys settings`,
      `fail collector: ${host} rejected the request (HTTP 401); check the credentials in OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_TRACES_HEADERS`,
      'off  local sink: every signal has a route',
      `fail better stack: ${host} rejected LOGTAIL_SOURCE_TOKEN (HTTP 403); copy the token from the source's settings in Better Stack`,
      `fail posthog: ${host} rejected POSTHOG_API_KEY (HTTP 401); use the project API key (phc_...) from the project settings`,
    ]);
    assert.equal(run.lines.at(-1), 'doctor: 4 problem(s) found');
    assertNoSecrets(run.output);
  });

  test('hanging servers time out', async () => {
    const url = `http://127.0.0.1:${hanging.port}`;
    const run = await runDoctor({
      ...routesAt(url, hanging.port),
      DATABASE_URL: `postgresql://app:hunter2@127.0.0.1:${hanging.port}/gateway`,
      REDIS_URL: `redis://:hunter2@127.0.0.1:${hanging.port}`,
    });
    const host = `127.0.0.1:${hanging.port}`;

    assert.equal(run.code, 1, run.output);
    assert.deepEqual(run.lines, [
      `fail sentry: no answer from ${host} within 800 ms; check SENTRY_DSN and the network`,
      `fail collector: no answer from ${host} within 800 ms; check OTEL_EXPORTER_OTLP_ENDPOINT and the network`,
      'off  local sink: every signal has a route',
      `fail better stack: no answer from ${host} within 800 ms; check LOGTAIL_ENDPOINT and the network`,
      `fail posthog: no answer from ${host} within 800 ms; check POSTHOG_HOST and the network`,
      `fail postgres: DATABASE_URL: no answer from Postgres at ${host}/gateway within 800 ms`,
      `fail redis: REDIS_URL: no answer from Redis at ${host} within 800 ms`,
      'doctor: 6 problem(s) found',
    ]);
    assertNoSecrets(run.output);
    // The checks run side by side, so the doctor takes about one timeout.
    assert.ok(run.millis < 8000, `took ${run.millis} ms`);
  });

  test('closed ports are unreachable', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const run = await runDoctor({
      ...routesAt(url, port),
      DATABASE_URL: `postgresql://app:hunter2@127.0.0.1:${port}/gateway`,
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    const host = `127.0.0.1:${port}`;

    assert.equal(run.code, 1, run.output);
    assert.deepEqual(run.lines, [
      `fail sentry: cannot reach ${host} (ECONNREFUSED); check SENTRY_DSN and the network`,
      `fail collector: cannot reach ${host} (ECONNREFUSED); check OTEL_EXPORTER_OTLP_ENDPOINT and the network`,
      'off  local sink: every signal has a route',
      `fail better stack: cannot reach ${host} (ECONNREFUSED); check LOGTAIL_ENDPOINT and the network`,
      `fail posthog: cannot reach ${host} (ECONNREFUSED); check POSTHOG_HOST and the network`,
      `fail postgres: DATABASE_URL: cannot use Postgres at ${host}/gateway: connect ECONNREFUSED ${host}`,
      `fail redis: REDIS_URL: cannot use Redis at ${host}: connect ECONNREFUSED ${host}`,
      'doctor: 6 problem(s) found',
    ]);
    assertNoSecrets(run.output);
  });

  test('routes off and local sink on', async () => {
    const run = await runDoctor({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
    });
    assert.equal(run.code, 0, run.output);
    assert.equal(run.lines[0], 'off  sentry: SENTRY_DSN is not set');
    assert.equal(
      run.lines[1],
      'off  collector: collector mode is off (no usable OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)',
    );
    assert.match(run.lines[2], /^ok   local sink: on for traces, errors; \/.+ is writable$/);
    assert.equal(run.lines[3], 'off  better stack: LOGTAIL_SOURCE_TOKEN is not set');
    assert.equal(run.lines[4], 'off  posthog: POSTHOG_API_KEY is not set');
  });

  test('bad settings are problems', async () => {
    const run = await runDoctor({
      SENTRY_DSN: 'not-a-dsn-hunter2',
      OTEL_BSP_SCHEDULE_DELAY: '-5',
      LOGTAIL_SOURCE_TOKEN: LOGTAIL_TOKEN,
      POSTHOG_API_KEY: POSTHOG_KEY,
      POSTHOG_HOST: 'eu.i.posthog.com',
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
    });
    assert.equal(run.code, 1, run.output);
    assert.deepEqual(run.lines.slice(0, 5), [
      'fail config: OTEL_BSP_SCHEDULE_DELAY="-5" is not an integer >= 1; using 1000',
      'fail config: POSTHOG_HOST="eu.i.posthog.com" is not an http(s) URL; using https://us.i.posthog.com',
      'fail config: SENTRY_DSN is not a valid Sentry DSN (expected https://<key>@<host>/<project id>); the Sentry route is off',
      'off  sentry: SENTRY_DSN is invalid, so the route is off',
      'off  collector: collector mode is off (no usable OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)',
    ]);
    assert.match(run.lines[5], /^ok   local sink: on for traces, errors; /);
    assert.deepEqual(run.lines.slice(6, 8), [
      "fail better stack: LOGTAIL_ENDPOINT must be the source's ingesting host, such as https://sNNNNNN.eu-nbg-2.betterstackdata.com, when LOGTAIL_SOURCE_TOKEN is set",
      'fail posthog: POSTHOG_HOST must be https://us.i.posthog.com, https://eu.i.posthog.com or your own PostHog, when POSTHOG_API_KEY is set',
    ]);
    assert.equal(run.lines.at(-1), 'doctor: 5 problem(s) found');
    assertNoSecrets(run.output);
  });

  test('bad service setting stops store checks', async () => {
    const run = await runDoctor({ REDIS_URL: 'http://127.0.0.1:6379' });
    assert.equal(run.code, 1, run.output);
    assert.ok(
      run.lines.includes('fail service: REDIS_URL must start with redis:// or rediss:// (got http://)'),
      run.output,
    );
  });

  test('bad timeout option', async () => {
    const run = await runDoctor({}, ['--timeout-ms', 'soon']);
    assert.equal(run.code, 2);
    assert.deepEqual(run.lines, [
      'error: --timeout-ms="soon" is not an integer >= 1 (milliseconds)',
    ]);
  });
});
