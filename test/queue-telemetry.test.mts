/**
 * The gateway's BullMQ telemetry as a black box: a plain BullMQ app
 * (test/fixtures/bullmq-app.cjs) runs with the preload against the local
 * Redis, and the spans it wrote to the local sink are checked.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { startService } from '../scripts/lib/processes.mts';
import { serviceEnv } from './support/env.mts';
import type { DecodedSpan } from './support/otlp-proto.mts';
import {
  descendsFrom,
  readSinkSpans,
  SPAN_KIND,
  STATUS_ERROR,
} from './support/sink.mts';

const HOUSEKEEPING = [
  'getNextJob',
  'moveStalledJobsToWait',
  'startStalledCheckTimer',
  'extendLocks',
  'close',
];

async function runScenario(
  scenario: string,
  env: Record<string, string> = {},
): Promise<{ result: any; spans: DecodedSpan[] }> {
  const serviceEnvironment = serviceEnv({ FIXTURE_SCENARIO: scenario, ...env });
  const app = startService({
    script: 'test/fixtures/bullmq-app.cjs',
    env: serviceEnvironment,
  });
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 30_000);
  const [code] = await once(app.child, 'exit');
  clearTimeout(timer);
  assert.equal(code, 0, `fixture exited with ${code}:\n${app.output()}`);
  const done = app.output().split('\n').find((l) => l.startsWith('DONE '));
  assert.ok(done, `fixture printed no DONE line:\n${app.output()}`);
  return {
    result: JSON.parse(done.slice('DONE '.length)),
    spans: readSinkSpans(serviceEnvironment.TELEMETRY_LOCAL_DIR),
  };
}

const isRedis = (span: DecodedSpan) =>
  span.attributes['db.system.name'] === 'redis' ||
  span.attributes['db.system'] === 'redis';

const operation = (span: DecodedSpan) => span.name.split(' ', 1)[0];

function requestTrace(spans: DecodedSpan[], jobName: string) {
  const producer = spans.find(
    (s) => s.kind === SPAN_KIND.PRODUCER && s.attributes['bullmq.job.name'] === jobName,
  );
  assert.ok(producer, `a producer span for job ${jobName}`);
  const request = spans.find((s) => s.spanId === producer.parentSpanId);
  assert.ok(request, `the producer span of ${jobName} has the request as parent`);
  assert.equal(request.name, 'request');
  const consumers = spans
    .filter((s) => s.kind === SPAN_KIND.CONSUMER && s.traceId === producer.traceId)
    .sort((a, b) => Number(a.attributes['messaging.message.retry.count']) - Number(b.attributes['messaging.message.retry.count']));
  return { request, producer, consumers };
}

describe('queue telemetry', () => {
  test('retries are sibling spans, failures ERROR', async () => {
    const { spans } = await runScenario('retries');
    const { producer, consumers } = requestTrace(spans, 'flaky');

    assert.equal(producer.attributes['sentry.op'], 'queue.publish');
    assert.equal(producer.attributes['messaging.system'], 'bullmq');
    assert.equal(producer.attributes['messaging.destination.name'], 'retries');
    assert.equal(producer.attributes['messaging.message.id'], producer.attributes['bullmq.job.id']);

    assert.equal(consumers.length, 3, 'one process span per attempt');
    consumers.forEach((consumer, attempt) => {
      assert.equal(consumer.parentSpanId, producer.spanId, 'each attempt is a child of the publish span');
      assert.equal(consumer.attributes['sentry.op'], 'queue.process');
      assert.equal(consumer.attributes['messaging.system'], 'bullmq');
      assert.equal(consumer.attributes['messaging.destination.name'], 'retries');
      assert.equal(consumer.attributes['messaging.message.id'], producer.attributes['messaging.message.id']);
      assert.equal(consumer.attributes['messaging.message.retry.count'], attempt);
      assert.equal(consumer.attributes['messaging.message.body.size'], Buffer.byteLength('{"size":"small"}'));
      const latency = consumer.attributes['messaging.message.receive.latency'];
      assert.equal(typeof latency, 'number');
      assert.ok((latency as number) >= 0);
    });
    for (const failed of consumers.slice(0, 2)) {
      assert.equal(failed.status.code, STATUS_ERROR);
      const exception = failed.events.find((e) => e.name === 'exception');
      assert.ok(exception, 'the exception is recorded on the failed attempt');
      assert.match(String(exception.attributes['exception.message']), /^flaky attempt \d$/);
    }
    assert.notEqual(consumers[2].status.code, STATUS_ERROR, 'the last attempt succeeded');
    // Each retry waited at least its 20 ms backoff more than the first.
    assert.ok((consumers[2].attributes['messaging.message.receive.latency'] as number) >= 40);

    const doomed = requestTrace(spans, 'doomed');
    assert.equal(doomed.consumers.length, 2);
    assert.ok(doomed.consumers.every((c) => c.status.code === STATUS_ERROR));
  });

  test('internals and Redis spans dropped by default', async () => {
    const { spans } = await runScenario('retries');
    assert.deepEqual(spans.filter(isRedis).map((s) => s.name), []);
    const bullmq = spans.filter((s) => s.scope === 'bullmq');
    const operations = new Set(bullmq.map(operation));
    for (const name of [...HOUSEKEEPING, 'complete', 'delay', 'fail']) {
      assert.ok(!operations.has(name), `no ${name} span`);
    }
    const { producer, consumers } = requestTrace(spans, 'flaky');
    const inTrace = spans.filter((s) => s.traceId === producer.traceId);
    assert.equal(inTrace.length, 1 + 1 + consumers.length, 'request, publish and one span per attempt');
  });

  test('queue start-up commands unrecorded', async () => {
    const { spans } = await runScenario('single');
    const requests = spans.filter((s) => s.name === 'request');
    assert.equal(requests.length, 2, 'one request creates the queue, one adds the job');
    assert.deepEqual(spans.filter(isRedis).map((s) => s.name), []);

    const kept = await runScenario('single', { TELEMETRY_TRACE_QUEUE_INTERNALS: 'true' });
    const names = new Set(kept.spans.filter(isRedis).map((s) => s.name));
    for (const name of ['info', 'hset']) {
      assert.ok(names.has(name), `${name} is recorded when the internals are kept`);
    }
  });

  test('TELEMETRY_TRACE_QUEUE_INTERNALS keeps them', async () => {
    const { spans } = await runScenario('retries', {
      TELEMETRY_TRACE_QUEUE_INTERNALS: 'true',
    });
    const { producer, consumers } = requestTrace(spans, 'flaky');
    assert.ok(
      spans.some((s) => isRedis(s) && s.parentSpanId === producer.spanId),
      'the add command under the publish span',
    );
    const operations = new Set(spans.filter((s) => s.scope === 'bullmq').map(operation));
    for (const name of ['complete', 'delay', 'fail', 'close', 'startStalledCheckTimer']) {
      assert.ok(operations.has(name), `a ${name} span`);
    }
    const delay = spans.find((s) => operation(s) === 'delay' && s.parentSpanId === consumers[0].spanId);
    assert.ok(delay, 'the delay step sits under the failed attempt');
  });

  test('telemetry the app passes is kept', async () => {
    const { result, spans } = await runScenario('ownTelemetry');
    assert.equal(result.ownTelemetryKept, true);
    assert.deepEqual(result.ownSpans.sort(), ['add own.mine', 'process own']);
    assert.equal(result.defaultTelemetry, true, 'a queue without telemetry gets the default');
    assert.equal(
      spans.filter((s) => s.attributes['messaging.destination.name'] === 'own').length,
      0,
      'no gateway spans for the queue with its own telemetry',
    );
    assert.ok(spans.some((s) => s.name === 'add defaulted.theirs' && s.kind === SPAN_KIND.PRODUCER));
  });

  test('flow node without opts keeps the trace', async () => {
    const { spans } = await runScenario('flow');
    const request = spans.find((s) => s.name === 'request');
    assert.ok(request);
    for (const queue of ['flow-parents', 'flow-children']) {
      const consumer = spans.find(
        (s) => s.kind === SPAN_KIND.CONSUMER && s.attributes['messaging.destination.name'] === queue,
      );
      assert.ok(consumer, `a process span for ${queue}`);
      assert.equal(consumer.traceId, request.traceId, `${queue} is in the request's trace`);
      assert.ok(descendsFrom(spans, consumer, request));
    }
  });

  test('scheduler runs are linked traces', async () => {
    const { spans } = await runScenario('scheduler');
    const request = spans.find((s) => s.name === 'request');
    assert.ok(request);
    const upsert = spans.filter((s) => s.kind === SPAN_KIND.PRODUCER);
    assert.equal(upsert.length, 1, 'only the upsert publishes; next runs are housekeeping');
    assert.equal(upsert[0].parentSpanId, request.spanId);

    const runs = spans.filter((s) => s.kind === SPAN_KIND.CONSUMER);
    assert.ok(runs.length >= 3, `at least three runs (got ${runs.length})`);
    assert.equal(new Set(runs.map((r) => r.traceId)).size, runs.length, 'one trace per run');
    for (const run of runs) {
      assert.equal(run.parentSpanId, '', 'each run is a root span');
      assert.notEqual(run.traceId, request.traceId);
      assert.equal(run.attributes['bullmq.job.scheduler.id'], 'every-100ms');
      assert.deepEqual(
        run.links.map((l) => [l.traceId, l.spanId]),
        [[upsert[0].traceId, upsert[0].spanId]],
        'linked to the span that created the scheduler',
      );
    }
  });
});
