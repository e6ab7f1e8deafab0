import { BullModule } from '@nestjs/bullmq';
import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { RequestTelemetryMiddleware } from './common/request-telemetry.middleware';
import { SERVICE_CONFIG, type ServiceConfig } from './config';
import { DatabaseModule } from './database/database.module';
import { bullConnectionFromUrl } from './database/redis';
import { HealthController } from './health/health.controller';
import { NOTIFICATIONS_QUEUE } from './notifications/notification-queue';
import { NotificationProcessor } from './notifications/notification.processor';
import { NotificationsService } from './notifications/notifications.service';
import { PaymentsController } from './payments/payments.controller';
import { PaymentsService } from './payments/payments.service';
import { PaystackController } from './webhooks/paystack.controller';
import { WebhooksService } from './webhooks/webhooks.service';

export interface AppOptions {
  /** Serve the HTTP API. */
  api: boolean;
  /** Run the queue processors in this process. */
  workers: boolean;
}

@Module({})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestTelemetryMiddleware).forRoutes('{*path}');
  }

  static forRoot(config: ServiceConfig, options: AppOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: SERVICE_CONFIG, useValue: config },
      NotificationsService,
    ];
    if (options.api) {
      providers.push(PaymentsService, WebhooksService, {
        provide: APP_FILTER,
        useClass: HttpExceptionFilter,
      });
    }
    if (options.workers) providers.push(NotificationProcessor);

    return {
      module: AppModule,
      global: true,
      imports: [
        DatabaseModule,
        BullModule.forRoot({
          connection: bullConnectionFromUrl(config.redisUrl),
          prefix: config.queuePrefix,
        }),
        BullModule.registerQueue({ name: NOTIFICATIONS_QUEUE }),
      ],
      controllers: options.api
        ? [HealthController, PaymentsController, PaystackController]
        : [],
      providers,
      exports: [SERVICE_CONFIG],
    };
  }
}
