/**
 * No secret leaves the process, whichever exit it takes. The real service
 * runs with the preload against real Postgres and Redis; every case of the
 * secret corpus is driven through it, and every byte its exits produce is
 * searched: the raw request bodies the capture server received (OTLP
 * protobuf, Sentry envelopes), their decoded form, and every file of the
 * local sink.
 *
 * Deployments:
 * - Sentry: traces over OTLP to Sentry's endpoint, errors as envelopes;
 * - collector: traces as OTLP to a collector, errors to Sentry;
 * - local sink: no credentials, everything on disk;
 * - control: local sink with every built-in rule off and no custom rules,
 *   where every secret must show up, proving each case reaches an exit.
 *
 * In the Sentry and collector deployments, Better Stack and PostHog are on
 * too, pointed at the same capture server, so log records and product events
 * are searched as well.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Queue } from 'bullmq';
import { chargeSuccessEvent, signPaystack } from '../scripts/lib/paystack.mts';
import {
  freePort,
  startService,
  waitFor,
  waitForHealthy,
  type ServiceProcess,
} from '../scripts/lib/processes.mts';
import { startProviderStandIn, type ProviderStandIn } from '../scripts/lib/provider-stand-in.mts';
import { startCaptureServer, type CaptureServer } from './support/capture-server.mts';
import { prepareDatabase, serviceEnv, TEST_REDIS_URL, uniqueId } from './support/env.mts';
import {
  CORPUS,
  LOOKALIKES,
  OUTGOING_URL_SECRETS,
  isShortNumber,
  occurs,
  type CorpusContext,
  type Exit,
} from './support/secret-corpus.mts';

const require = createRequire(import.meta.url);

/** The source holding every request body as received, binary included. */
const RAW_BODIES = 'raw request bodies';
const { BUILTIN_RULE_NAMES } = require('../otel/redaction.js') as typeof import('../otel/redaction.ts');
const { isCardNumber } = require('../otel/redaction/card-number.js') as typeof import('../otel/redaction/card-number.ts');

const PAYSTACK_SECRET = 'sk_test_corpus_webhook_key';
const CUSTOM_RULES = {
  TELEMETRY_REDACT_KEYS: 'mothers_maiden_name,national_id',
  TELEMETRY_REDACT_PATTERNS: 'VIP-CUSTREF-\\d{4}-[A-Z]{4}',
};

type Deployment = 'sentry' | 'collector' | 'local sink' | 'control';

/** Text of everything one exit produced, in the forms worth searching. */
interface Captured {
  /** Source name, for failure messages, to its text. */
  sources: Record<string, string>;
  /** Text per exit, where markers must show up. */
  exits: Record<Exit, string>;
}

function readSink(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir).map((file) => [`local sink ${file}`, readFileSync(join(dir, file), 'utf8')]),
  );
}

class CorpusRun {
  readonly runId = randomBytes(4).toString('hex');
  private capture?: CaptureServer;
  private provider?: ProviderStandIn;
  private service?: ServiceProcess;
  private queue?: Queue;
  private baseUrl = '';
  private env: Record<string, string | undefined> = {};

  readonly deployment: Deployment;

  constructor(deployment: Deployment) {
    this.deployment = deployment;
  }

  /** Letters around the numbers, so a marker never joins a card number next to it. */
  marker(index: number): string {
    return `corpus${index}x${this.runId}k`;
  }

  get outgoingMarker(): string {
    return `outgoing-${this.runId}`;
  }

  async start(): Promise<void> {
    await prepareDatabase();
    this.provider = await startProviderStandIn();
    const port = await freePort();
    this.baseUrl = `http://127.0.0.1:${port}`;
    const providerUrl = `${this.provider.url}/hooks?access_token=${OUTGOING_URL_SECRETS.accessToken}&X-Amz-Signature=${OUTGOING_URL_SECRETS.signature}&case=${this.outgoingMarker}`;
    this.env = serviceEnv({
      PORT: String(port),
      PAYSTACK_SECRET_KEY: PAYSTACK_SECRET,
      NOTIFICATION_PROVIDER_URL: providerUrl,
      ...(await this.exitEnv()),
    });
    this.service = startService({ script: 'dist/main.js', env: this.env });
    await waitForHealthy(this.baseUrl, this.service);
    this.queue = new Queue('notifications-email', {
      connection: { url: TEST_REDIS_URL },
      prefix: this.env.QUEUE_PREFIX,
    });
  }

