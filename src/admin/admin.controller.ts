import { InjectQueue } from '@nestjs/bullmq';
import {
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Logger,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ApiError } from '../common/api-error';
import { errorMessage } from '../common/error-message';
import {
  DeadLettersService,
  toDeadLetterView,
  type DeadLetterView,
} from '../dead-letters/dead-letters.service';
import { DATABASE_QUEUE_NAME } from '../notifications/database-poller';
import { NotificationsService } from '../notifications/notifications.service';
import { NOTIFICATION_QUEUES, RECONCILIATION_QUEUE, WEBHOOKS_QUEUE } from '../queues/queues';
import { RECONCILE_JOB } from '../reconciliation/reconciliation.processor';
import { WebhookInbox } from '../webhooks/webhook-inbox.service';
import { AdminGuard } from './admin.guard';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LIMIT = 500;

/** Operator endpoints, behind `Authorization: Bearer <ADMIN_API_TOKEN>`. */
@Controller('admin')
@UseGuards(AdminGuard)
export class AdminController {
  private readonly logger = new Logger(AdminController.name);

  constructor(
    private readonly deadLetters: DeadLettersService,
    private readonly notifications: NotificationsService,
    private readonly webhooks: WebhookInbox,
    @InjectQueue(RECONCILIATION_QUEUE) private readonly reconciliation: Queue,
  ) {}

  /**
   * `GET /admin/dead-letters[?queue=<name>][&all=true][&limit=n]`: jobs that
   * failed for good, newest first; replayed ones only with `all=true`.
   */
  @Get('dead-letters')
  async list(
    @Query('queue') queue?: string,
    @Query('all') all?: string,
    @Query('limit') limit?: string,
  ): Promise<{ deadLetters: DeadLetterView[] }> {
    const take = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(take) || take < 1 || take > MAX_LIMIT) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'invalid_limit',
        `limit must be an integer from 1 to ${MAX_LIMIT}`,
      );
    }
    const letters = await this.deadLetters.list({
      queue: queue || undefined,
      includeReplayed: all === 'true',
      limit: take,
    });
    return { deadLetters: letters.map(toDeadLetterView) };
  }

  /** `POST /admin/dead-letters/:id/replay`: runs the job again from attempt 1. */
  @Post('dead-letters/:id/replay')
  @HttpCode(202)
  async replay(@Param('id') id: string): Promise<{ id: string; status: 'replayed' }> {
    const letter = UUID.test(id) ? await this.deadLetters.find(id) : null;
    if (!letter) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', 'dead letter not found');
    }
    if (letter.replayedAt) {
      throw new ApiError(HttpStatus.CONFLICT, 'already_replayed', 'dead letter was already replayed');
    }
    let replayed: boolean;
    try {
      replayed = await this.replayJob(letter.queue, letter.payload);
    } catch (error) {
      this.logger.error(`replay of dead letter ${id} failed: ${errorMessage(error)}`);
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'replay_failed',
        'the job could not be replayed now (is Redis up?); retry later',
      );
    }
    if (!replayed) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'not_failed',
        'the job this dead letter records is no longer FAILED',
      );
    }
    await this.deadLetters.markReplayed(id);
    this.logger.log(`dead letter ${id} (${letter.queue} job ${letter.jobId}) replayed`);
    return { id, status: 'replayed' };
  }

  /** `POST /admin/reconciliation/run`: one reconciliation run, now. */
  @Post('reconciliation/run')
  @HttpCode(202)
  async runReconciliation(): Promise<{ jobId: string | undefined }> {
    const job = await this.reconciliation.add(RECONCILE_JOB, {}, {
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 100 },
    });
    return { jobId: job.id };
  }

  private replayJob(queue: string, payload: unknown): Promise<boolean> {
    const fields = payload as { notificationId?: unknown; eventId?: unknown };
    if (
      (NOTIFICATION_QUEUES.includes(queue) || queue === DATABASE_QUEUE_NAME) &&
      typeof fields.notificationId === 'string'
    ) {
      return this.notifications.replay(fields.notificationId);
    }
    if (queue === WEBHOOKS_QUEUE && typeof fields.eventId === 'string') {
      return this.webhooks.replay(fields.eventId);
    }
    throw new Error(`no replay for queue ${queue}`);
  }
}
