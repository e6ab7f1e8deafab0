/**
 * Node runtime gauges: event-loop delay (from `perf_hooks`, reset at each
 * collection so every export covers its own interval) and memory.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Meter } from '@opentelemetry/api';

const NANOS_PER_SECOND = 1e9;

export function registerRuntimeMetrics(meter: Meter): () => void {
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();

  const loopDelay = meter.createObservableGauge('nodejs.eventloop.delay', {
    description: 'Event-loop delay over the last interval',
    unit: 's',
  });
  const memory = meter.createObservableGauge('process.memory.usage', {
    description: 'Memory of the process',
    unit: 'By',
  });

  meter.addBatchObservableCallback(
    (result) => {
      if (delay.count > 0) {
        result.observe(loopDelay, delay.percentile(50) / NANOS_PER_SECOND, { 'nodejs.eventloop.delay.type': 'p50' });
        result.observe(loopDelay, delay.percentile(99) / NANOS_PER_SECOND, { 'nodejs.eventloop.delay.type': 'p99' });
        result.observe(loopDelay, delay.max / NANOS_PER_SECOND, { 'nodejs.eventloop.delay.type': 'max' });
      }
      delay.reset();
      const usage = process.memoryUsage();
      result.observe(memory, usage.rss, { 'process.memory.type': 'rss' });
      result.observe(memory, usage.heapUsed, { 'process.memory.type': 'heap_used' });
      result.observe(memory, usage.heapTotal, { 'process.memory.type': 'heap_total' });
    },
    [loopDelay, memory],
  );
  return () => delay.disable();
}
