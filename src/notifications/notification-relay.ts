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
import { NotificationQueues } from './notification-queue';

/** A PROCESSING row of the database backend older than this was abandoned. */
const DATABASE_LEASE_MS = 5 * 60_000;

/**
 * The outbox relay: marks notification rows that are still PENDING as
 * QUEUED and hands them to BullMQ, each inside the trace context stored with
 * it. It catches up with rows whose enqueue failed (Redis down), and
 * takes over rows left by the database backend, which it marks migrated.
 * Rows handed over long ago and still unfinished are checked against Redis
 * and handed over again if Redis lost their job. Several processes may
 * relay at once: the job id is the row id, so a row added twice is one job.
 */
@Injectable()
export class NotificationRelay implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NotificationRelay.name);
  private task?: PeriodicTask;
  private readonly recheck: RecheckSchedule;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly prisma: PrismaService,
    private readonly queues: NotificationQueues,
    @Inject(REDIS_PROBE) private readonly redis: Redis,
  ) {
    this.recheck = new RecheckSchedule(config.relayRecheckAfterMs, redis);
  }

  onModuleInit(): void {
    this.task = new PeriodicTask(
      'notification relay',
      this.config.relayIntervalMs,
      async () => {
        await this.relayOnce();
        await this.recheckHandedOver();
      },
      this.logger,
    );
    this.task.start();
  }

  onModuleDestroy(): Promise<void> | undefined {
    return this.task?.stop();
  }

  /** Relays one batch; returns how many rows it handed over. */
  async relayOnce(): Promise<number> {
    if (this.redis.status !== 'ready') return 0;
    const now = Date.now();
    const rows = await withoutTracing(() =>
      this.prisma.notificationQueue.findMany({
        where: {
          OR: [
            {
              status: 'PENDING',
              createdAt: { lt: new Date(now - RELAY_GRACE_MS) },
            },
            {
              status: 'PROCESSING',
              backend: 'DATABASE',
              updatedAt: { lt: new Date(now - DATABASE_LEASE_MS) },
            },
          ],
        },
        orderBy: { createdAt: 'asc' },
        take: RELAY_BATCH_SIZE,
        select: {
          id: true,
          channel: true,
          traceparent: true,
          backend: true,
          nextAttemptAt: true,
        },
      }),
    );
    if (rows.length === 0) return 0;

    // Mark first, then add: a job can finish before a later update would
    // land, and the update must not depend on the job being slow.
    const migrated = rows.filter((r) => r.backend === 'DATABASE').map((r) => r.id);
    const queued = rows.filter((r) => r.backend !== 'DATABASE').map((r) => r.id);
    const queuedAt = new Date();
    await withoutTracing(() =>
      this.prisma.$transaction([
        this.prisma.notificationQueue.updateMany({
          where: {
            id: { in: migrated },
            backend: 'DATABASE',
            status: { in: ['PENDING', 'PROCESSING'] },
          },
          data: {
            status: 'QUEUED',
            backend: 'BULLMQ',
            queuedAt,
            migratedAt: queuedAt,
          },
        }),
        this.prisma.notificationQueue.updateMany({
          where: { id: { in: queued }, status: 'PENDING' },
          data: { status: 'QUEUED', queuedAt },
        }),
      ]),
    );

    const added = new Set<string>();
    try {
      for (const row of rows) {
        const delayMs = row.nextAttemptAt
          ? Math.max(0, row.nextAttemptAt.getTime() - now)
          : undefined;
        await addInStoredTrace(row.traceparent, `notification ${row.id}`, () =>
          this.queues.add({ id: row.id, channel: row.channel, delayMs }),
        );
        added.add(row.id);
      }
    } catch (error) {
      // Give the rows not added back to the next run.
      const notAdded = rows.map((r) => r.id).filter((id) => !added.has(id));
      await withoutTracing(() =>
        this.prisma.notificationQueue.updateMany({
          where: { id: { in: notAdded }, status: 'QUEUED' },
          data: { status: 'PENDING' },
        }),
      );
      throw error;
    }
    this.logger.log(
      `relayed ${rows.length} notification(s) to BullMQ, ${migrated.length} of them taken over from the database backend`,
    );
    return rows.length;
  }

  /**
   * Hands over again the QUEUED or PROCESSING rows, unchanged for
   * OUTBOX_RECHECK_AFTER, whose job is no longer in Redis. Runs at most
   * every quarter of that time; returns how many rows it handed over.
   */
  async recheckHandedOver(): Promise<number> {
    const now = Date.now();
    if (!this.recheck.due(now)) return 0;

    const rows = await withoutTracing(() =>
      this.prisma.notificationQueue.findMany({
        where: {
          backend: 'BULLMQ',
          status: { in: ['QUEUED', 'PROCESSING'] },
          updatedAt: { lt: new Date(now - this.config.relayRecheckAfterMs) },
        },
        orderBy: { updatedAt: 'asc' },
        take: RELAY_BATCH_SIZE,
        select: { id: true, channel: true, traceparent: true },
      }),
    );
    let lost = 0;
    for (const channel of new Set(rows.map((row) => row.channel))) {
      const ofChannel = rows.filter((row) => row.channel === channel);
      const missing = new Set(
        await withoutTracing(() =>
          missingJobIds(this.queues.queue(channel), ofChannel.map((row) => row.id)),
        ),
      );
      for (const row of ofChannel.filter((r) => missing.has(r.id))) {
        await addInStoredTrace(row.traceparent, `notification ${row.id}`, () =>
          this.queues.add({ id: row.id, channel }),
        );
        await withoutTracing(() =>
          this.prisma.notificationQueue.updateMany({
            where: { id: row.id, status: { in: ['QUEUED', 'PROCESSING'] } },
            data: { status: 'QUEUED', queuedAt: new Date() },
          }),
        );
        lost += 1;
      }
    }
    if (lost > 0) {
      this.logger.warn(
        `handed ${lost} notification(s) to BullMQ again: Redis no longer had their jobs`,
      );
    }
    return lost;
  }
}
