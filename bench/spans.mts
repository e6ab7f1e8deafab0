/**
 * `npm run bench:spans`: what the gateway's own span processing costs per
 * item, next to what the OpenTelemetry SDK costs to create, end and
 * serialize the same span. Uses the compiled otel/*.js modules (run
 * `npm run build` first) in this process; no preload, no network except
 * the one local Redis connection BullMQ opens while a Queue is built.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  JsonTraceSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import { ROOT } from '../scripts/lib/processes.mts';
import { describeMachine, table, writeSection } from './lib/report.mts';
import { assertBuilt } from './lib/setups.mts';
import { fixed, formatSummary, summarize, type Summary } from './lib/stats.mts';
import {
  BENCH_REDIS_URL,
  deleteQueueKeys,
  uniquePrefix,
} from './lib/stores.mts';

const require = createRequire(import.meta.url);
const SAMPLES = 9;
const BATCH_SIZE = 512;

type Otel = {
  sampler: typeof import('../otel/sampler.ts');
  config: typeof import('../otel/config.ts');
  local: typeof import('../otel/routes/local.ts');
  bullmq: typeof import('../otel/bullmq.ts');
  events: typeof import('../otel/business-events.ts');
};

function loadGateway(): Otel {
  return {
    sampler: require(join(ROOT, 'otel/sampler.js')),
    config: require(join(ROOT, 'otel/config.js')),
    local: require(join(ROOT, 'otel/routes/local.js')),
    bullmq: require(join(ROOT, 'otel/bullmq.js')),
    events: require(join(ROOT, 'otel/business-events.js')),
  };
}

/** One measured item: `run` does `perRun` items' worth of work. */
interface Item {
  name: string;
  owner: string;
  perRun: number;
  run(): void | Promise<void>;
}

/**
 * Times every item SAMPLES times, round-robin after one warm-up pass, so
 * that JIT tiering and GC pressure fall on all items alike. Returns
 * nanoseconds per unit of work for each item.
 */
async function measureAll(items: Item[]): Promise<Map<Item, Summary>> {
  for (const item of items) await item.run();
  const samples = new Map<Item, number[]>(items.map((item) => [item, []]));
  for (let sample = 0; sample < SAMPLES; sample++) {
    for (const item of items) {
      const start = performance.now();
      await item.run();
      samples
        .get(item)!
        .push(((performance.now() - start) * 1e6) / item.perRun);
    }
  }
  return new Map(items.map((item) => [item, summarize(samples.get(item)!)]));
}

/** An item that calls `operation` `iterations` times per run. */
function loop(
  name: string,
  owner: string,
  iterations: number,
  operation: (i: number) => void,
): Item {
  return {
    name,
    owner,
    perRun: iterations,
    run() {
      for (let i = 0; i < iterations; i++) operation(i);
    },
  };
}

/** An HTTP server span shaped like the ones the service exports. */
function serverSpan(tracer: Tracer, i: number): void {
  const span = tracer.startSpan('POST /payments', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'POST',
      'url.path': '/payments',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'server.port': 3000,
      'network.peer.address': '127.0.0.1',
      'user_agent.original': 'autocannon',
      'http.route': '/payments',
    },
  });
  span.setAttribute('http.response.status_code', 201);
  span.setAttribute('bench.iteration', i);
  span.end();
}

function providerWith(sampler: Sampler, exporter?: InMemorySpanExporter) {
  return new TracerProvider({
    sampler,
    spanProcessors: [
      exporter
        ? new SimpleSpanProcessor({ exporter })
        : new NoopSpanProcessor(),
    ],
  });
}

/** The telemetry surface BullMQ 6 calls (its `trace` helper). */
interface BullTelemetry {
  tracer: {
    startSpan(
      name: string,
      options: { kind: SpanKind },
      ctx?: Context,
    ): {
      setAttributes(attributes: Record<string, string>): void;
      setSpanOnContext(ctx: Context): Context;
      setAttribute(key: string, value: string): void;
      end(): void;
    };
  };
}

function bullOperation(
  telemetry: BullTelemetry,
  operation: string,
  kind: SpanKind,
  i: number,
): void {
  const span = telemetry.tracer.startSpan(`${operation} notifications`, {
    kind,
  });
  span.setAttributes({
    'bullmq.queue.name': 'notifications',
    'bullmq.queue.operation': operation,
  });
  span.setSpanOnContext(context.active());
  span.setAttribute('bullmq.job.id', String(i));
  span.end();
}

