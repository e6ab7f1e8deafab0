/**
 * The collector configs in collector/ and `npm run collector:check`: every
 * environment passes, each kind of broken config is named in one line, and
 * the redaction rules mask what they should and nothing else.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from '../scripts/lib/processes.mts';
import {
  expandConfig,
  expandString,
  mergeConfigs,
} from '../scripts/lib/collector/resolve.mts';

const CHECK = join(ROOT, 'scripts', 'collector-check.mts');

function runCheck(args: string[] = []) {
  const result = spawnSync(process.execPath, [CHECK, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return {
    code: result.status,
    stdout: result.stdout.split('\n').filter(Boolean),
    errors: result.stderr
      .split('\n')
      .filter((line) => line.startsWith('error: '))
      .map((line) => line.slice('error: '.length)),
  };
}

function loadYaml(path: string): any {
  return parse(readFileSync(join(ROOT, path), 'utf8'));
}

/** base.yaml merged with an overlay and expanded with no variables set. */
function environmentConfig(environment: string): any {
  const merged = mergeConfigs(
    loadYaml('collector/base.yaml'),
    loadYaml(`collector/${environment}.yaml`),
  );
  return expandConfig(merged, new Map());
}

// --- A small valid config that each broken case changes in one place.

const VALID_BASE = `
extensions:
  health_check:
    endpoint: \${env:OTELCOL_BIND_ADDRESS:-localhost}:13133
receivers:
  otlp:
    protocols:
      http:
        endpoint: localhost:4318
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
  batch: {}
exporters:
  otlphttp/vendor:
    endpoint: \${env:VENDOR_ENDPOINT}
    headers:
      authorization: "Bearer \${env:VENDOR_TOKEN}"
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [otlphttp/vendor]
    logs:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [otlphttp/vendor]
    metrics:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [otlphttp/vendor]
`;

const VALID_ENV_FILE = [
  '# test variables',
  'VENDOR_ENDPOINT=https://vendor.example.invalid',
  'VENDOR_TOKEN=REPLACE_WITH_TOKEN',
  '',
].join('\n');

interface Fixture {
  base?: string;
  overlays?: Record<string, string>;
  envFile?: string;
}

/** Writes a config directory to a temp dir and runs the check on it. */
function checkFixture(fixture: Fixture) {
  const dir = mkdtempSync(join(tmpdir(), 'collector-check-'));
  writeFileSync(join(dir, 'base.yaml'), fixture.base ?? VALID_BASE);
  const overlays = fixture.overlays ?? { development: '{}\n' };
  for (const [name, text] of Object.entries(overlays)) {
    writeFileSync(join(dir, `${name}.yaml`), text);
  }
  const envFile = join(dir, '.env.example');
  writeFileSync(envFile, fixture.envFile ?? VALID_ENV_FILE);
  return { dir, envFile, ...runCheck(['--dir', dir, '--env-file', envFile]) };
}

