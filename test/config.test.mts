/** The gateway's configuration, read from an environment object. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

const require = createRequire(import.meta.url);
const { configFromEnv, parseSentryDsn } = require('../otel/config.js') as typeof import('../otel/config.ts');

const cwd = process.cwd();

describe('configFromEnv', () => {
  test('defaults', () => {
    const { config, warnings } = configFromEnv({}, cwd);
    assert.deepEqual(warnings, []);
    assert.equal(config.disabled, false);
    assert.equal(config.environment, 'development');
    assert.deepEqual(config.sampler, { name: 'parentbased_always_on', ratio: 1 });
    assert.deepEqual(config.untracedPaths, ['/health']);
    assert.equal(config.sentry, undefined);
    assert.equal(config.otlp, undefined);
    assert.match(config.local.dir, /\.telemetry$/);
  });

  test('service name from OTEL_SERVICE_NAME then resource attributes', () => {
    assert.equal(configFromEnv({ OTEL_SERVICE_NAME: 'api' }, cwd).config.serviceName, 'api');
    const { config } = configFromEnv(
      { OTEL_RESOURCE_ATTRIBUTES: 'service.name=billing,team=pay%20ments' },
      cwd,
    );
    assert.equal(config.serviceName, 'billing');
    assert.equal(config.resourceAttributes.team, 'pay ments');
  });

  test('ratio sampler reads its argument', () => {
    const { config, warnings } = configFromEnv(
      { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' },
      cwd,
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.sampler, { name: 'parentbased_traceidratio', ratio: 0.25 });
  });

  test('bad sampler argument falls back to 1', () => {
    const { config, warnings } = configFromEnv(
      { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' },
      cwd,
    );
    assert.equal(config.sampler.ratio, 1);
    assert.deepEqual(warnings, [
      'OTEL_TRACES_SAMPLER_ARG="2" is not a ratio between 0 and 1; using 1',
    ]);
  });

  test('bad booleans and integers are named', () => {
    const { config, warnings } = configFromEnv(
      { OTEL_SDK_DISABLED: 'perhaps', OTEL_BSP_SCHEDULE_DELAY: '-5' },
      cwd,
    );
    assert.equal(config.disabled, false);
    assert.equal(config.batch.scheduledDelayMillis, 1000);
    assert.deepEqual(warnings, [
      'OTEL_SDK_DISABLED="perhaps" is not a boolean (use true or false); using false',
      'OTEL_BSP_SCHEDULE_DELAY="-5" is not an integer >= 1; using 1000',
    ]);
  });

  test('unknown NODE_ENV falls back to development', () => {
    const { config, warnings } = configFromEnv({ NODE_ENV: 'qa' }, cwd);
    assert.equal(config.environment, 'development');
    assert.deepEqual(warnings, [
      'NODE_ENV="qa" is not one of development, staging, production, test; using development',
    ]);
  });

  test('Sentry environment defaults to NODE_ENV', () => {
    const dsn = 'https://abc@o1.ingest.example.com/123';
    const { config } = configFromEnv({ SENTRY_DSN: dsn, NODE_ENV: 'staging' }, cwd);
    assert.equal(config.sentry?.environment, 'staging');
    assert.equal(config.sentry?.host, 'o1.ingest.example.com');
    const own = configFromEnv({ SENTRY_DSN: dsn, SENTRY_ENVIRONMENT: 'eu-prod' }, cwd);
    assert.equal(own.config.sentry?.environment, 'eu-prod');
  });

  test('collector endpoint must be http(s)', () => {
    const { config, warnings } = configFromEnv(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' },
      cwd,
    );
    assert.equal(config.otlp, undefined);
    assert.deepEqual(warnings, [
      'OTEL_EXPORTER_OTLP_ENDPOINT="grpc://collector:4317" must use http or https; collector mode is off',
    ]);
  });

  test('OTLP headers are parsed', () => {
    const { config } = configFromEnv(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=pay',
      },
      cwd,
    );
    assert.equal(config.otlp?.endpoint, 'http://127.0.0.1:4318');
    assert.deepEqual(config.otlp?.headers, { authorization: 'Bearer abc', 'x-team': 'pay' });
  });

  test('an entry without = is named, not echoed', () => {
    const { config, warnings } = configFromEnv(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'Bearer s3cr3t-header,x-team=pay',
      },
      cwd,
    );
    assert.deepEqual(config.otlp?.headers, { 'x-team': 'pay' });
    assert.ok(
      warnings.includes('OTEL_EXPORTER_OTLP_HEADERS has an entry that is not key=value; ignoring it'),
      warnings.join('\n'),
    );
    assert.ok(!warnings.join('\n').includes('s3cr3t-header'));
  });
});

describe('parseSentryDsn', () => {
  const cases: [string, string | undefined][] = [
    ['https://key@o0.ingest.sentry.io/42', 'o0.ingest.sentry.io'],
    ['http://key@127.0.0.1:9000/sub/path/7', '127.0.0.1:9000'],
    ['https://o0.ingest.sentry.io/42', undefined],
    ['https://key@o0.ingest.sentry.io/', undefined],
    ['https://key@o0.ingest.sentry.io/project', undefined],
    ['ftp://key@host/1', undefined],
    ['key@host/1', undefined],
  ];
  for (const [dsn, host] of cases) {
    test(`${dsn} -> ${host ?? 'invalid'}`, () => {
      assert.equal(parseSentryDsn(dsn)?.host, host);
    });
  }
});
