/**
 * Deferred loading, so start-up does not pay for code that runs later: an
 * exporter's SDK is loaded on its first export (a second or more after
 * start), not when the preload runs.
 */
import type { ExportResult } from '@opentelemetry/core';

/** Returns a function that builds the value on first call and caches it. */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

interface Exporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * An exporter whose real implementation is built on first export. If it
 * never exported, shutdown and flush do nothing.
 */
export class LazyExporter<T> implements Exporter<T> {
  private readonly get: () => Exporter<T>;
  private used = false;

  constructor(build: () => Exporter<T>) {
    this.get = lazy(build);
  }

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    this.used = true;
    this.get().export(items, resultCallback);
  }

  async forceFlush(): Promise<void> {
    if (this.used) await this.get().forceFlush?.();
  }

  async shutdown(): Promise<void> {
    if (this.used) await this.get().shutdown();
  }
}
