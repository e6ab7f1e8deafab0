import type { Logger } from '@nestjs/common';
import { errorMessage } from './error-message';
import { ThrottledErrorLog } from './throttled-log';

/**
 * Runs `run` now and then every `intervalMs` after the previous run ends,
 * so runs never overlap. A failed run is logged and the next one still
 * happens. `stop` waits for a run in progress.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly errors: ThrottledErrorLog;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly run: () => Promise<void>,
    logger: Logger,
  ) {
    this.errors = new ThrottledErrorLog(logger);
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.intervalMs);
      });
    }, delayMs);
  }

  private async runOnce(): Promise<void> {
    try {
      await this.run();
    } catch (error) {
      this.errors.error(`${this.name} failed, will try again: ${errorMessage(error)}`);
    }
  }
}