describe('npm run collector:check', () => {
  test('passes on every environment', () => {
    const { code, stdout, errors } = runCheck();
    assert.deepEqual(errors, []);
    assert.equal(code, 0);
    assert.deepEqual(stdout, [
      'ok: development (base.yaml + development.yaml)',
      'ok: production (base.yaml + production.yaml)',
      'ok: staging (base.yaml + staging.yaml)',
    ]);
  });

  test('passes on the valid fixture', () => {
    const { code, errors } = checkFixture({});
    assert.deepEqual(errors, []);
    assert.equal(code, 0);
  });

  test('pipeline naming an undefined processor', () => {
    const { code, errors } = checkFixture({
      overlays: {
        development: `
service:
  pipelines:
    traces:
      processors: [memory_limiter, redaction, batch]
`,
      },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      'development: service.pipelines.traces.processors names processor "redaction", which is not defined under processors',
    ]);
  });

  test('pipeline naming an undefined exporter and extension', () => {
    const { code, errors } = checkFixture({
      overlays: {
        development: `
service:
  extensions: [health_check, zpages]
  pipelines:
    logs:
      exporters: [otlphttp/vendor, debug]
`,
      },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      'development: service.extensions names extension "zpages", which is not defined under extensions',
      'development: service.pipelines.logs.exporters names exporter "debug", which is not defined under exporters',
    ]);
  });

  test('memory_limiter not first', () => {
    const { code, errors } = checkFixture({
      overlays: {
        development: `
processors:
  filter/noise:
    error_mode: ignore
service:
  pipelines:
    traces:
      processors: [filter/noise, memory_limiter, batch]
`,
      },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      'development: service.pipelines.traces.processors must start with memory_limiter, so the collector sheds load before other processors allocate (it starts with filter/noise)',
    ]);
  });

  test('batch not last', () => {
    const { code, errors } = checkFixture({
      overlays: {
        production: `
processors:
  tail_sampling:
    policies: []
service:
  pipelines:
    traces:
      processors: [memory_limiter, batch, tail_sampling]
`,
      },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      'production: service.pipelines.traces.processors must end with batch, so exporters get whole batches (it ends with tail_sampling)',
    ]);
  });

  test('overlay lists replace the base lists', () => {
    // Restating only part of a list drops the rest, as the collector does.
    const { code, errors } = checkFixture({
      overlays: {
        staging: `
service:
  pipelines:
    metrics:
      processors: [memory_limiter]
`,
      },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      'staging: service.pipelines.metrics.processors must end with batch, so exporters get whole batches (it ends with memory_limiter)',
    ]);
  });

  test('variable missing from .env.example', () => {
    const { code, dir, envFile, errors } = checkFixture({
      envFile: 'VENDOR_ENDPOINT=https://vendor.example.invalid\n',
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      `${join(dir, 'base.yaml')}: exporters.otlphttp/vendor.headers.authorization uses \${env:VENDOR_TOKEN}, which is missing from ${envFile}; list it there (an unset variable becomes an empty string)`,
    ]);
  });

  test('variable with a default need not be listed', () => {
    // OTELCOL_BIND_ADDRESS has a default and is absent from the env file.
    const { code, errors } = checkFixture({});
    assert.deepEqual(errors, []);
    assert.equal(code, 0);
  });

  test('endpoint empty once expanded', () => {
    const { code, envFile, errors } = checkFixture({
      envFile: 'VENDOR_ENDPOINT=\nVENDOR_TOKEN=REPLACE_WITH_TOKEN\n',
      overlays: { development: '{}\n', production: '{}\n' },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      `development, production: exporters.otlphttp/vendor.endpoint is "" once expanded with ${envFile}, not an http(s) URL; set VENDOR_ENDPOINT in ${envFile}`,
    ]);
  });

  test('unknown component type', () => {
    const { code, errors } = checkFixture({
      overlays: {
        development: `
processors:
  redactoin:
    allow_all_keys: true
`,
      },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      'development: processors.redactoin has unknown component type "redactoin" (known processors: batch, filter, memory_limiter, redaction, tail_sampling, transform); fix the name or add the type to KNOWN_COMPONENT_TYPES in scripts/lib/collector/components.mts',
    ]);
  });

  test('literal credential in a header', () => {
    const secret = 'bs_live_9f8e7d6c5b4a39281706';
    const { code, dir, errors } = checkFixture({
      overlays: {
        development: `
exporters:
  otlphttp/vendor:
    headers:
      authorization: "Bearer ${secret}"
`,
      },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      `${join(dir, 'development.yaml')}: exporters.otlphttp/vendor.headers.authorization contains a literal credential; read it with \${env:NAME} and list NAME in ${join(dir, '.env.example')}`,
    ]);
    assert.ok(!errors.join('\n').includes(secret), 'the value is not echoed');
  });

  test('literal credential shaped like a secret', () => {
    const { code, dir, errors } = checkFixture({
      overlays: {
        development: `
exporters:
  otlphttp/vendor:
    endpoint: https://app:hunter2@vendor.example.invalid
`,
      },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      `${join(dir, 'development.yaml')}: exporters.otlphttp/vendor.endpoint contains a literal credential; read it with \${env:NAME} and list NAME in ${join(dir, '.env.example')}`,
    ]);
  });

  test('RE2-incompatible redaction pattern', () => {
    const { code, dir, errors } = checkFixture({
      overlays: {
        development: `
processors:
  redaction:
    allow_all_keys: true
    blocked_values:
      - 'token=(?!public)\\w+'
`,
      },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      `${join(dir, 'development.yaml')}: processors.redaction.blocked_values[0] uses a lookahead or lookbehind, which Go's RE2 regular expressions do not support`,
    ]);
  });

  test('invalid YAML', () => {
    const { code, dir, errors } = checkFixture({
      overlays: { development: 'service:\n  pipelines: [unclosed\n' },
    });
    assert.equal(code, 1);
    assert.equal(errors.length, 1);
    assert.match(
      errors[0],
      new RegExp(`^${join(dir, 'development.yaml').replace(/[.\\/]/g, '\\$&')}: invalid YAML: `),
    );
  });

  test('missing signal pipeline', () => {
    const base = VALID_BASE.replace(/ {4}metrics:\n(?: {6}.*\n){3}/, '');
    const { code, errors } = checkFixture({ base });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      'development: service.pipelines has no metrics pipeline; every environment needs traces, logs and metrics',
    ]);
  });

  test('problem from base.yaml named once for all environments', () => {
    const base = VALID_BASE.replace(
      'processors: [memory_limiter, batch]\n      exporters: [otlphttp/vendor]\n    logs:',
      'processors: [batch]\n      exporters: [otlphttp/vendor]\n    logs:',
    );
    const { code, errors } = checkFixture({
      base,
      overlays: { development: '{}\n', production: '{}\n', staging: '{}\n' },
    });
    assert.equal(code, 1);
    assert.deepEqual(errors, [
      'development, production, staging: service.pipelines.traces.processors must start with memory_limiter, so the collector sheds load before other processors allocate (it starts with batch)',
    ]);
  });
});

