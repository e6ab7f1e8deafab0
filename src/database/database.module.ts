import { Global, Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { PrismaService } from './prisma.service';
import { createProbeClient, REDIS_PROBE } from './redis';

@Global()
@Module({
  providers: [
    PrismaService,
    {
      provide: REDIS_PROBE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => {
        const client = createProbeClient(config.redisUrl);
        // Errors surface through health checks; without a listener ioredis
        // would print every failed reconnect.
        client.on('error', () => undefined);
        client.connect().catch(() => undefined);
        return client;
      },
    },
  ],
  exports: [PrismaService, REDIS_PROBE],
})
export class DatabaseModule implements OnModuleDestroy {
  constructor(@Inject(REDIS_PROBE) private readonly redis: Redis) {}

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
