/**
 * The producer side of the queue benchmark, run as its own process so it
 * can run with or without the gateway's preload. It adds one notification
 * job per id in BENCH_IDS_FILE to BENCH_QUEUE, at BENCH_RATE jobs/s (0 adds
 * them all at once), then prints `DONE {"added":n,"elapsedMs":t}`.
 */
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';

const TICK_MS = 10;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; the benchmark runner sets it`);
  return value;
}

const redis = new URL(required('REDIS_URL'));
const queue = new Queue(required('BENCH_QUEUE'), {
  connection: {
    host: redis.hostname,
    port: Number(redis.port || 6379),
    maxRetriesPerRequest: null,
  },
  prefix: required('BENCH_PREFIX'),
});
const ids = readFileSync(required('BENCH_IDS_FILE'), 'utf8').split('\n').filter(Boolean);
const rate = Number(required('BENCH_RATE'));

const add = (id: string) =>
  queue.add(
    'deliver',
    { notificationId: id },
    { jobId: id, attempts: 1, removeOnComplete: false, removeOnFail: false },
  );

const started = Date.now();
if (rate === 0) {
  for (let i = 0; i < ids.length; i += 500) {
    await Promise.all(ids.slice(i, i + 500).map(add));
  }
} else {
  // Paced by the clock, not by how fast adds return, so a slow add does not
  // lower the offered rate.
  const pending: Promise<unknown>[] = [];
  let next = 0;
  while (next < ids.length) {
    const due = Math.min(ids.length, Math.floor(((Date.now() - started) * rate) / 1000) + 1);
    while (next < due) pending.push(add(ids[next++]));
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
}
const elapsedMs = Date.now() - started;
await queue.close();
process.stdout.write(`DONE ${JSON.stringify({ added: ids.length, elapsedMs })}\n`);
