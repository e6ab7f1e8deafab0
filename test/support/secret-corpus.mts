/**
 * The secret corpus: each case puts one secret into one spot of a request,
 * a webhook, a queue job or an outgoing call of the reference service, next
 * to a marker. The corpus test checks that the marker reaches the exits the
 * spot is recorded in (so the case really exercises a path) and that the
 * secret reaches none.
 *
 * Secrets are distinctive so that a hit cannot be a coincidence. Short
 * numeric ones (PINs, OTPs, CVVs) are searched for as whole numbers only.
 */

export type Exit = 'spans' | 'errors';

/** True for a PIN, OTP or CVV: digits only, fewer than ten. */
export function isShortNumber(secret: string): boolean {
  return /^\d{1,9}$/.test(secret);
}

/**
 * True when `secret` occurs in `text`. Short numbers count only as whole
 * numbers: a 4-digit PIN turns up inside timestamps and ids by chance.
 */
export function occurs(text: string, secret: string): boolean {
  if (!isShortNumber(secret)) return text.includes(secret);
  return new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`).test(text);
}

export interface CorpusContext {
  /** POST with a JSON body; returns the status. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<number>;
  get(path: string, headers?: Record<string, string>): Promise<number>;
  /**
   * A signed Paystack `charge.success` whose `data` holds `data`. Its
   * `reference` is an object, not a string, so storing it fails with a
   * Prisma validation error that quotes the whole payload: the service
   * answers 500 and reports the error.
   */
  brokenWebhook(marker: string, data: Record<string, unknown>): Promise<number>;
  /**
   * A notification job whose `notificationId` is not a UUID: the worker's
   * Prisma query fails with Postgres quoting the value, and the job fails
   * for good on its only attempt, so the error is reported.
   */
  enqueueNotification(notificationId: string): Promise<void>;
}

export interface CorpusCase {
  /** Where the secret is placed; also the test name. */
  spot: string;
  secret: string;
  /** Other spellings of the same secret, such as a card number without spaces. */
  alsoAs?: string[];
  /** Exits this spot is recorded in. */
  reaches: Exit[];
  send(context: CorpusContext, marker: string): Promise<unknown>;
}

const basic = (credentials: string) => Buffer.from(credentials).toString('base64');
const jwt = (subject: string) =>
  [
    Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url'),
    Buffer.from(JSON.stringify({ sub: subject, iat: 1796400000 })).toString('base64url'),
    Buffer.from(`signature-${subject}`).toString('base64url'),
  ].join('.');

const PEM_BODY_LINE = 'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjMcorpusPemLine24';
const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  PEM_BODY_LINE,
  'hJrw0Ofw4Yb6mFTzV7cLk0p0corpusSecondLine',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

/** `POST /payments` with an extra field: the API answers 400, the body is still recorded. */
const bodyCase = (
  spot: string,
  secret: string,
  field: (secret: string) => Record<string, unknown>,
  alsoAs?: string[],
): CorpusCase => ({
  spot: `JSON body: ${spot}`,
  secret,
  alsoAs,
  reaches: ['spans'],
  send: (c, marker) =>
    c.post('/payments', { caseId: marker, amount: 5000, currency: 'NGN', ...field(secret) }),
});

const queryCase = (spot: string, secret: string, query: (secret: string) => string): CorpusCase => ({
  spot: `query string: ${spot}`,
  secret,
  reaches: ['spans'],
  send: (c, marker) => c.post(`/payments?case=${marker}&${query(secret)}`, {}),
});

const headerCase = (name: string, value: string, secret = value): CorpusCase => ({
  spot: `header: ${name}`,
  secret,
  reaches: ['spans'],
  send: (c, marker) => c.get(`/payments/not-a-uuid`, { 'x-corpus-case': marker, [name]: value }),
});

const webhookCase = (spot: string, secret: string, data: (secret: string) => Record<string, unknown>, alsoAs?: string[]): CorpusCase => ({
  spot: `webhook payload quoted in an error: ${spot}`,
  secret,
  alsoAs,
  reaches: ['spans', 'errors'],
  send: (c, marker) => c.brokenWebhook(marker, data(secret)),
});

const jobCase = (spot: string, secret: string, notificationId: (secret: string) => string, alsoAs?: string[]): CorpusCase => ({
  spot: `job data quoted by a Prisma query error: ${spot}`,
  secret,
  alsoAs,
  reaches: ['spans', 'errors'],
  send: (c, marker) => c.enqueueNotification(`${marker} ${notificationId(secret)}`),
});

const digitsOnly = (card: string) => [card.replace(/[ -]/g, '')];

export const CORPUS: CorpusCase[] = [
  // The request body, recorded as JSON on the server span.
  bodyCase('password', 'Hunter2-corpus-pw', (s) => ({ password: s })),
  bodyCase('pin', '0718', (s) => ({ pin: s })),
  bodyCase('camelCase cardPin', '0931', (s) => ({ cardPin: s })),
  bodyCase('otp', '048213', (s) => ({ otp: s })),
  bodyCase('cvv', '0472', (s) => ({ cvv: s })),
  bodyCase('card number under a harmless key', '4111 1111 1111 1111', (s) => ({ card: { number: s, expiry: '12/29' } }), digitsOnly('4111 1111 1111 1111')),
  bodyCase('accessToken', 'at-corpus-7c1e9a', (s) => ({ accessToken: s })),
  bodyCase('apiKey', 'ak-corpus-55d0f3', (s) => ({ apiKey: s })),
  bodyCase('client_secret', 'cs-corpus-a81b22', (s) => ({ client_secret: s })),
  bodyCase('sessionId', 'sess-corpus-9f1d', (s) => ({ sessionId: s })),
  bodyCase('bvn', '22212345678', (s) => ({ bvn: s })),
  bodyCase('nin', '70123456789', (s) => ({ nin: s })),
  bodyCase('account_number', '0098765432', (s) => ({ account_number: s })),
  bodyCase('nested accountNumber', '0011223344', (s) => ({ customer: { bank: { name: 'Test Bank', accountNumber: s } } })),
  bodyCase('nin inside an array of objects', '71234567890', (s) => ({ kyc: { documents: [{ type: 'NIN', nin: s }] } })),
  bodyCase('nested credentials.password', 'Cr3d-corpus-pw', (s) => ({ credentials: { username: 'ada', password: s } })),
  bodyCase('card number in an array', '5555 5555 5555 4444', (s) => ({ cards: [s] }), digitsOnly('5555 5555 5555 4444')),
  bodyCase('account_number in an array of objects', '0055667788', (s) => ({ beneficiaries: [{ name: 'Ada', account_number: s }] })),
  bodyCase('card number with dashes in free text', '5105-1051-0510-5100', (s) => ({ note: `please charge ${s} today` }), digitsOnly('5105-1051-0510-5100')),
  bodyCase('URL userinfo password', 'mpw-corpus-20', (s) => ({ callbackUrl: `https://merchant:${s}@merchant.example/cb` })),
  bodyCase('signed URL', 'sig-corpus-21abc', (s) => ({ receiptUrl: `https://files.example/r.pdf?X-Amz-Date=20261204&X-Amz-Signature=${s}` })),
  bodyCase('JWT under a harmless key', jwt('corpus-22'), (s) => ({ meta: { assertion: s } })),
  bodyCase('Bearer token in free text', 'brr-corpus-23-token', (s) => ({ description: `retry with Bearer ${s} please` })),
  bodyCase('PEM private key', PEM_BODY_LINE, () => ({ config: PEM })),
  bodyCase('Paystack secret key', 'sk_live_corpus25abcdef1234', (s) => ({ paystack: s })),
  bodyCase('custom key mothers_maiden_name', 'Okonkwo-corpus-26', (s) => ({ mothers_maiden_name: s })),
  bodyCase('custom key national_id', 'NI-corpus-27-77', (s) => ({ national_id: s })),
  bodyCase('custom pattern', 'VIP-CUSTREF-4412-QXZA', (s) => ({ reference: s })),
  bodyCase('card number as a JSON number', '4242424242424242', (s) => ({ legacyCard: Number(s) })),
  bodyCase('JSON text inside a field', '0542', (s) => ({ payload: JSON.stringify({ pin: s }) })),
  bodyCase('2-series Mastercard', '2221000000000009', (s) => ({ memo: `card ${s}` })),
  bodyCase('19-digit Verve card', '5060991234567890129', (s) => ({ memo: `verve ${s}` })),
  bodyCase('American Express', '3782 822463 10005', (s) => ({ memo: s }), digitsOnly('3782 822463 10005')),

  // The query string (url.query, and url.full on the Nest span).
  queryCase('password', 'qpw-corpus-31', (s) => `password=${s}`),
  queryCase('access_token', 'qat-corpus-32', (s) => `access_token=${s}`),
  queryCase('sig', 'qsig-corpus-33', (s) => `sig=${s}`),
  queryCase('card number', '4000056655665556', (s) => `card=${s}`),
  queryCase('percent-encoded user[pin]', '0863', (s) => `user%5Bpin%5D=${s}`),
  queryCase('JWT under a harmless name', jwt('corpus-36'), (s) => `assertion=${s}`),
  queryCase('apikey', 'qak-corpus-37', (s) => `apikey=${s}`),

  // A user id that is a card number: the PostHog distinct id of the
  // payment's product events and of the user's identify call.
  {
    spot: 'PostHog distinct id: card number as the user id',
    secret: '4084084084084081',
    reaches: ['spans'],
    send: (c, marker) =>
      c.post(`/payments?case=${marker}`, {
        userId: '4084084084084081',
        amount: 5000,
        currency: 'NGN',
        method: 'card',
      }),
  },

  // The path (url.path, url.full).
  {
    spot: 'path: card number',
    secret: '4005519200000004',
    reaches: ['spans'],
    send: (c, marker) => c.get(`/payments/4005519200000004?case=${marker}`),
  },
  {
    spot: 'path: JWT',
    secret: jwt('corpus-39'),
    reaches: ['spans'],
    send: (c, marker) => c.get(`/payments/${jwt('corpus-39')}?case=${marker}`),
  },

  // Request headers, recorded as http.request.header.<name>.
  headerCase('authorization', 'Bearer hbr-corpus-40-token', 'hbr-corpus-40-token'),
  headerCase('proxy-authorization', `Basic ${basic('merchant:hpw-corpus-41')}`, basic('merchant:hpw-corpus-41')),
  headerCase('cookie', 'session=hck-corpus-42; theme=dark', 'hck-corpus-42'),
  headerCase('x-api-key', 'hak-corpus-43'),
  headerCase('x-card-pin', '0274'),
  headerCase('x-session-token', 'hst-corpus-45'),
  headerCase('x-webhook-secret', 'hws-corpus-46'),

  // A webhook payload quoted by Prisma's validation error: Sentry event,
  // local sink error, and the exception event on the handler span.
  webhookCase('customer pin', '0391', (s) => ({ customer: { email: 'ada@example.com', pin: s } })),
  webhookCase('authorization_code', 'AUTH_corpus48xyz', (s) => ({ authorization: { authorization_code: s, last4: '4081' } })),
  webhookCase('card_number', '6011000990139424', (s) => ({ card_number: s })),
  webhookCase('bvn', '22298765432', (s) => ({ customer: { bvn: s } })),
  webhookCase('JWT under a harmless key', jwt('corpus-51'), (s) => ({ metadata: { assertion: s } })),
  webhookCase('card number in free text', '3530 1113 3330 0000', (s) => ({ customer: { note: `card ${s} expired` } }), digitsOnly('3530 1113 3330 0000')),

  // Job data that ends up in a Prisma query parameter and its error.
  jobCase('card number', '2223 0031 2200 3222', (s) => s, digitsOnly('2223 0031 2200 3222')),
  jobCase('pin=', '0615', (s) => `pin=${s}`),
  jobCase('Bearer token', 'jbr-corpus-55-token', (s) => `Bearer ${s}`),
  jobCase('JWT', jwt('corpus-56'), (s) => s),
  jobCase('URL userinfo', 'jpw-corpus-57', (s) => `https://svc:${s}@internal.example/x`),
  jobCase('JSON with an otp', '093417', (s) => JSON.stringify({ otp: s })),
  jobCase('Discover card', '6011 1111 1111 1117', (s) => s, digitsOnly('6011 1111 1111 1117')),
];

/**
 * Secrets in the notification provider's URL: every EMAIL delivery is an
 * outgoing `fetch` whose span records `url.full` and `url.query`. The
 * corpus test builds `NOTIFICATION_PROVIDER_URL` from these.
 */
export const OUTGOING_URL_SECRETS = {
  accessToken: 'out-corpus-59-token',
  signature: 'out-corpus-60-signature',
};

/** Values that look like secrets but are not; they must arrive unchanged. */
export const LOOKALIKES: Record<string, string | number> = {
  orderId: 'ORD-20261204-000123',
  amountKobo: 1234567890,
  createdAtMs: 1733312345676,
  reference: '4111111111111112',
  // An 11-digit number under a harmless key: masked only by key (bvn, nin),
  // never by its shape, because phone numbers look the same.
  ticket_number: '08031234567',
  span_id: 'a1b2c3d4e5f60718',
  shipping: 'express-shipping',
  pinned_at: '2026-12-04T10:00:00Z',
  spinner: 'spinner-lookalike',
  token_type: 'Bearer',
  running: 'running-lookalike',
};
