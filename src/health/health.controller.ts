import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { withTimeout } from '../common/with-timeout';
import { PrismaService } from '../database/prisma.service';
import { REDIS_PROBE } from '../database/redis';

const PROBE_TIMEOUT_MS = 1000;

type State = 'up' | 'down';

@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(REDIS_PROBE) private readonly redis: Redis,
  ) {}

  @Get()
  async check(@Res() response: Response): Promise<void> {
    const [postgres, redis] = await Promise.all([
      this.probe(() => this.prisma.$queryRaw`SELECT 1`),
      this.probe(() => this.redis.ping()),
    ]);
    const ok = postgres === 'up' && redis === 'up';
    response
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ok' : 'degraded', postgres, redis });
  }

  private async probe(check: () => Promise<unknown>): Promise<State> {
    try {
      await withTimeout(check(), PROBE_TIMEOUT_MS, 'probe timed out');
      return 'up';
    } catch {
      return 'down';
    }
  }
}
