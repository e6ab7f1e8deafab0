/**
 * `node bench/posthog-batch.mts`: CPU per product event through
 * `posthog-node` with the gateway's batch size (`flushAt` 50) against a
 * larger one (200), to a loopback sink. Alternates the two sizes, five runs
 * each of 40,000 events, and prints CPU (user + system) per event.
 */
import { createRequire } from 'node:module';
import { startSink } from './lib/sink.mts';

const require = createRequire(import.meta.url);
const { PostHog } = require('posthog-node') as typeof import('posthog-node');

const EVENTS = 40_000;
const RUNS = 5;
const SIZES = [50, 200];

const sink = await startSink();
const results = new Map<number, number[]>(SIZES.map((size) => [size, []]));
try {
  for (let run = 0; run < RUNS; run++) {
    for (const flushAt of SIZES) {
      const client = new PostHog('phc_bench', {
        host: sink.url,
        flushAt,
        maxBatchSize: flushAt,
        flushInterval: 2000,
        maxQueueSize: 1000,
        disableGeoip: true,
      });
      const before = process.cpuUsage();
      for (let i = 0; i < EVENTS; i++) {
        client.capture({
          distinctId: `user-${i}`,
          event: 'payment_initiated',
          properties: { amount: 150_000, currency: 'NGN', method: 'card' },
        });
        // Lets the client's flushes run, as they would between requests.
        if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await client.shutdown(5000);
      const used = process.cpuUsage(before);
      results.get(flushAt)!.push((used.user + used.system) / EVENTS);
    }
  }
} finally {
  await sink.close();
}

for (const [flushAt, micros] of results) {
  const sorted = micros.map((m) => m.toFixed(1)).join(', ');
  console.log(`flushAt ${flushAt}: ${sorted} µs CPU per event (runs in order)`);
}
