import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { errorMessage } from '../common/error-message';
import { currentTraceparent } from '../common/trace-context';
import { isUniqueViolation } from '../common/unique-violation';
import { withTimeout } from '../common/with-timeout';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { REDIS_PROBE } from '../database/redis';
import type { Prisma } from '../generated/prisma/client';
import { retryingJobOptions, WEBHOOKS_QUEUE } from '../queues/queues';

const ENQUEUE_TIMEOUT_MS = 2000;

export const PROCESS_WEBHOOK_JOB = 'process';

export type WebhookProvider = 'paystack' | 'circle' | 'vtpass';

export interface WebhookJob {
  eventId: string;
}

export interface IncomingWebhook {
  provider: WebhookProvider;
  /** Identifies the event across the provider's redeliveries. */
  eventKey: string;
  eventType: string;
  reference?: string | null;
  payload: unknown;
}

/**
 * Stores verified webhooks and hands them to the `webhooks` queue. Storing
 * comes first, under a unique (provider, event key), so the endpoint can
 * respond 200 at once and a redelivery is recognised. Nothing is lost if
 * Redis is down, because the relay enqueues stored events later.
 */
@Injectable()
export class WebhookInbox {
  private readonly logger = new Logger(WebhookInbox.name);

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly prisma: PrismaService,
    @InjectQueue(WEBHOOKS_QUEUE) readonly queue: Queue<WebhookJob>,
    @Inject(REDIS_PROBE) private readonly redis: Redis,
  ) {}

  async accept(webhook: IncomingWebhook): Promise<'accepted' | 'duplicate'> {
    let id: string;
    try {
      const row = await this.prisma.webhookEvent.create({
        data: {
          provider: webhook.provider,
          eventKey: webhook.eventKey,
          eventType: webhook.eventType,
          reference: webhook.reference ?? null,
          payload: webhook.payload as Prisma.InputJsonValue,
          traceparent: currentTraceparent() ?? null,
        },
        select: { id: true },
      });
      id = row.id;
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
    await this.enqueue(id);
    return 'accepted';
  }

  /** Adds the job for a stored event; on failure the relay does it later. */
  async enqueue(eventId: string): Promise<void> {
    if (this.redis.status !== 'ready') {
      this.logger.warn(
        `Redis is ${this.redis.status}; webhook event ${eventId} stays RECEIVED for the relay`,
      );
      return;
    }
    try {
      await withTimeout(
        this.add(eventId),
        ENQUEUE_TIMEOUT_MS,
        `enqueue timed out after ${ENQUEUE_TIMEOUT_MS} ms`,
      );
      await this.prisma.webhookEvent.updateMany({
        where: { id: eventId, status: 'RECEIVED' },
        data: { status: 'QUEUED' },
      });
    } catch (error) {
      this.logger.warn(
        `webhook event ${eventId} stays RECEIVED for the relay: ${errorMessage(error)}`,
      );
    }
  }

  async add(eventId: string): Promise<void> {
    await this.queue.add(
      PROCESS_WEBHOOK_JOB,
      { eventId },
      { ...retryingJobOptions(this.config), jobId: eventId },
    );
  }

  /**
   * Processes a FAILED event again from its first attempt, in the caller's
   * trace. Returns false when the event is not FAILED; throws when Redis
   * cannot be reached.
   */
  async replay(eventId: string): Promise<boolean> {
    const event = await this.prisma.webhookEvent.findUnique({
      where: { id: eventId },
      select: { status: true },
    });
    if (event?.status !== 'FAILED') return false;
    // The failed job keeps its id in Redis until removed, and a new job with
    // the same id would be ignored.
    await withTimeout(
      this.queue.getJob(eventId).then((job) => job?.remove()),
      ENQUEUE_TIMEOUT_MS,
      `removing the failed job ${eventId} timed out after ${ENQUEUE_TIMEOUT_MS} ms`,
    );
    const { count } = await this.prisma.webhookEvent.updateMany({
      where: { id: eventId, status: 'FAILED' },
      data: {
        status: 'RECEIVED',
        attempts: 0,
        lastError: null,
        traceparent: currentTraceparent() ?? null,
      },
    });
    if (count === 0) return false;
    await this.enqueue(eventId);
    return true;
  }
}
