/**
 * Batch processors with a hard memory bound that drop the OLDEST items when
 * full, and count what they drop. The SDK's own batch processors drop the
 * newest instead. When a destination is down for a while, the newest data is
 * what someone will want to look at.
 *
 * One export runs at a time per processor, inside a context with tracing
 * suppressed (so exporting never creates spans), and is abandoned after
 * `exportTimeoutMillis`.
 */
import { context, TraceFlags, type Context } from '@opentelemetry/api';
import {
  ExportResultCode,
  suppressTracing,
  type ExportResult,
} from '@opentelemetry/core';
import type {
  LogRecordExporter,
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import type {
  ReadableSpan,
  Span,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { BatchConfig } from './config';
import { log } from './diag';

interface ItemExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

/** A fixed-capacity FIFO that overwrites its oldest item when full. */
class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.items = new Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds an item; returns true when an older item was overwritten. */
  push(item: T): boolean {
    const tail = (this.head + this.count) % this.capacity;
    this.items[tail] = item;
    if (this.count < this.capacity) {
      this.count++;
      return false;
    }
    this.head = (this.head + 1) % this.capacity;
    return true;
  }

  take(max: number): T[] {
    const n = Math.min(max, this.count);
    const taken: T[] = new Array(n);
    for (let i = 0; i < n; i++) {
      taken[i] = this.items[this.head] as T;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
    }
    this.count -= n;
    return taken;
  }
}

export class BoundedBatcher<T> {
  private readonly buffer: RingBuffer<T>;
  private timer?: NodeJS.Timeout;
  private exporting?: Promise<void>;
  private droppedCount = 0;
  private warned = false;

  constructor(
    readonly name: string,
    private readonly exporter: ItemExporter<T>,
    private readonly batch: BatchConfig,
  ) {
    this.buffer = new RingBuffer(batch.maxQueueSize);
  }

  get dropped(): number {
    return this.droppedCount;
  }

  add(item: T): void {
    if (this.buffer.push(item)) this.onDrop();
    if (this.buffer.size >= this.batch.maxExportBatchSize) {
      this.exportSoon(0);
    } else {
      this.exportSoon(this.batch.scheduledDelayMillis);
    }
  }

  /** Exports everything buffered now, one batch at a time. */
  async flush(): Promise<void> {
    this.clearTimer();
    await this.exporting;
    while (this.buffer.size > 0) await this.exportOne();
    await this.exporter.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    await this.flush();
    await this.exporter.shutdown();
  }

  private onDrop(): void {
    this.droppedCount++;
    if (this.warned) return;
    this.warned = true;
    log.warn(
      `${this.name}: queue of ${this.batch.maxQueueSize} is full; dropping the oldest items (is the destination down?)`,
    );
  }

  private exportSoon(delay: number): void {
    if (this.exporting) return;
    if (this.timer && delay > 0) return;
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.exportOne().then(() => {
        if (this.buffer.size > 0) this.exportSoon(this.batch.scheduledDelayMillis);
      });
    }, delay);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private exportOne(): Promise<void> {
    if (this.exporting) return this.exporting;
    const items = this.buffer.take(this.batch.maxExportBatchSize);
    if (items.length === 0) return Promise.resolve();

    this.exporting = new Promise<void>((resolve) => {
      const timeout = setTimeout(() => {
        log.debug(`${this.name}: export timed out after ${this.batch.exportTimeoutMillis} ms`);
        resolve();
      }, this.batch.exportTimeoutMillis);
      timeout.unref();
      const done = (result: ExportResult) => {
        clearTimeout(timeout);
        if (result.code !== ExportResultCode.SUCCESS) {
          log.debug(`${this.name}: export failed: ${String(result.error ?? 'unknown error')}`);
        }
        resolve();
      };
      const quiet: Context = suppressTracing(context.active());
      context.with(quiet, () => {
        try {
          this.exporter.export(items, done);
        } catch (error) {
          done({ code: ExportResultCode.FAILED, error: error as Error });
        }
      });
    }).finally(() => {
      this.exporting = undefined;
    });
    return this.exporting;
  }
}

export class BoundedSpanProcessor implements SpanProcessor {
  private readonly batcher: BoundedBatcher<ReadableSpan>;

  constructor(readonly name: string, exporter: SpanExporter, batch: BatchConfig) {
    this.batcher = new BoundedBatcher(name, exporter, batch);
  }

  get dropped(): number {
    return this.batcher.dropped;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.batcher.add(span);
  }

  forceFlush(): Promise<void> {
    return this.batcher.flush();
  }

  shutdown(): Promise<void> {
    return this.batcher.shutdown();
  }
}

export class BoundedLogRecordProcessor implements LogRecordProcessor {
  private readonly batcher: BoundedBatcher<ReadableLogRecord>;

  constructor(
    readonly name: string,
    exporter: LogRecordExporter,
    batch: BatchConfig,
  ) {
    this.batcher = new BoundedBatcher(name, exporter, batch);
  }

  get dropped(): number {
    return this.batcher.dropped;
  }

  onEmit(logRecord: ReadWriteLogRecord, _context?: Context): void {
    this.batcher.add(logRecord);
  }

  forceFlush(): Promise<void> {
    return this.batcher.flush();
  }

  shutdown(): Promise<void> {
    return this.batcher.shutdown();
  }
}
