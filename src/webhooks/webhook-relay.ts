import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { PeriodicTask } from '../common/periodic-task';
import { withoutTracing, withTraceparent } from '../common/trace-context';
import { withTimeout } from '../common/with-timeout';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { REDIS_PROBE } from '../database/redis';
import { RELAY_GRACE_MS } from '../notifications/notification-relay';
import { missingJobIds } from '../queues/missing-jobs';
import { WebhookInbox } from './webhook-inbox.service';

const BATCH_SIZE = 200;
const ADD_TIMEOUT_MS = 5000;

/**
 * Hands stored webhook events that never reached the queue (Redis was down
 * when they arrived) to BullMQ, each in the trace of the request that
 * delivered it, and marks them QUEUED. Events QUEUED for longer than
 * OUTBOX_RECHECK_AFTER whose job Redis lost are handed over again.
 */
@Injectable()
export class WebhookRelay implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WebhookRelay.name);
  private task?: PeriodicTask;
  private lastRecheckAt = 0;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly prisma: PrismaService,
    private readonly inbox: WebhookInbox,
    @Inject(REDIS_PROBE) private readonly redis: Redis,
  ) {}

  onModuleInit(): void {
    this.task = new PeriodicTask(
      'webhook relay',
      this.config.relayIntervalMs,
      async () => {
        await this.relayOnce();
        await this.recheckQueued();
      },
      this.logger,
    );
    this.task.start();
  }

  onModuleDestroy(): Promise<void> | undefined {
    return this.task?.stop();
  }

  /** Relays one batch; returns how many events it handed over. */
  async relayOnce(): Promise<number> {
    if (this.redis.status !== 'ready') return 0;
    const events = await withoutTracing(() =>
      this.prisma.webhookEvent.findMany({
        where: {
          status: 'RECEIVED',
          receivedAt: { lt: new Date(Date.now() - RELAY_GRACE_MS) },
        },
        orderBy: { receivedAt: 'asc' },
        take: BATCH_SIZE,
        select: { id: true, traceparent: true },
      }),
    );
    if (events.length === 0) return 0;
    for (const event of events) {
      await withTraceparent(event.traceparent, () =>
        withTimeout(
          this.inbox.add(event.id),
          ADD_TIMEOUT_MS,
          `adding webhook event ${event.id} timed out after ${ADD_TIMEOUT_MS} ms`,
        ),
      );
    }
    await withoutTracing(() =>
      this.prisma.webhookEvent.updateMany({
        where: { id: { in: events.map((e) => e.id) }, status: 'RECEIVED' },
        data: { status: 'QUEUED' },
      }),
    );
    this.logger.log(`relayed ${events.length} webhook event(s) to BullMQ`);
    return events.length;
  }

  /** Re-adds QUEUED events whose job is gone; returns how many. */
  async recheckQueued(): Promise<number> {
    const now = Date.now();
    const recheckAfter = this.config.relayRecheckAfterMs;
    if (now - this.lastRecheckAt < recheckAfter / 4) return 0;
    if (this.redis.status !== 'ready') return 0;
    this.lastRecheckAt = now;

    const events = await withoutTracing(() =>
      this.prisma.webhookEvent.findMany({
        where: {
          status: 'QUEUED',
          receivedAt: { lt: new Date(now - recheckAfter) },
        },
        orderBy: { receivedAt: 'asc' },
        take: BATCH_SIZE,
        select: { id: true, traceparent: true },
      }),
    );
    const missing = new Set(
      await withoutTracing(() =>
        missingJobIds(this.inbox.queue, events.map((event) => event.id)),
      ),
    );
    const lost = events.filter((event) => missing.has(event.id));
    for (const event of lost) {
      await withTraceparent(event.traceparent, () =>
        withTimeout(
          this.inbox.add(event.id),
          ADD_TIMEOUT_MS,
          `adding webhook event ${event.id} timed out after ${ADD_TIMEOUT_MS} ms`,
        ),
      );
    }
    if (lost.length > 0) {
      this.logger.warn(
        `handed ${lost.length} webhook event(s) to BullMQ again: Redis no longer had their jobs`,
      );
    }
    return lost.length;
  }
}
