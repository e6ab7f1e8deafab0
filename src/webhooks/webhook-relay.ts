import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { PeriodicTask } from '../common/periodic-task';
import { withoutTracing } from '../common/trace-context';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { REDIS_PROBE } from '../database/redis';
import { missingJobIds } from '../queues/missing-jobs';
import {
  addInStoredTrace,
  RecheckSchedule,
  RELAY_BATCH_SIZE,
  RELAY_GRACE_MS,
} from '../queues/relay';
import { WebhookInbox } from './webhook-inbox.service';

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
  private readonly recheck: RecheckSchedule;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly prisma: PrismaService,
    private readonly inbox: WebhookInbox,
    @Inject(REDIS_PROBE) private readonly redis: Redis,
  ) {
    this.recheck = new RecheckSchedule(config.relayRecheckAfterMs, redis);
  }

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
        take: RELAY_BATCH_SIZE,
        select: { id: true, traceparent: true },
      }),
    );
    if (events.length === 0) return 0;
    for (const event of events) {
      await addInStoredTrace(event.traceparent, `webhook event ${event.id}`, () =>
        this.inbox.add(event.id),
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
    if (!this.recheck.due(now)) return 0;

    const events = await withoutTracing(() =>
      this.prisma.webhookEvent.findMany({
        where: {
          status: 'QUEUED',
          receivedAt: { lt: new Date(now - this.config.relayRecheckAfterMs) },
        },
        orderBy: { receivedAt: 'asc' },
        take: RELAY_BATCH_SIZE,
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
      await addInStoredTrace(event.traceparent, `webhook event ${event.id}`, () =>
        this.inbox.add(event.id),
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
