/**
 * Cost of redaction per span and per log-record-sized attribute set,
 * measured against the SDK's own cost of creating and ending a span.
 *
 *     npm run bench:redaction
 *
 * Each comparison runs its cases in turn, `BENCH_ITERATIONS` operations per
 * sample, for `BENCH_SAMPLES` rounds after a warm-up, so a burst of load
 * from other processes hits the cases of a round alike. It prints, per
 * case, the median time per operation, the fastest and slowest sample and
 * the 90th percentile, and per comparison the median of the per-round
 * differences. Spans go to a processor that drops them, so only creation,
 * attributes, ending and redaction are measured.
 *
 * Values that differ per request (ids, bodies, ports) come from a pool of
 * 4096 variants, more than the redactor's cache of clean strings holds, so
 * they are scanned every time, as in production; values that repeat
 * (routes, SQL texts, user agents) hit the cache, as in production too.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';

const require = createRequire(import.meta.url);
const { TracerProvider } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
const { Redactor } = require('../otel/redaction/redactor.js') as typeof import('../otel/redaction/redactor.ts');
const { RedactingSpanProcessor } = require('../otel/redaction/span-processor.js') as typeof import('../otel/redaction/span-processor.ts');

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 21);
const VARIANTS = 4096;

type Attributes = Record<string, string | number | string[]>;

/** Attributes of a `POST /payments` server span as the service records them. */
const serverSpan = (i: number): Attributes => ({
  'http.request.method': 'POST',
  'url.scheme': 'http',
  'url.path': '/payments',
  'url.query': 'page=2',
  'server.address': '127.0.0.1',
  'server.port': 3000,
  'network.peer.address': '127.0.0.1',
  'network.peer.port': 40000 + i,
  'user_agent.original': 'okhttp/4.12.0',
  'client.address': `10.2.${i % 250}.${i % 7}`,
  'http.request.header.content-type': ['application/json'],
  'http.request.header.user-agent': ['okhttp/4.12.0'],
  'http.request.header.idempotency-key': [randomUUID()],
  'app.request.body': JSON.stringify({ userId: `user-${i}`, amount: 125000 + i, currency: 'NGN', method: 'card' }),
  'http.response.status_code': 201,
  'http.route': '/payments',
});

/** The same span with a bearer token, a card number and a PIN in it. */
const serverSpanWithSecrets = (i: number): Attributes => ({
  ...serverSpan(i),
  'url.query': `access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2ln${i}&page=2`,
  'http.request.header.authorization': [`Bearer 8f2c1e0d9b7a6f5e4d3c2b1a${i}`],
  'app.request.body': JSON.stringify({ userId: `user-${i}`, amount: 125000, currency: 'NGN', card: { number: '4111 1111 1111 1111', pin: '0718' } }),
});

/** A Prisma query span: one SQL text, the same for every execution. */
const querySpan = (): Attributes => ({
  'db.system.name': 'postgresql',
  'db.query.text': 'SELECT "public"."transactions"."id", "public"."transactions"."reference", "public"."transactions"."status" FROM "public"."transactions" WHERE ("public"."transactions"."reference" = $1 AND 1=1) LIMIT $2 OFFSET $3',
});

/** A log record's attributes: a message and its context. */
const logRecord = (i: number): Attributes => {
  const notificationId = randomUUID();
  return {
    'log.message': `notification ${notificationId} delivered to provider in ${i % 300} ms`,
    'service.name': 'payments-service',
    'deployment.environment.name': 'production',
    trace_id: randomUUID().replaceAll('-', ''),
    span_id: randomUUID().replaceAll('-', '').slice(0, 16),
    'code.function': 'NotificationProcessor.process',
    'messaging.destination.name': 'notifications',
    'messaging.message.id': notificationId,
    'user.id': `user-${i}`,
    'http.response.status_code': 202,
    duration_ms: i % 300,
    attempt: 1,
  };
};

/** Builds `VARIANTS` attribute sets up front and hands them out in turn. */
function pool(build: (i: number) => Attributes): () => Attributes {
  const sets = Array.from({ length: VARIANTS }, (_, i) => build(i));
  let next = 0;
  return () => sets[next++ % VARIANTS];
}

function spanOperation(redact: boolean, build: (i: number) => Attributes) {
  const redactor = new Redactor();
  const drop = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
  const spanProcessors = redact ? [new RedactingSpanProcessor(() => redactor), drop] : [drop];
  const tracer = new TracerProvider({ spanProcessors }).getTracer('bench');
  const attributes = pool(build);
  return () => {
    tracer.startSpan('POST /payments', { attributes: attributes() }).end();
  };
}

function attributesOperation(build: (i: number) => Attributes) {
  const redactor = new Redactor();
  const attributes = pool(build);
  return () => void redactor.redactAttributes(attributes());
}

/** Nanoseconds per operation of one sample. */
function sample(operation: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) operation();
  return Number(process.hrtime.bigint() - start) / ITERATIONS;
}

/** Runs the cases in turn for each round; returns the samples per case. */
function measure(operations: (() => void)[]): number[][] {
  for (const operation of operations) sample(operation);
  const samples: number[][] = operations.map(() => []);
  for (let round = 0; round < SAMPLES; round++) {
    operations.forEach((operation, i) => samples[i].push(sample(operation)));
  }
  return samples;
}

function median(values: number[]): number {
  return percentile(values, 0.5);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];
}

const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;

/** With `baseline`, every case is compared with the first one. */
const comparisons: { baseline: boolean; cases: [string, () => void][] }[] = [
  {
    baseline: true,
    cases: [
      ['server span, SDK only', spanOperation(false, serverSpan)],
      ['server span, SDK + redaction, clean', spanOperation(true, serverSpan)],
      ['server span, SDK + redaction, 3 secrets', spanOperation(true, serverSpanWithSecrets)],
    ],
  },
  {
    baseline: true,
    cases: [
      ['query span, SDK only', spanOperation(false, querySpan)],
      ['query span, SDK + redaction', spanOperation(true, querySpan)],
    ],
  },
  {
    baseline: false,
    cases: [
      ['redactAttributes, log record, 12 attributes, clean', attributesOperation(logRecord)],
      ['redactAttributes, server span attributes, 3 secrets', attributesOperation(serverSpanWithSecrets)],
    ],
  },
];

console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()[0].toFixed(2)}, ${SAMPLES} rounds of ${ITERATIONS} operations`);
console.log('');
console.log('| case | median | fastest | slowest | p90 | added to SDK only (median of rounds) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const { baseline, cases } of comparisons) {
  const samples = measure(cases.map(([, operation]) => operation));
  cases.forEach(([name], i) => {
    const own = samples[i];
    const compared = baseline && i > 0;
    const added = compared ? us(median(own.map((ns, round) => ns - samples[0][round]))) : '';
    console.log(`| ${name} | ${us(median(own))} | ${us(Math.min(...own))} | ${us(Math.max(...own))} | ${us(percentile(own, 0.9))} | ${added} |`);
  });
}