/** The gateway's BullMQ telemetry, as its hook hands it to a new Queue. */
async function gatewayBullTelemetry(otel: Otel): Promise<BullTelemetry> {
  const instrumentation = new otel.bullmq.BullMQTelemetryInstrumentation(
    false,
    '0.1.0',
  );
  instrumentation.enable();
  const { Queue } = require('bullmq') as typeof import('bullmq');
  const prefix = uniquePrefix();
  const url = new URL(BENCH_REDIS_URL);
  const queue = new Queue('spans-bench', {
    connection: { host: url.hostname, port: Number(url.port || 6379) },
    prefix,
  });
  const telemetry = queue.opts.telemetry as unknown as BullTelemetry;
  await queue.close();
  await deleteQueueKeys(prefix);
  if (!telemetry)
    throw new Error('the gateway hook did not give the Queue a telemetry');
  return telemetry;
}

/** A finished span that declares the product event `payment_initiated`. */
async function eventSpan(): Promise<ReadableSpan> {
  const exporter = new InMemorySpanExporter();
  const provider = providerWith(new AlwaysOnSampler(), exporter);
  const span = provider.getTracer('bench').startSpan('create', {
    attributes: {
      'analytics.event': 'payment_initiated',
      'analytics.distinct_id': 'user-42',
      'analytics.property.amount': 150_000,
      'analytics.property.currency': 'NGN',
      'analytics.property.method': 'card',
      'analytics.property.status': 'PENDING',
      'code.function': 'create',
    },
  });
  span.end();
  await provider.forceFlush();
  return exporter.getFinishedSpans()[0];
}

async function finishedSpans(count: number): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = providerWith(new AlwaysOnSampler(), exporter);
  const tracer = provider.getTracer('bench');
  for (let i = 0; i < count; i++) serverSpan(tracer, i);
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