  private async exitEnv(): Promise<Record<string, string>> {
    if (this.deployment === 'control') {
      return { TELEMETRY_REDACT_DISABLE: BUILTIN_RULE_NAMES.join(',') };
    }
    if (this.deployment === 'local sink') return CUSTOM_RULES;
    this.capture = await startCaptureServer();
    const vendors = {
      ...CUSTOM_RULES,
      SENTRY_DSN: `http://publickey@127.0.0.1:${this.capture.port}/42`,
      LOGTAIL_SOURCE_TOKEN: 'corpus-logtail-token',
      LOGTAIL_ENDPOINT: this.capture.url,
      POSTHOG_API_KEY: 'phc_corpus_key',
      POSTHOG_HOST: this.capture.url,
    };
    if (this.deployment === 'sentry') return vendors;
    return {
      ...vendors,
      OTEL_EXPORTER_OTLP_ENDPOINT: `${this.capture.url}/collector`,
    };
  }

  private context(): CorpusContext {
    const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      await response.arrayBuffer();
      return response.status;
    };
    return {
      post: (path, body, headers) => request('POST', path, body, headers),
      get: (path, headers) => request('GET', path, undefined, headers),
      brokenWebhook: (marker, data) => {
        const event = chargeSuccessEvent('unused', 5000, 'NGN');
        const body = JSON.stringify({
          ...event,
          data: { ...event.data, ...data, reference: { lookup: marker } },
        });
        return request('POST', '/webhooks/paystack', body, {
          'x-paystack-signature': signPaystack(body, PAYSTACK_SECRET),
        });
      },
      enqueueNotification: async (notificationId) => {
        const job = await this.queue!.add('deliver', { notificationId }, { attempts: 1 });
        // One job at a time: Prisma batches concurrent findUnique calls into
        // one query, whose error would quote only the first job's value.
        await waitFor(
          async () => ((await this.queue!.getJobState(job.id!)) === 'failed' ? true : undefined),
          10_000,
          `job ${job.id} to fail`,
          25,
        );
      },
    };
  }

  /** Sends every case, one valid payment for the outgoing call, and the look-alikes. */
  async sendAll(): Promise<void> {
    const context = this.context();
    for (const [index, corpusCase] of CORPUS.entries()) {
      await corpusCase.send(context, this.marker(index));
    }
    const payment = await context.post('/payments', {
      userId: uniqueId('corpus'),
      amount: 5000,
      currency: 'NGN',
      method: 'card',
    });
    assert.equal(payment, 201, 'the payment that triggers the outgoing call');
    await context.post('/payments', { caseId: `lookalikes-${this.runId}`, ...LOOKALIKES });
  }

  collect(): Captured {
    const sources: Record<string, string> = readSink(this.env.TELEMETRY_LOCAL_DIR!);
    let spans = (sources['local sink traces.jsonl'] ?? '') + (sources['local sink traces.jsonl.1'] ?? '');
    let errors = sources['local sink logs.jsonl'] ?? '';
    if (this.capture) {
      // Raw bytes as received (after HTTP content decoding): protobuf and envelopes.
      sources[RAW_BODIES] = Buffer.concat(this.capture.requests.map((r) => r.body)).toString('latin1');
      spans = JSON.stringify(this.capture.spans, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
      errors = JSON.stringify(this.capture.envelopes);
      sources['decoded spans'] = spans;
      sources['decoded envelopes'] = errors;
      sources['decoded Better Stack records'] = JSON.stringify(this.capture.logtail);
      sources['decoded PostHog events'] = JSON.stringify(this.capture.posthog);
    }
    return { sources, exits: { spans, errors } };
  }

  /** Waits until every case's marker reached the exits it should, or times out. */
  async waitForMarkers(): Promise<void> {
    const missing = () => {
      const { exits } = this.collect();
      const absent: string[] = [];
      for (const [index, corpusCase] of CORPUS.entries()) {
        for (const exit of corpusCase.reaches) {
          if (!exits[exit].includes(this.marker(index))) absent.push(`${corpusCase.spot} (${exit})`);
        }
      }
      if (!exits.spans.includes(this.outgoingMarker)) absent.push('outgoing call (spans)');
      if (!exits.spans.includes(`lookalikes-${this.runId}`)) absent.push('look-alikes (spans)');
      return absent;
    };
    try {
      await waitFor(() => (missing().length === 0 ? true : undefined), 30_000, 'every marker');
    } catch {
      // Report which cases never reached their exits.
      assert.deepEqual(missing(), [], 'cases whose marker never arrived');
    }
  }

  private stopped = false;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.service?.stop();
    await this.queue?.obliterate({ force: true }).catch(() => undefined);
    await this.queue?.close();
    await Promise.all([this.capture?.close(), this.provider?.close()]);
  }
}

