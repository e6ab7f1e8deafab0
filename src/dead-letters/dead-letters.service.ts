import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { DeadLetter, Prisma } from '../generated/prisma/client';

export interface NewDeadLetter {
  queue: string;
  jobId: string;
  jobName: string;
  payload: Prisma.InputJsonValue;
  attempts: number;
  error: string;
  traceparent?: string | null;
}

export interface DeadLetterView {
  id: string;
  queue: string;
  jobId: string;
  jobName: string;
  payload: unknown;
  attempts: number;
  error: string;
  failedAt: string;
  replayedAt: string | null;
}

export function toDeadLetterView(letter: DeadLetter): DeadLetterView {
  return {
    id: letter.id,
    queue: letter.queue,
    jobId: letter.jobId,
    jobName: letter.jobName,
    payload: letter.payload,
    attempts: letter.attempts,
    error: letter.error,
    failedAt: letter.failedAt.toISOString(),
    replayedAt: letter.replayedAt?.toISOString() ?? null,
  };
}

/** Jobs that exhausted their retries or failed permanently. */
@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger(DeadLettersService.name);

  constructor(private readonly prisma: PrismaService) {}

  async record(letter: NewDeadLetter): Promise<void> {
    const created = await this.prisma.deadLetter.create({
      data: { ...letter, traceparent: letter.traceparent ?? null },
    });
    this.logger.warn(
      `dead letter ${created.id}: ${letter.queue} job ${letter.jobId} failed after ${letter.attempts} attempt(s): ${letter.error}`,
    );
  }

  list(options: { queue?: string; includeReplayed: boolean; limit: number }) {
    return this.prisma.deadLetter.findMany({
      where: {
        queue: options.queue,
        replayedAt: options.includeReplayed ? undefined : null,
      },
      orderBy: { failedAt: 'desc' },
      take: options.limit,
    });
  }

  find(id: string) {
    return this.prisma.deadLetter.findUnique({ where: { id } });
  }

  /** Marks a letter replayed; false when another replay got there first. */
  async markReplayed(id: string): Promise<boolean> {
    const { count } = await this.prisma.deadLetter.updateMany({
      where: { id, replayedAt: null },
      data: { replayedAt: new Date() },
    });
    return count === 1;
  }
}
