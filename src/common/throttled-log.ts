import type { Logger } from '@nestjs/common';

/**
 * Logs a repeating error at most once per interval, with the count of lines
 * suppressed since the last one. During a Redis outage every connection
 * reports each reconnect attempt.
 */
export class ThrottledErrorLog {
  private lastAt = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 30_000,
  ) {}

  error(message: string): void {
    const now = Date.now();
    if (now - this.lastAt < this.intervalMs) {
      this.suppressed += 1;
      return;
    }
    const suffix =
      this.suppressed > 0 ? ` (${this.suppressed} similar errors not logged)` : '';
    this.lastAt = now;
    this.suppressed = 0;
    this.logger.error(`${message}${suffix}`);
  }
}
