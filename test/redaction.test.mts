/**
 * The redaction rule set as a unit: key rules and their near-misses, value
 * patterns and their look-alikes, object walking, and the environment
 * variables that extend or turn off rules.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

const require = createRequire(import.meta.url);
const { Redactor, CIRCULAR_MARKER, MAX_DEPTH_MARKER } = require('../otel/redaction/redactor.js') as typeof import('../otel/redaction/redactor.ts');
const { splitWords } = require('../otel/redaction/words.js') as typeof import('../otel/redaction/words.ts');
const { KEY_RULE_NAMES } = require('../otel/redaction/key-rules.js') as typeof import('../otel/redaction/key-rules.ts');
const { isCardNumber, passesLuhn } = require('../otel/redaction/card-number.js') as typeof import('../otel/redaction/card-number.ts');
const { BUILTIN_RULE_NAMES, describeRedaction } = require('../otel/redaction.js') as typeof import('../otel/redaction.ts');
const { configFromEnv, splitPatternList } = require('../otel/config.js') as typeof import('../otel/config.ts');

const MASK = '[REDACTED]';
const redactor = new Redactor();

describe('splitWords', () => {
  const cases: [string, string[]][] = [
    ['cardPin', ['card', 'pin']],
    ['card_pin', ['card', 'pin']],
    ['card-pin', ['card', 'pin']],
    ['card.pin', ['card', 'pin']],
    ['Card Pin', ['card', 'pin']],
    ['cardPIN', ['card', 'pin']],
    ['APIKey', ['api', 'key']],
    ['X-Amz-Signature', ['x', 'amz', 'signature']],
    ['cvv2', ['cvv2']],
    ['last4Digits', ['last4', 'digits']],
    ['http.request.header.set-cookie', ['http', 'request', 'header', 'set', 'cookie']],
    ['__proto__', ['proto']],
  ];
  for (const [key, words] of cases) {
    test(`${key} -> ${words.join(' ')}`, () => {
      assert.deepEqual(splitWords(key), words);
    });
  }
});

describe('key rules', () => {
  // Each built-in key rule: keys it must match, then near-misses it must not.
  const rules: Record<string, { match: string[]; miss: string[] }> = {
    password: {
      match: ['password', 'userPassword', 'db.password', 'passwd', 'pwd', 'passphrase', 'PASSWORD', 'new_password_confirmation'],
      miss: ['passport', 'passwordChangedAt', 'password_policy', 'bypass'],
    },
    pin: {
      match: ['pin', 'card_pin', 'pinCode', 'PIN', 'transaction-pin', 'tpin', 'x-card-pin'],
      miss: ['spinner', 'shipping', 'pinned', 'pinned_at', 'pin_attempts', 'pinyin', 'opinion'],
    },
    otp: {
      match: ['otp', 'otpCode', 'sms_otp', 'totp'],
      miss: ['otp_expires_at', 'otp_length', 'hotpot', 'option'],
    },
    cvv: {
      match: ['cvv', 'cvv2', 'cardCvc', 'csc', 'security_code'],
      miss: ['cvv_required', 'security', 'code'],
    },
    secret: {
      match: ['secret', 'client_secret', 'secretKey', 'webhook-secret', 'secrets'],
      miss: ['secretary', 'secret_name'],
    },
    token: {
      match: ['token', 'access_token', 'accessToken', 'refreshToken', 'x-session-token', 'accesstoken', 'tokens'],
      miss: ['token_type', 'tokenType', 'token_expires_at', 'token_count', 'tokenizer', 'stoken'],
    },
    'api-key': {
      match: ['api_key', 'apiKey', 'APIKey', 'x-api-key', 'apikey', 'aws_access_key'],
      miss: ['api', 'key', 'api_version', 'monkey', 'api_key_name'],
    },
    authorization: {
      match: ['authorization', 'Authorization', 'proxy-authorization', 'http.request.header.authorization', 'auth', 'authorization_code'],
      miss: ['author', 'authority', 'oauth', 'auth_method', 'authorization_type'],
    },
    cookie: {
      match: ['cookie', 'Cookie', 'set-cookie', 'cookies', 'http.response.header.set-cookie'],
      miss: ['cookie_name', 'cookiejar'],
    },
    session: {
      match: ['session', 'sessionId', 'session_id', 'sid', 'JSESSIONID', 'connect.sid'],
      miss: ['session_count', 'sessions_status', 'obsession', 'side'],
    },
    bvn: {
      match: ['bvn', 'customerBvn', 'BVN', 'bvn_number'],
      miss: ['bvn_verified', 'bvnx', 'ebvn'],
    },
    nin: {
      match: ['nin', 'userNin', 'NIN'],
      miss: ['ninja', 'running', 'nine', 'pinning'],
    },
    'card-number': {
      match: ['card_number', 'cardNumber', 'cardnumber', 'card-no', 'pan', 'PAN', 'credit_card', 'cc_number'],
      miss: ['span', 'span_id', 'panel', 'card_type', 'card_number_length', 'card'],
    },
    'account-number': {
      match: ['account_number', 'accountNumber', 'bank_account_number', 'acct_no', 'nuban', 'iban'],
      miss: ['account', 'account_name', 'account_number_type', 'number'],
    },
    'private-key': {
      match: ['private_key', 'privateKey', 'signing_key', 'privatekey'],
      miss: ['private', 'public_key', 'key_id'],
    },
  };

  test('every built-in key rule has cases', () => {
    assert.deepEqual(Object.keys(rules).sort(), [...KEY_RULE_NAMES].sort());
  });

  for (const [rule, { match, miss }] of Object.entries(rules)) {
    for (const key of match) {
      test(`${rule} matches ${key}`, () => {
        assert.equal(redactor.isSecretKey(key), true);
        assert.equal(redactor.redactValue(key, 'v4lue'), MASK);
      });
    }
    for (const key of miss) {
      test(`${rule} leaves ${key}`, () => {
        assert.equal(redactor.isSecretKey(key), false);
        assert.equal(redactor.redactValue(key, 'v4lue'), 'v4lue');
      });
    }
    test(`${rule} can be turned off`, () => {
      const off = new Redactor({ disabled: [rule] });
      assert.equal(off.isSecretKey(match[0]), false);
    });
  }

  test('booleans, null and empty strings stay under secret keys', () => {
    assert.equal(redactor.redactValue('password', true), true);
    assert.equal(redactor.redactValue('password', null), null);
    assert.equal(redactor.redactValue('password', ''), '');
    assert.equal(redactor.redactValue('pin', 1234), MASK);
    assert.equal(redactor.redactValue('cookies', { sid: 'x' }), MASK);
  });
});

describe('value patterns', () => {
  const basic = (credentials: string) => Buffer.from(credentials).toString('base64');
  // [rule, input, expected output]
  const cases: [string, string, string][] = [
    ['bearer', 'Bearer abcdef123456', `Bearer ${MASK}`],
    ['bearer', 'sent bearer ya29.a0AfH6SMB-x_y~z/+= to API', `sent bearer ${MASK} to API`],
    ['basic-auth', `Basic ${basic('ada:hunter2')}`, `Basic ${MASK}`],
    ['jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.Sfl_KxwRJSMeKKF2QT4fwpM', MASK],
    ['jwt', 'jwe eyJhbGciOiJSU0EifQ.OKOawDo13gRp2o.48V1_ALb6US04U3b.5eym8TW_c8SuK.XFBoMYUZodetZdvTiFvSkQ', `jwe ${MASK}`],
    ['url-credentials', 'postgres://app:s3cret@db:5432/pay', `postgres://app:${MASK}@db:5432/pay`],
    ['url-credentials', 'redis://:s3cret@cache:6379', `redis://:${MASK}@cache:6379`],
    ['url-credentials', 'https://ghp_tokenonly@github.com/org/repo', `https://${MASK}@github.com/org/repo`],
    ['url-credentials', 'amqp://user:p@ss@mq/vhost', `amqp://user:${MASK}@mq/vhost`],
    ['url-signature', 'https://s3/x.pdf?X-Amz-Credential=AKID%2F2026&X-Amz-Date=20261204&X-Amz-Signature=9f8e7d', `https://s3/x.pdf?X-Amz-Credential=${MASK}&X-Amz-Date=20261204&X-Amz-Signature=${MASK}`],
    ['url-signature', 'sig=abc&sv=2024&se=2026', `sig=${MASK}&sv=2024&se=2026`],
    ['url-signature', 'https://cdn/x?signature=abc', `https://cdn/x?signature=${MASK}`],
    ['pan', '4111111111111111', '411111******1111'],
    ['pan', 'card 4111 1111 1111 1111 declined', 'card 411111******1111 declined'],
    ['pan', '5555-5555-5555-4444', '555555******4444'],
    ['pan', '2221000000000009', '222100******0009'],
    ['pan', '2720999999999996', '272099******9996'],
    ['pan', '378282246310005', '378282*****0005'],
    ['pan', '30569309025904', '305693****5904'],
    ['pan', '3530111333300000', '353011******0000'],
    ['pan', '6011111111111117', '601111******1117'],
    ['pan', '5060991234567890129', '506099*********0129'],
    ['pan', '4000056655665555660', '400005*********5660'],
    ['pan', 'ref 2026 4111 1111 1111 1111', 'ref 2026 411111******1111'],
    // 61 4820334 6011 passes Luhn under the wide 6 prefix and overlaps the real card.
    ['pan', 'job 61-4820334 6011 1111 1111 1117', 'job 614820***************1117'],
    ['pem', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', MASK],
    ['pem', 'key: -----BEGIN PRIVATE KEY-----\\nMIIEvQIBADAN', `key: ${MASK}`],
    ['vendor-key', 'PAYSTACK_SECRET_KEY is sk_live_4f3c2b1a0d9e8f7', `PAYSTACK_SECRET_KEY is ${MASK}`],
    ['vendor-key', 'aws AKIAIOSFODNN7EXAMPLE', `aws ${MASK}`],
  ];
  for (const [rule, input, expected] of cases) {
    test(`${rule}: ${JSON.stringify(input).slice(0, 60)}`, () => {
      assert.equal(redactor.redactString(input), expected);
    });
  }

  // Look-alikes that no rule may touch.
  const harmless: [string, string][] = [
    ['order id', 'ORD-20261204-000123'],
    ['10-digit amount', 'amount 1234567890 kobo'],
    ['13-digit timestamp passing Luhn', 'at 1733312345676'],
    ['19-digit nanosecond timestamp passing Luhn', '1796400467925000001'],
    ['non-Luhn 16 digits', '4111111111111112'],
    ['Luhn-valid but no issuer prefix', '7012345678901234'],
    ['Mastercard range minus one', '2220999999999991'],
    ['Mastercard range plus one', '2721000000000004'],
    ['Visa prefix, wrong length', '40000566556652'],
    ['11-digit phone number', 'call 08031234567'],
    ['20-digit run', '41111111111111111111'],
    ['card number inside a word', 'ref4111111111111111x'],
    ['UUID', '0b8d9a4e-5c1f-4b7e-9d3a-2f6e8c1b7a90'],
    ['trace id', '4bf92f3577b34da6a3ce929d0e0e4736'],
    ['Basic as a word', 'Basic plan upgraded'],
    ['bearer as a word', 'the bearer of this note'],
    ['eyJ without dots', 'eyJhbGciOiJIUzI1NiJ9'],
    ['e-mail address', 'ada.obi@example.com'],
    ['URL without userinfo', 'https://api.paystack.co/transaction/verify/pay_1?perPage=50'],
    ['stack frame of a token module', 'at verify (/app/src/auth/token.ts:12:5)'],
    ['public key prefix', 'pk_live_4f3c2b1a0d9e8f7'],
    ['SQL with placeholders', 'SELECT "id" FROM "users" WHERE ("id" = $1 AND 1=1) OFFSET $2'],
    ['token_type in JSON', '{"token_type":"Bearer","expires_in":3600}'],
  ];
  for (const [name, text] of harmless) {
    test(`leaves ${name}`, () => {
      assert.equal(redactor.redactString(text), text);
    });
  }

  test('each value rule can be turned off', () => {
    for (const [rule, input, expected] of cases) {
      if (input === expected) continue;
      const off = new Redactor({ disabled: [rule] });
      assert.equal(off.redactString(input), input, `${rule} off: ${input}`);
    }
  });

  test('pan off also leaves numeric card numbers', () => {
    const off = new Redactor({ disabled: ['pan'] });
    assert.equal(off.redactValue('card', 4111111111111111), 4111111111111111);
  });

  test('Luhn check', () => {
    assert.equal(passesLuhn('4111111111111111'), true);
    assert.equal(passesLuhn('4111111111111112'), false);
    assert.equal(isCardNumber('1733312345676'), false, 'Luhn-valid timestamp');
  });
});

describe('key/value pairs in text', () => {
  const cases: [string, string, string][] = [
    ['query string', 'password=hunter2&x=1', `password=${MASK}&x=1`],
    ['percent-encoded key', 'user%5Bpassword%5D=hunter2&y=2', `user%5Bpassword%5D=${MASK}&y=2`],
    ['header line', 'Authorization: Basic abc', `Authorization: ${MASK}`],
    ['cookie header', 'Cookie: sid=abc; theme=dark', `Cookie: ${MASK}; theme=dark`],
    ['Prisma argument dump', '  data: {\n    pin: "0718",\n    reference: {', `  data: {\n    pin: "${MASK}",\n    reference: {`],
    ['util.inspect', "{ cvv: '0472', amount: 5000 }", `{ cvv: '${MASK}', amount: 5000 }`],
    ['SQL literal', "UPDATE users SET password = 'x' WHERE id = 1", `UPDATE users SET password = '${MASK}' WHERE id = 1`],
    ['escaped JSON', 'job \\"otp\\":\\"048213\\" done', `job \\"otp\\":\\"${MASK}\\" done`],
    ['log line', 'login failed pin=1234 user=ada', `login failed pin=${MASK} user=ada`],
    ['pair inside a quoted value', 'for type uuid: "job-7 pin=0615"', `for type uuid: "job-7 pin=${MASK}"`],
    ['boolean kept', 'pin_set=true password: null', 'pin_set=true password: null'],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => {
      assert.equal(redactor.redactString(input), expected);
    });
  }

  test('JSON text is parsed and walked', () => {
    const text = JSON.stringify({ password: 'x', card: { number: '4242424242424242', cvv: '123' }, note: 'ok' });
    assert.deepEqual(JSON.parse(redactor.redactString(text)), {
      password: MASK,
      card: { number: '424242******4242', cvv: MASK },
      note: 'ok',
    });
  });

  test('clean JSON text keeps its formatting', () => {
    const text = '{ "amount": 5000,\n  "currency": "NGN" }';
    assert.equal(redactor.redactString(text), text);
  });

  test('JSON string holding JSON', () => {
    const text = JSON.stringify(JSON.stringify({ token: 'abc' }));
    assert.equal(JSON.parse(JSON.parse(redactor.redactString(text))).token, MASK);
  });
});

describe('redactObject', () => {
  test('unchanged objects come back as the same reference', () => {
    const value = { a: [1, 'two', { three: true }], when: new Date(0) };
    assert.equal(redactor.redactObject(value), value);
  });

  test('copies instead of changing the input', () => {
    const value = { user: { password: 'x', name: 'Ada' } };
    const redacted = redactor.redactObject(value);
    assert.deepEqual(redacted, { user: { password: MASK, name: 'Ada' } });
    assert.equal(value.user.password, 'x');
  });

  test('arrays, nested arrays and numbers', () => {
    const redacted = redactor.redactObject({
      cards: ['5555 5555 5555 4444', ['4012888888881881']],
      numeric: 4111111111111111,
      amount: 1234567890,
      at: 1733312345676,
    });
    assert.deepEqual(redacted, {
      cards: ['555555******4444', ['401288******1881']],
      numeric: '411111******1111',
      amount: 1234567890,
      at: 1733312345676,
    });
  });

  test('cycles become [Circular]', () => {
    const value: Record<string, unknown> = { name: 'loop', pin: '1234' };
    value.self = value;
    assert.deepEqual(redactor.redactObject(value), { name: 'loop', pin: MASK, self: CIRCULAR_MARKER });
  });

  test('shared references are not cycles', () => {
    const shared = { note: 'same' };
    const value = { a: shared, b: shared, pin: '1' };
    assert.deepEqual(redactor.redactObject(value), { a: shared, b: shared, pin: MASK });
  });

  test('depth limit replaces deeper objects', () => {
    const value = { l1: { l2: { l3: { secret: 'x' } } } };
    assert.deepEqual(redactor.redactObject(value, 2), { l1: { l2: MAX_DEPTH_MARKER } });
  });

  test('maps, sets and errors', () => {
    const redacted = redactor.redactObject({
      map: new Map([['token', 'abc'], ['other', 'ok']]),
      set: new Set(['4111111111111111']),
      error: new Error('card 4111111111111111 declined'),
    }) as { map: Map<string, string>; set: Set<string>; error: { message: string; stack: string } };
    assert.equal(redacted.map.get('token'), MASK);
    assert.equal(redacted.map.get('other'), 'ok');
    assert.deepEqual([...redacted.set], ['411111******1111']);
    assert.equal(redacted.error.message, 'card 411111******1111 declined');
    assert.ok(!redacted.error.stack.includes('4111111111111111'));
  });

  test('a parsed __proto__ key stays data', () => {
    const value = JSON.parse('{"__proto__": {"pin": "0718"}, "note": "x"}');
    const redacted = redactor.redactObject(value);
    assert.equal(Object.getPrototypeOf(redacted), Object.prototype);
    assert.deepEqual(Object.keys(redacted), ['__proto__', 'note']);
    assert.equal(redacted.__proto__.pin, MASK);
  });

  test('null-prototype objects stay so', () => {
    const value = Object.assign(Object.create(null), { pin: '1' });
    const redacted = redactor.redactObject(value);
    assert.equal(Object.getPrototypeOf(redacted), null);
    assert.equal(redacted.pin, MASK);
  });
});

describe('redactAttributes', () => {
  test('clean attributes are returned as they are', () => {
    const attributes = { 'http.route': '/payments', 'http.response.status_code': 201 };
    assert.equal(redactor.redactAttributes(attributes), attributes);
  });

  test('secret keys, strings, arrays and numbers', () => {
    const attributes = {
      'http.request.header.authorization': ['Bearer abcdef123456'],
      'url.query': 'access_token=abc&page=2',
      'app.cards': ['4111111111111111', 'none'],
      'app.card': 4111111111111111,
      'bullmq.job.processed.timestamp': 1733312345676,
    };
    assert.deepEqual(redactor.redactAttributes(attributes), {
      'http.request.header.authorization': MASK,
      'url.query': `access_token=${MASK}&page=2`,
      'app.cards': ['411111******1111', 'none'],
      'app.card': '411111******1111',
      'bullmq.job.processed.timestamp': 1733312345676,
    });
    assert.equal(attributes['url.query'], 'access_token=abc&page=2', 'input unchanged');
  });
});

describe('user configuration', () => {
  test('extra keys match word by word', () => {
    const custom = new Redactor({ keys: ['national_id', 'mothersMaidenName'] });
    assert.equal(custom.redactValue('national_id', 'A123'), MASK);
    assert.equal(custom.redactValue('user.nationalId', 'A123'), MASK);
    assert.equal(custom.redactValue('mothers_maiden_name', 'Obi'), MASK);
    assert.equal(custom.redactValue('national', 'NG'), 'NG');
    assert.equal(custom.redactValue('national_id_type', 'NIN'), 'NIN');
  });

  test('extra patterns mask every match', () => {
    const custom = new Redactor({ patterns: [/VIP-\d{4}/g] });
    assert.equal(custom.redactString('ref VIP-1234 and VIP-9876'), `ref ${MASK} and ${MASK}`);
  });

  test('summary names the rules that are on and off', () => {
    const summary = describeRedaction(
      new Redactor({ keys: ['national_id'], patterns: [/x/g], disabled: ['pan', 'jwt'] }),
    );
    assert.equal(
      summary,
      'redaction: on, keys password, pin, otp, cvv, secret, token, api-key, authorization, cookie, session, bvn, nin, card-number, account-number, private-key, national_id; values pem, url-credentials, url-signature, bearer, basic-auth, vendor-key, 1 custom; off: jwt, pan',
    );
  });
});

describe('redaction environment variables', () => {
  const cwd = process.cwd();

  test('defaults', () => {
    const { config, warnings } = configFromEnv({}, cwd);
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.redaction, { keys: [], patterns: [], disabled: [] });
    assert.deepEqual(config.propagateTo, ['private']);
  });

  test('TELEMETRY_REDACT_KEYS and TELEMETRY_REDACT_DISABLE', () => {
    const { config, warnings } = configFromEnv(
      {
        TELEMETRY_REDACT_KEYS: 'national_id, mothers_maiden_name,--',
        TELEMETRY_REDACT_DISABLE: 'PAN,jwt,luhn',
      },
      cwd,
    );
    assert.deepEqual(config.redaction.keys, ['national_id', 'mothers_maiden_name']);
    assert.deepEqual(config.redaction.disabled, ['pan', 'jwt']);
    assert.deepEqual(warnings, [
      'TELEMETRY_REDACT_KEYS has an entry without letters or digits, "--"; ignoring it',
      `TELEMETRY_REDACT_DISABLE names an unknown rule "luhn" (rules: ${BUILTIN_RULE_NAMES.join(', ')}); ignoring it`,
    ]);
  });

  test('TELEMETRY_REDACT_PATTERNS skips invalid ones', () => {
    const { config, warnings } = configFromEnv(
      { TELEMETRY_REDACT_PATTERNS: 'VIP-\\d{2,4},(unclosed,x*,ACME-[A-Z,]+' },
      cwd,
    );
    assert.deepEqual(
      config.redaction.patterns.map((p) => p.source),
      ['VIP-\\d{2,4}', 'ACME-[A-Z,]+'],
    );
    assert.ok(config.redaction.patterns.every((p) => p.global));
    assert.deepEqual(warnings, [
      'TELEMETRY_REDACT_PATTERNS has an invalid regular expression "(unclosed" (Invalid regular expression: /(unclosed/g: Unterminated group); skipping it',
      'TELEMETRY_REDACT_PATTERNS has a regular expression that matches the empty string, "x*"; skipping it',
    ]);
  });

  test('pattern list splits at top-level commas only', () => {
    assert.deepEqual(splitPatternList('a{1,2},[x,y]z,b\\,c, d '), ['a{1,2}', '[x,y]z', 'b,c', 'd']);
  });

  test('TELEMETRY_PROPAGATE_TO entries', () => {
    const { config, warnings } = configFromEnv(
      { TELEMETRY_PROPAGATE_TO: 'private, .Partner.example,api.vtpass.com,10.0.0.7,[::1],*.cdn.example,https://x.example/' },
      cwd,
    );
    assert.deepEqual(config.propagateTo, ['private', '.partner.example', 'api.vtpass.com', '10.0.0.7', '::1', '.cdn.example']);
    assert.deepEqual(warnings, [
      'TELEMETRY_PROPAGATE_TO has an invalid entry "https://x.example/" (expected a host name, a .domain suffix, an IP address, private, * or none); ignoring it',
    ]);
    assert.deepEqual(configFromEnv({ TELEMETRY_PROPAGATE_TO: 'none' }, cwd).config.propagateTo, []);
  });
});

describe('RedactingSpanProcessor', () => {
  const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { SpanStatusCode } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { RedactingSpanProcessor } = require('../otel/redaction/span-processor.js') as typeof import('../otel/redaction/span-processor.ts');

  async function exportOne(redactorOf: () => InstanceType<typeof Redactor>, build: (span: any) => void) {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new RedactingSpanProcessor(redactorOf), new SimpleSpanProcessor({ exporter })],
    });
    const span = provider.getTracer('test').startSpan('GET /payments/4111111111111111', {
      attributes: { 'url.query': 'token=abc&page=2' },
    });
    build(span);
    span.end();
    await provider.forceFlush();
    return exporter.getFinishedSpans()[0];
  }

  test('exported spans carry no secrets', async () => {
    const span = await exportOne(() => redactor, (s) => {
      s.setAttribute('http.request.header.authorization', ['Bearer abcdef123456']);
      s.setAttribute('db.query.text', "UPDATE users SET pin = '0718' WHERE id = 1");
      s.addEvent('job completed', { 'bullmq.job.result': JSON.stringify({ otp: '048213', sent: true }) });
      s.recordException(new Error('card 5555 5555 5555 4444 declined'));
      s.setStatus({ code: SpanStatusCode.ERROR, message: 'card 5555 5555 5555 4444 declined' });
    });
    assert.equal(span.name, 'GET /payments/411111******1111');
    assert.equal(span.attributes['url.query'], `token=${MASK}&page=2`);
    assert.equal(span.attributes['http.request.header.authorization'], MASK);
    assert.equal(span.attributes['db.query.text'], `UPDATE users SET pin = '${MASK}' WHERE id = 1`);
    assert.equal(span.events[0].attributes?.['bullmq.job.result'], `{"otp":"${MASK}","sent":true}`);
    assert.equal(span.events[1].attributes?.['exception.message'], 'card 555555******4444 declined');
    assert.ok(!String(span.events[1].attributes?.['exception.stacktrace']).includes('5555 5555'));
    assert.equal(span.status.message, 'card 555555******4444 declined');
  });

  test('fails closed when redaction throws', async () => {
    const broken = () => {
      throw new Error('broken rule set');
    };
    const stderr = process.stderr.write;
    process.stderr.write = () => true;
    try {
      const span = await exportOne(broken as never, (s) => {
        s.addEvent('note', { text: 'pin=0718' });
        s.setStatus({ code: SpanStatusCode.ERROR, message: 'pin=0718' });
      });
      assert.equal(span.attributes['url.query'], MASK);
      assert.equal(span.events[0].attributes?.text, MASK);
      assert.equal(span.status.message, MASK);
    } finally {
      process.stderr.write = stderr;
    }
  });
});
