/**
 * Queue depth: the number of BullMQ jobs per queue and state, as the gauge
 * `bullmq.queue.jobs` (BullMQ's own metric name). Counts are read from Redis
 * in the background every interval, because a gauge's callback cannot wait
 * for Redis; the gauge reports the last counts read.
 */
import { context, metrics } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { log } from './diag';

interface CountableQueue {
  name: string;
  closing?: Promise<void>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

const STATES = ['waiting', 'active', 'delayed', 'failed'];
const READ_TIMEOUT_MS = 2000;

function isCountable(value: object): value is CountableQueue {
  const candidate = value as Partial<CountableQueue>;
  return (
    value.constructor.name === 'Queue' &&
    typeof candidate.getJobCounts === 'function' &&
    typeof candidate.name === 'string'
  );
}

export class QueueDepthMonitor {
  private readonly queues = new Set<WeakRef<CountableQueue>>();
  private readonly latest = new Map<string, Record<string, number>>();
  private timer?: NodeJS.Timeout;
  private reading = false;

  constructor(private readonly intervalMillis: number) {}

  /** Starts counting `instance` if it is a BullMQ `Queue`. */
  track(instance: object): void {
    if (!isCountable(instance)) return;
    this.queues.add(new WeakRef(instance));
    this.start();
  }

  private start(): void {
    if (this.timer) return;
    const gauge = metrics.getMeter('otel-gateway').createObservableGauge(
      'bullmq.queue.jobs',
      { description: 'Number of jobs in the queue by state', unit: '{jobs}' },
    );
    gauge.addCallback((result) => {
      for (const [queue, counts] of this.latest) {
        for (const [state, count] of Object.entries(counts)) {
          result.observe(count, {
            'bullmq.queue.name': queue,
            'bullmq.queue.jobs.state': state,
          });
        }
      }
    });
    this.timer = setInterval(() => void this.read(), this.intervalMillis);
    this.timer.unref();
    void this.read();
  }

  /**
   * Reads every queue's counts. The first read starts inside whatever
   * request created the queue, so tracing is suppressed: these Redis
   * commands belong to no trace.
   */
  private read(): Promise<void> {
    return context.with(suppressTracing(context.active()), () => this.readAll());
  }

  private async readAll(): Promise<void> {
    // A slow Redis must not pile up reads.
    if (this.reading) return;
    this.reading = true;
    try {
      for (const ref of this.queues) {
        const queue = ref.deref();
        if (!queue || queue.closing) {
          this.queues.delete(ref);
          if (queue) this.latest.delete(queue.name);
          continue;
        }
        await this.readOne(queue);
      }
    } finally {
      this.reading = false;
    }
  }

  private async readOne(queue: CountableQueue): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), READ_TIMEOUT_MS);
    });
    try {
      const counts = await Promise.race([queue.getJobCounts(...STATES), timeout]);
      if (counts) this.latest.set(queue.name, counts);
    } catch (error) {
      log.debug(`queue depth of ${queue.name} not read: ${String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
