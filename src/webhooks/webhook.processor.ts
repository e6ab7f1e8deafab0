import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { captureException } from '#otel';
import { errorMessage } from '../common/error-message';
import { ThrottledErrorLog } from '../common/throttled-log';
import { PrismaService } from '../database/prisma.service';
import { DeadLettersService } from '../dead-letters/dead-letters.service';
import type { WebhookEvent } from '../generated/prisma/client';
import { SettlementService } from '../payments/settlement.service';
import { WEBHOOKS_QUEUE } from '../queues/queues';
import { CircleEvents } from './circle-events';
import { PaystackEvents } from './paystack-events';
import { VtpassEvents } from './vtpass-events';
import type { ApplyOnce, WebhookHandler, WebhookResult } from './webhook-effect';
import type { WebhookJob } from './webhook-inbox.service';

/**
 * Processes stored webhooks. A failure, such as the provider's status API
 * being down, is retried with exponential backoff. An event that runs out of
 * attempts is marked FAILED and kept as a dead letter.
 */
@Processor(WEBHOOKS_QUEUE, { concurrency: 8 })
export class WebhookProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(WebhookProcessor.name);
  private readonly errors = new ThrottledErrorLog(this.logger);
  private readonly handlers: Record<string, WebhookHandler>;

  constructor(
    private readonly prisma: PrismaService,
    private readonly settlement: SettlementService,
    private readonly deadLetters: DeadLettersService,
    paystack: PaystackEvents,
    circle: CircleEvents,
    vtpass: VtpassEvents,
  ) {
    super();
    this.handlers = { paystack, circle, vtpass };
  }

  async process(job: Job<WebhookJob>): Promise<string> {
    try {
      return await this.handle(job);
    } catch (error) {
      await this.onAttemptFailed(job, error).catch((failure: unknown) =>
        this.logger.error(
          `could not record the failed attempt of webhook event ${job.data.eventId} (job ${job.id}): ${errorMessage(failure)}`,
        ),
      );
      throw error;
    }
  }

  /** Without a listener a Redis outage's 'error' events would crash. */
  /**
   * Closes the worker, waiting for the job in progress, before the database
   * module disconnects; `@nestjs/bullmq` would close it only afterwards.
   */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.errors.error(`worker ${WEBHOOKS_QUEUE}: ${errorMessage(error)}`);
  }

  private async handle(job: Job<WebhookJob>): Promise<string> {
    const { eventId } = job.data;
    const event = await this.prisma.webhookEvent.findUnique({ where: { id: eventId } });
    if (!event) throw new UnrecoverableError(`webhook event ${eventId} not found`);
    if (event.status === 'PROCESSED' || event.status === 'REJECTED') {
      return `already ${event.status.toLowerCase()}`;
    }
    const handler = this.handlers[event.provider];
    if (!handler) {
      throw new UnrecoverableError(
        `webhook event ${eventId} is from unknown provider ${event.provider}`,
      );
    }
    await this.prisma.webhookEvent.update({
      where: { id: eventId },
      data: { attempts: { increment: 1 } },
    });

    const result = await handler.process(event, this.applyOnce(event));
    await this.finish(event, result);
    return result.outcome;
  }

  private applyOnce(event: WebhookEvent): ApplyOnce {
    return (effect) =>
      this.prisma.$transaction(async (tx) => {
        const claimed = await tx.webhookEvent.updateMany({
          where: { id: event.id, status: { in: ['RECEIVED', 'QUEUED'] } },
          data: { status: 'PROCESSED', processedAt: new Date(), lastError: null },
        });
        if (claimed.count === 0) return { outcome: 'duplicate' as const };
        const result = await effect(tx);
        await tx.webhookEvent.update({
          where: { id: event.id },
          data: { outcome: result.outcome },
        });
        return result;
      });
  }

  private async finish(event: WebhookEvent, result: WebhookResult): Promise<void> {
    switch (result.outcome) {
      case 'applied':
        await this.settlement.announce(result.settled);
        this.logger.log(`${event.provider} ${event.eventType} event ${event.id} applied`);
        return;
      case 'rejected':
        await this.prisma.webhookEvent.updateMany({
          where: { id: event.id, status: { in: ['RECEIVED', 'QUEUED'] } },
          data: {
            status: 'REJECTED',
            outcome: 'rejected',
            lastError: result.reason,
            processedAt: new Date(),
          },
        });
        return;
      case 'ignored':
      case 'duplicate':
        return;
    }
  }

  private async onAttemptFailed(job: Job<WebhookJob>, error: unknown): Promise<void> {
    const { eventId } = job.data;
    const message = errorMessage(error);
    const maxAttempts = job.opts.attempts ?? 1;
    const attempt = job.attemptsMade + 1;
    const final = error instanceof UnrecoverableError || attempt >= maxAttempts;
    if (!final) {
      await this.prisma.webhookEvent.updateMany({
        where: { id: eventId },
        data: { lastError: message },
      });
      this.logger.warn(
        `webhook event ${eventId} attempt ${attempt}/${maxAttempts} failed, will retry: ${message}`,
      );
      return;
    }

    // Report first: the event row may be missing, or the database down.
    const eventIdAtSentry = captureException(error, {
      tags: {
        'messaging.destination.name': WEBHOOKS_QUEUE,
        'messaging.message.id': job.id ?? eventId,
      },
      extra: { attempts: attempt },
    });
    this.logger.error(
      `webhook event ${eventId} failed for good after ${attempt} attempt(s)${eventIdAtSentry ? ` (event ${eventIdAtSentry})` : ''}: ${message}`,
    );
    const event = await this.prisma.webhookEvent
      .findUnique({ where: { id: eventId } })
      .catch(() => null);
    await this.deadLetters.record({
      queue: WEBHOOKS_QUEUE,
      jobId: job.id ?? eventId,
      jobName: job.name,
      payload: { eventId, provider: event?.provider, eventType: event?.eventType },
      attempts: attempt,
      error: message,
      traceparent: event?.traceparent,
    });
    if (event) {
      await this.prisma.webhookEvent.update({
        where: { id: eventId },
        data: { status: 'FAILED', lastError: message },
      });
    }
  }
}
