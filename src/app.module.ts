import { BullModule } from '@nestjs/bullmq';
import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { AnalyticsService } from './analytics/analytics.service';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { AppLogger } from './common/logging/app-logger';
import { RequestContextMiddleware } from './common/logging/request-context.middleware';
import { RequestLoggingInterceptor } from './common/logging/request-logging.interceptor';
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
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';
import { PaystackController } from './webhooks/paystack.controller';
import { WebhooksService } from './webhooks/webhooks.service';

export interface AppOptions {
  /** Serve the HTTP API. */
  api: boolean;
  /** Run the queue processors in this process. */
  workers: boolean;
  logger: AppLogger;
}

@Module({})
export class AppModule implements NestModule {
  private static api = false;

  static forRoot(config: ServiceConfig, options: AppOptions): DynamicModule {
    AppModule.api = options.api;
    const providers: Provider[] = [
      { provide: SERVICE_CONFIG, useValue: config },
      { provide: AppLogger, useValue: options.logger },
      NotificationsService,
      AnalyticsService,
      UsersService,
    ];
    if (options.api) {
      providers.push(
        PaymentsService,
        WebhooksService,
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: RequestLoggingInterceptor },
      );
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
        ? [HealthController, PaymentsController, PaystackController, UsersController]
        : [],
      providers,
      exports: [SERVICE_CONFIG, AppLogger],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    if (!AppModule.api) return;
    consumer
      .apply(RequestContextMiddleware, RequestTelemetryMiddleware)
      .forRoutes('{*path}');
  }
}
