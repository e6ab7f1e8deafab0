import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { errorMessage } from '../common/error-message';
import { ThrottledErrorLog } from '../common/throttled-log';

/**
 * Listens for 'error' on the queues `@nestjs/bullmq` made. Without a
 * listener, an error event (Redis unreachable) would crash the process;
 * BullMQ reconnects on its own.
 */
@Injectable()
export class QueueErrorLog implements OnModuleInit {
  private readonly logger = new Logger(QueueErrorLog.name);
  private readonly errors = new ThrottledErrorLog(this.logger);

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly names: string[],
  ) {}

  onModuleInit(): void {
    for (const name of this.names) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), {
        strict: false,
      });
      queue.on('error', (error) =>
        this.errors.error(`queue ${name}: ${errorMessage(error)}`),
      );
    }
  }
}
