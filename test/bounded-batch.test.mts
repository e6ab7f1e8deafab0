/** The bounded batch processor: drops the oldest when full, and counts. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

const require = createRequire(import.meta.url);
const { BoundedBatcher } = require('../otel/bounded-batch.js') as typeof import('../otel/bounded-batch.ts');

const SUCCESS = { code: 0 };

function recordingExporter(options: { hang?: boolean } = {}) {
  const batches: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    batches,
    maxInFlight: () => maxInFlight,
    export(items: number[], done: (result: { code: number }) => void) {
      batches.push(items);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (options.hang) return;
      setTimeout(() => {
        inFlight--;
        done(SUCCESS);
      }, 5);
    },
    async shutdown() {},
  };
}

const batch = (overrides = {}) => ({
  scheduledDelayMillis: 10,
  maxQueueSize: 5,
  maxExportBatchSize: 5,
  exportTimeoutMillis: 200,
  ...overrides,
});

describe('BoundedBatcher', () => {
  test('keeps the newest items when full', async () => {
    const exporter = recordingExporter({ hang: true });
    const batcher = new BoundedBatcher<number>('test', exporter, batch({ maxExportBatchSize: 100 }));
    for (let i = 1; i <= 8; i++) batcher.add(i);
    assert.equal(batcher.dropped, 3);
    await batcher.flush();
    assert.deepEqual(exporter.batches, [[4, 5, 6, 7, 8]]);
  });

  test('exports in batches, one at a time', async () => {
    const exporter = recordingExporter();
    const batcher = new BoundedBatcher<number>('test', exporter, batch({ maxQueueSize: 100, maxExportBatchSize: 3 }));
    for (let i = 1; i <= 7; i++) batcher.add(i);
    await batcher.flush();
    assert.deepEqual(exporter.batches.flat(), [1, 2, 3, 4, 5, 6, 7]);
    assert.ok(exporter.batches.every((b) => b.length <= 3));
    assert.equal(exporter.maxInFlight(), 1);
    assert.equal(batcher.dropped, 0);
  });

  test('a hanging export is abandoned at the timeout', async () => {
    const exporter = recordingExporter({ hang: true });
    const batcher = new BoundedBatcher<number>('test', exporter, batch({ exportTimeoutMillis: 50 }));
    batcher.add(1);
    const started = Date.now();
    await batcher.flush();
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1000, `flush took ${elapsed} ms`);
    assert.deepEqual(exporter.batches, [[1]]);
  });

  test('exports on its own after the delay', async () => {
    const exporter = recordingExporter();
    const batcher = new BoundedBatcher<number>('test', exporter, batch({ maxQueueSize: 10, maxExportBatchSize: 10 }));
    batcher.add(42);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(exporter.batches, [[42]]);
  });
});