describe('collector config merging', () => {
  test('maps merge and lists replace', () => {
    const merged = mergeConfigs(
      { a: { keep: 1, list: [1, 2, 3] }, b: 'base' },
      { a: { list: [9], added: true }, b: 'overlay' },
    );
    assert.deepEqual(merged, {
      a: { keep: 1, list: [9], added: true },
      b: 'overlay',
    });
  });

  test('env references expand like the collector', () => {
    const variables = new Map([
      ['SET', 'value'],
      ['EMPTY', ''],
    ]);
    assert.equal(expandString('${env:SET}', variables), 'value');
    assert.equal(expandString('${env:UNSET}', variables), '');
    assert.equal(expandString('${env:UNSET:-fallback}', variables), 'fallback');
    assert.equal(expandString('${env:EMPTY:-fallback}', variables), 'fallback');
    assert.equal(expandString('${SET}', variables), 'value');
    assert.equal(expandString('(a|b)$$', variables), '(a|b)$');
    assert.equal(expandString('$${env:SET}', variables), '${env:SET}');
  });
});

describe('collector environments', () => {
  const environments = ['development', 'staging', 'production'];

  test('processor order per environment', () => {
    for (const environment of environments) {
      const pipelines = environmentConfig(environment).service.pipelines;
      const tracesTail = environment === 'production' ? ['tail_sampling'] : [];
      assert.deepEqual(
        pipelines.traces.processors,
        [
          'memory_limiter',
          'redaction',
          'transform/redaction',
          'filter/noise',
          ...tracesTail,
          'batch',
        ],
        environment,
      );
      for (const signal of ['logs', 'metrics']) {
        assert.deepEqual(
          pipelines[signal].processors,
          ['memory_limiter', 'redaction', 'batch'],
          `${environment} ${signal}`,
        );
      }
    }
  });

  test('debug exporter only in development', () => {
    for (const environment of environments) {
      const pipelines = environmentConfig(environment).service.pipelines;
      for (const signal of ['traces', 'logs', 'metrics']) {
        assert.equal(
          pipelines[signal].exporters.includes('debug'),
          environment === 'development',
          `${environment} ${signal}`,
        );
      }
    }
  });

  test('exporters per signal', () => {
    const pipelines = environmentConfig('production').service.pipelines;
    assert.deepEqual(pipelines.traces.exporters, ['otlphttp/sentry']);
    assert.deepEqual(pipelines.logs.exporters, [
      'otlphttp/betterstack',
      'otlphttp/posthog',
    ]);
    assert.deepEqual(pipelines.metrics.exporters, ['otlphttp/betterstack']);
  });

  test('vendor exporters read every secret from env', () => {
    const exporters = loadYaml('collector/base.yaml').exporters;
    assert.equal(
      exporters['otlphttp/sentry'].traces_endpoint,
      '${env:SENTRY_OTLP_TRACES_ENDPOINT}',
    );
    assert.equal(
      exporters['otlphttp/sentry'].headers['x-sentry-auth'],
      'sentry sentry_key=${env:SENTRY_PUBLIC_KEY}',
    );
    assert.equal(
      exporters['otlphttp/betterstack'].endpoint,
      '${env:BETTERSTACK_OTLP_ENDPOINT}',
    );
    assert.equal(
      exporters['otlphttp/betterstack'].headers.authorization,
      'Bearer ${env:BETTERSTACK_OTLP_TOKEN}',
    );
    assert.equal(
      exporters['otlphttp/posthog'].logs_endpoint,
      '${env:POSTHOG_HOST}/i/v1/logs',
    );
    assert.equal(
      exporters['otlphttp/posthog'].headers.authorization,
      'Bearer ${env:POSTHOG_API_KEY}',
    );
  });

  test('extensions and where they listen', () => {
    const development = environmentConfig('development');
    assert.deepEqual(development.service.extensions, [
      'health_check',
      'pprof',
      'zpages',
    ]);
    // Expanded with no variables set, so the default address shows.
    assert.equal(development.extensions.pprof.endpoint, 'localhost:1777');
    assert.equal(development.extensions.zpages.endpoint, 'localhost:55679');

    const devRaw = loadYaml('collector/development.yaml');
    assert.match(devRaw.extensions.pprof.endpoint, /^\$\{env:OTELCOL_BIND_ADDRESS:-localhost\}:/);

    const staging = loadYaml('collector/staging.yaml');
    assert.equal(staging.extensions.pprof.endpoint, 'localhost:1777');
    assert.equal(staging.extensions.zpages.endpoint, 'localhost:55679');

    const production = environmentConfig('production');
    assert.deepEqual(production.service.extensions, ['health_check']);
    assert.equal(production.extensions.health_check.endpoint, 'localhost:13133');
    const bound = expandConfig(
      mergeConfigs(
        loadYaml('collector/base.yaml'),
        loadYaml('collector/production.yaml'),
      ),
      new Map([['OTELCOL_BIND_ADDRESS', '0.0.0.0']]),
    ) as any;
    assert.equal(bound.extensions.health_check.endpoint, '0.0.0.0:13133');
    assert.equal(bound.receivers.otlp.protocols.http.endpoint, '0.0.0.0:4318');
    assert.equal(bound.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
  });

  test('tail sampling policies in production', () => {
    const tail = environmentConfig('production').processors.tail_sampling;
    const byName = Object.fromEntries(
      tail.policies.map((policy: any) => [policy.name, policy]),
    );
    assert.deepEqual(byName.errors.status_code.status_codes, ['ERROR']);
    assert.deepEqual(byName.exceptions.ottl_condition.spanevent, [
      'name == "exception"',
    ]);
    assert.equal(byName.slow.type, 'latency');
    assert.ok(byName.slow.latency.threshold_ms > 0);
    assert.equal(byName.baseline.type, 'probabilistic');
    const share = byName.baseline.probabilistic.sampling_percentage;
    assert.ok(share > 0 && share < 100, `sampling_percentage ${share}`);
  });

  test('noise filter drops health checks and BullMQ housekeeping', () => {
    const conditions: string[] =
      environmentConfig('production').processors['filter/noise']
        .trace_conditions;
    for (const key of ['url.path', 'http.route']) {
      assert.ok(
        conditions.includes(`span.attributes["${key}"] == "/health"`),
        key,
      );
    }
    const operations = [
      'getNextJob',
      'rateLimit',
      'startStalledCheckTimer',
      'moveStalledJobsToWait',
      'close',
      'pause',
      'resume',
      'trimEvents',
      'removeDebounceKey',
      'removeDeduplicationKey',
    ];
    for (const operation of operations) {
      assert.ok(
        conditions.includes(
          `span.attributes["bullmq.queue.operation"] == "${operation}"`,
        ),
        operation,
      );
    }
    assert.equal(conditions.length, 2 + operations.length);
  });
});

describe('collector redaction rules', () => {
  // The patterns are Go RE2; the subset used here means the same in
  // JavaScript ((?i:...) groups, \b, \s, character classes, no lookaround).
  const redaction = environmentConfig('production').processors.redaction;
  const keyPatterns: RegExp[] = redaction.blocked_key_patterns.map(
    (pattern: string) => new RegExp(pattern),
  );
  const valuePatterns: RegExp[] = redaction.blocked_values.map(
    (pattern: string) => new RegExp(pattern, 'g'),
  );
  const keyMasked = (key: string) => keyPatterns.some((re) => re.test(key));
  const maskValue = (value: string) =>
    valuePatterns.reduce((text, re) => text.replace(re, '****'), value);

  const maskedKeys = [
    'password',
    'userPassword',
    'user_password',
    'USER_PASSWORD',
    'db.password',
    'passwd',
    'http.request.header.authorization',
    'authorizationHeader',
    'x-api-key',
    'X-Api-Key',
    'apiKey',
    'api_key',
    'API_KEY',
    'apikey',
    'ApiKey',
    'APIKey',
    'xApiKey',
    'cardNumber',
    'card_number',
    'CARD_NUMBER',
    'CardNumber',
    'card.pan',
    'pan',
    'userPin',
    'userPIN',
    'pin',
    'PIN',
    'pinCode',
    'PINCode',
    'otp',
    'otpCode',
    'cvv',
    'card.cvc',
    'secret',
    'clientSecret',
    'client_secret',
    'accessToken',
    'refresh_token',
    'TOKENValue',
    'session',
    'sessionId',
    'cookie',
    'set-cookie',
    'Set-Cookie',
    'http.response.header.set-cookie',
    'bvn',
    'user.bvn',
    'nin',
    'NIN',
    'account_number',
    'accountNumber',
    'AccountNumber',
  ];
  const keptKeys = [
    'span.kind',
    'SPAN_KIND',
    'company',
    'JAPAN',
    'spinner',
    'pinned',
    'OPEN_PINS',
    'opinion',
    'panel',
    'nine',
    'happen',
    'compass',
    'input_tokens',
    'gen_ai.usage.output_tokens',
    'Tokens',
    'tokenizer',
    'sessions',
    'http.route',
    'url.path',
    'http.request.method',
    'author',
    'keyboard',
    'keyId',
    'apiVersion',
    'XAPIKey',
    'capiKey',
    'accountId',
    'account.id',
    'card.brand',
    'cardholder',
    'cardNumbers',
    'bullmq.job.id',
  ];

  for (const key of maskedKeys) {
    test(`key ${key} is masked`, () => {
      assert.equal(keyMasked(key), true);
    });
  }
  for (const key of keptKeys) {
    test(`key ${key} is kept`, () => {
      assert.equal(keyMasked(key), false);
    });
  }

  const valueCases: [string, string][] = [
    ['Authorization: Bearer abc.def-123=', 'Authorization: ****'],
    ['bearer XYZ', '****'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', '****'],
    ['postgresql://app:hunter2@db:5432/x', 'postgresql****db:5432/x'],
    ['redis://:pw@cache:6379', 'redis****cache:6379'],
    ['/cb?signature=abc&x=1', '/cb****&x=1'],
    ['https://s3/x?X-Amz-Signature=abcd&X-Amz-Date=1', 'https://s3/x****&X-Amz-Date=1'],
    ['https://a/b?access_token=t0k&page=2', 'https://a/b****&page=2'],
    ['https://a/b?sig=abc', 'https://a/b****'],
    ['card 4111 1111 1111 1111 declined', 'card **** declined'],
    ['4111111111111111', '****'],
    ['5500-0000-0000-0004', '****'],
    [
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0B\n-----END PRIVATE KEY-----',
      '****',
    ],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBAD', '****'],
    // Kept: timestamps in ms and ns start with 1, ids are not digit runs.
    ['1733438810208', '1733438810208'],
    ['1733438810208123456', '1733438810208123456'],
    ['550e8400-e29b-41d4-a716-446655440000', '550e8400-e29b-41d4-a716-446655440000'],
    ['412345678901', '412345678901'],
    ['41111111111111111111', '41111111111111111111'],
    ['https://example.com/path?page=2', 'https://example.com/path?page=2'],
    ['https://user@host/x', 'https://user@host/x'],
    ['http://host:8080/path@x', 'http://host:8080/path@x'],
    ['Bearer', 'Bearer'],
    ['tokenize=1&x', 'tokenize=1&x'],
  ];
  for (const [input, expected] of valueCases) {
    test(`value ${JSON.stringify(input)}`, () => {
      assert.equal(maskValue(input), expected);
    });
  }

  test('status message rules match the attribute rules', () => {
    const statements: string[] =
      environmentConfig('production').processors['transform/redaction']
        .trace_statements;
    const fromStatements = statements.map((statement) => {
      const match =
        /^replace_pattern\(span\.status\.message, "((?:[^"\\]|\\.)*)", "\*\*\*\*"\)$/.exec(
          statement,
        );
      assert.ok(match, `unexpected statement: ${statement}`);
      // OTTL string literals escape backslashes and quotes.
      return match[1].replace(/\\(.)/g, '$1');
    });
    assert.deepEqual(fromStatements, redaction.blocked_values);
  });
});