/** Every spelling of a case's secret that must not appear. */
const formsOf = (secret: string, alsoAs: string[] = []) => [secret, ...alsoAs];

const SECRET_CASES = [
  ...CORPUS.map((c) => ({ spot: c.spot, forms: formsOf(c.secret, c.alsoAs) })),
  { spot: 'outgoing URL: access_token', forms: [OUTGOING_URL_SECRETS.accessToken] },
  { spot: 'outgoing URL: X-Amz-Signature', forms: [OUTGOING_URL_SECRETS.signature] },
];

test('corpus has 50 cases and valid cards', () => {
  assert.ok(SECRET_CASES.length >= 50, `${SECRET_CASES.length} cases`);
  // Every 13-19 digit secret is meant as a card number, so it must be one.
  for (const { spot, forms } of SECRET_CASES) {
    for (const digits of forms.filter((form) => /^\d{13,19}$/.test(form))) {
      assert.ok(isCardNumber(digits), `${spot}: ${digits} is not a valid card number`);
    }
  }
});

for (const deployment of ['sentry', 'collector', 'local sink'] as const) {
  describe(`secret corpus, ${deployment}`, () => {
    const run = new CorpusRun(deployment);
    let captured: Captured;

    before(async () => {
      await run.start();
      await run.sendAll();
      await run.waitForMarkers();
      await run.stop();
      captured = run.collect();
    });

    after(() => run.stop());

    for (const { spot, forms } of SECRET_CASES) {
      test(spot, () => {
        for (const [source, text] of Object.entries(captured.sources)) {
          for (const form of forms) {
            // Protobuf ids and timestamps hold a 4-digit run now and then; a
            // short number in a string field shows in the decoded sources.
            if (source === RAW_BODIES && isShortNumber(form)) continue;
            assert.ok(!occurs(text, form), `"${form}" found in ${source}`);
          }
        }
      });
    }

    if (deployment === 'sentry') {
      test('logs and events were searched', () => {
        const records = captured.sources['decoded Better Stack records'];
        const events = captured.sources['decoded PostHog events'];
        assert.ok(JSON.parse(records).length > 0, 'Better Stack got log records');
        assert.ok(JSON.parse(events).length > 0, 'PostHog got events');
      });
    }

    test('look-alikes arrive unchanged', () => {
      const spans = captured.exits.spans;
      for (const [key, value] of Object.entries(LOOKALIKES)) {
        const pair = JSON.stringify({ [key]: value }).slice(1, -1);
        // The body is JSON text inside a JSON document, so escaped once more.
        const escaped = JSON.stringify(pair).slice(1, -1);
        assert.ok(spans.includes(escaped), `${key}: ${value}`);
      }
    });
  });
}

describe('secret corpus, control with every rule off', () => {
  const run = new CorpusRun('control');
  let captured: Captured;

  before(async () => {
    await run.start();
    await run.sendAll();
    await run.waitForMarkers();
    await run.stop();
    captured = run.collect();
  });

  after(() => run.stop());

  for (const { spot, forms } of SECRET_CASES) {
    test(`${spot} leaks without redaction`, () => {
      const all = Object.values(captured.sources).join('\n');
      assert.ok(forms.some((form) => occurs(all, form)), `none of ${forms.join(', ')} found`);
    });
  }
});