async function main(): Promise<void> {
  assertBuilt();
  const otel = loadGateway();
  context.setGlobalContextManager(
    new AsyncLocalStorageContextManager().enable(),
  );
  const items: Item[] = [];

  // The SDK: create, set attributes, end; no processor work.
  const sdkTracer = providerWith(new AlwaysOnSampler()).getTracer('bench');
  items.push(
    loop(
      'create, 10 attributes, end a server span (AlwaysOn, no-op processor)',
      'SDK',
      20_000,
      (i) => serverSpan(sdkTracer, i),
    ),
  );

  // Samplers as the gateway builds them from OTEL_TRACES_SAMPLER.
  for (const name of [
    'parentbased_always_on',
    'parentbased_traceidratio',
  ] as const) {
    const sampler = otel.sampler.createSampler({ name, ratio: 0.25 });
    const tracer = providerWith(sampler).getTracer('bench');
    const label = name.endsWith('ratio') ? `\`${name}\` (0.25)` : `\`${name}\``;
    items.push(
      loop(
        `same span with the gateway's ${label} sampler`,
        'SDK sampler, built by the gateway',
        20_000,
        (i) => serverSpan(tracer, i),
      ),
      loop(
        `\`shouldSample\` alone, ${label}`,
        'SDK sampler, built by the gateway',
        200_000,
        () => {
          sampler.shouldSample(
            ROOT_CONTEXT,
            '0af7651916cd43dd8448eb211c80319c',
            'POST /payments',
            SpanKind.SERVER,
            {},
            [],
          );
        },
      ),
    );
  }

  // BullMQ spans: stock bullmq-otel against the gateway's wrapper, on one provider.
  trace.setGlobalTracerProvider(providerWith(new AlwaysOnSampler()));
  const { BullMQOtel } = require('bullmq-otel') as typeof import('bullmq-otel');
  const stock = new BullMQOtel({
    tracerName: 'bullmq',
    version: '0.1.0',
  }) as unknown as BullTelemetry;
  const gateway = await gatewayBullTelemetry(otel);
  items.push(
    loop(
      'BullMQ `add` span, stock `bullmq-otel` tracer',
      'bullmq-otel + SDK',
      20_000,
      (i) => bullOperation(stock, 'add', SpanKind.PRODUCER, i),
    ),
    loop(
      "BullMQ `add` span, gateway's wrapper around it",
      'gateway + bullmq-otel + SDK',
      20_000,
      (i) => bullOperation(gateway, 'add', SpanKind.PRODUCER, i),
    ),
    loop(
      'BullMQ housekeeping span (`getNextJob`), stock `bullmq-otel`',
      'bullmq-otel + SDK',
      20_000,
      (i) => bullOperation(stock, 'getNextJob', SpanKind.INTERNAL, i),
    ),
    loop(
      'BullMQ housekeeping span (`getNextJob`), gateway (dropped)',
      'gateway',
      20_000,
      (i) => bullOperation(gateway, 'getNextJob', SpanKind.INTERNAL, i),
    ),
  );

  // Export: serialization by the SDK's OTLP code against the local sink.
  const spans = await finishedSpans(BATCH_SIZE);
  const batches = 10;
  items.push(
    loop(
      `OTLP protobuf serialization (what the OTLP exporter sends), per span of ${BATCH_SIZE}`,
      'SDK',
      batches * BATCH_SIZE,
      (i) => {
        if (i % BATCH_SIZE === 0)
          ProtobufTraceSerializer.serializeRequest(spans);
      },
    ),
    loop(
      `OTLP JSON serialization, per span of ${BATCH_SIZE}`,
      'SDK',
      batches * BATCH_SIZE,
      (i) => {
        if (i % BATCH_SIZE === 0) JsonTraceSerializer.serializeRequest(spans);
      },
    ),
  );
  // Product events declared on spans, mapped by the gateway's processor to
  // a sink that keeps nothing, so only the mapping is timed.
  const events = new otel.events.BusinessEventSpanProcessor([
    {
      capture: () => undefined,
      identify: () => undefined,
      isFeatureEnabled: async (_flag, _id, fallback) => fallback,
    },
  ]);
  const declaring = await eventSpan();
  items.push(
    loop(
      'product event mapping, span that declares none',
      'gateway',
      200_000,
      (i) => events.onEnd(spans[i % BATCH_SIZE]),
    ),
    loop(
      'product event mapping, span that declares one (4 properties)',
      'gateway',
      200_000,
      () => events.onEnd(declaring),
    ),
  );

  const dir = mkdtempSync(join(tmpdir(), 'bench-spans-'));
  const { config } = otel.config.configFromEnv(
    {
      TELEMETRY_LOCAL_DIR: dir,
      TELEMETRY_LOCAL_MAX_BYTES: String(64 * 2 ** 20),
    },
    dir,
  );
  const route = otel.local.createLocalRoute(config, new Set(['traces']));
  const localExporter = route.spanExporter!;
  items.push({
    name: `local sink export (JSON, then append to a file), per span of ${BATCH_SIZE}`,
    owner: 'gateway + SDK JSON',
    perRun: batches * BATCH_SIZE,
    async run() {
      for (let i = 0; i < batches; i++) {
        await new Promise((resolve) => localExporter.export(spans, resolve));
      }
    },
  });

  let results: Map<Item, Summary>;
  try {
    results = await measureAll(items);
    await route.shutdown();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const rows: string[][] = [['item', 'ns per item', 'whose code']];
  for (const item of items) {
    const summary = results.get(item)!;
    rows.push([item.name, formatSummary(summary), item.owner]);
    console.log(`${item.name}: ${fixed(summary.median)} ns`);
  }
  writeSection(
    'spans',
    [
      '## Per span',
      '',
      `Command: \`npm run bench:spans\` (${SAMPLES} samples per item, round-robin after a warm-up pass; one process, no load).`,
      `Machine: ${describeMachine()}.`,
      '',
      'Wall time per item of the compiled otel/*.js modules against the SDK they',
      'build on (`@opentelemetry/sdk-trace`, `@opentelemetry/otlp-transformer`).',
      'BullMQ spans follow the call sequence of BullMQ 6 around one operation:',
      'startSpan, setAttributes, setSpanOnContext, setAttribute(job id), end. The',
      "gateway's wrapper is taken from a Queue its hook patched. Product event",
      "mapping is the gateway's span processor that turns `analytics.*` span",
      'attributes into an event, here for a sink that keeps nothing. Redaction',
      'per span and per log record has a section of its own, "Redaction".',
      '',
      table(rows),
    ].join('\n'),
  );
}

await main();
