import { BullModule } from '@nestjs/bullmq';
import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, ModuleRef } from '@nestjs/core';
import { AdminController } from './admin/admin.controller';
import { AdminGuard } from './admin/admin.guard';
import { AnalyticsService } from './analytics/analytics.service';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { AppLogger } from './common/logging/app-logger';
import { RequestContextMiddleware } from './common/logging/request-context.middleware';
import { RequestLoggingInterceptor } from './common/logging/request-logging.interceptor';
import { RequestTelemetryMiddleware } from './common/request-telemetry.middleware';
import { SERVICE_CONFIG, type ServiceConfig } from './config';
import { DatabaseModule } from './database/database.module';
import { bullConnectionFromUrl } from './database/redis';
import { DeadLettersService } from './dead-letters/dead-letters.service';
import { HealthController } from './health/health.controller';
import { DatabaseNotificationPoller } from './notifications/database-poller';
import { NotificationDelivery } from './notifications/notification-delivery';
import { NotificationQueues } from './notifications/notification-queue';
import { NotificationRelay } from './notifications/notification-relay';
import { NotificationWorkers } from './notifications/notification-workers';
import { NotificationProcessor } from './notifications/notification.processor';
import { NotificationsService } from './notifications/notifications.service';
import { PaymentsController } from './payments/payments.controller';
import { PaymentsService } from './payments/payments.service';
import { SettlementService } from './payments/settlement.service';
import { QueueErrorLog } from './queues/queue-error-log';
import {
  NOTIFICATION_QUEUES,
  RECONCILIATION_QUEUE,
  WEBHOOKS_QUEUE,
} from './queues/queues';
import { PaystackClient } from './reconciliation/paystack.client';
import { ReconciliationProcessor } from './reconciliation/reconciliation.processor';
import { ReconciliationService } from './reconciliation/reconciliation.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';
import { VtpassClient } from './vtu/vtpass.client';
import { VtuController } from './vtu/vtu.controller';
import { VtuService } from './vtu/vtu.service';
import { CircleController } from './webhooks/circle.controller';
import { CircleEvents } from './webhooks/circle-events';
import { CircleSignatureVerifier } from './webhooks/circle-signature';
import { PaystackController } from './webhooks/paystack.controller';
import { PaystackEvents } from './webhooks/paystack-events';
import { VtpassController } from './webhooks/vtpass.controller';
import { VtpassEvents } from './webhooks/vtpass-events';
import { WebhookInbox } from './webhooks/webhook-inbox.service';
import { WebhookRelay } from './webhooks/webhook-relay';
import { WebhookProcessor } from './webhooks/webhook.processor';

const QUEUES = [...NOTIFICATION_QUEUES, WEBHOOKS_QUEUE, RECONCILIATION_QUEUE];

export interface AppOptions {
  /** Serve the HTTP API. */
  api: boolean;
  /** Run the queue processors in this process. */
  workers: boolean;
  logger: AppLogger;
}

/** Providers that run jobs: workers, relays and the scheduler. */
function workerProviders(config: ServiceConfig): Provider[] {
  const providers: Provider[] = [
    NotificationDelivery,
    PaystackEvents,
    CircleEvents,
    VtpassEvents,
    WebhookProcessor,
    WebhookRelay,
    PaystackClient,
    ReconciliationService,
    ReconciliationProcessor,
  ];
  if (config.notifications.backend === 'bullmq') {
    providers.push(NotificationProcessor, NotificationWorkers, NotificationRelay);
  } else {
    providers.push(DatabaseNotificationPoller);
  }
  return providers;
}

@Module({})
export class AppModule implements NestModule {
  private static api = false;

  static forRoot(config: ServiceConfig, options: AppOptions): DynamicModule {
    AppModule.api = options.api;
    const providers: Provider[] = [
      { provide: SERVICE_CONFIG, useValue: config },
      { provide: AppLogger, useValue: options.logger },
      AnalyticsService,
      UsersService,
      {
        provide: QueueErrorLog,
        inject: [ModuleRef],
        useFactory: (moduleRef: ModuleRef) => new QueueErrorLog(moduleRef, QUEUES),
      },
      NotificationQueues,
      NotificationsService,
      DeadLettersService,
      SettlementService,
      VtpassClient,
      WebhookInbox,
    ];
    if (options.api) {
      providers.push(
        PaymentsService,
        CircleSignatureVerifier,
        VtuService,
        AdminGuard,
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: RequestLoggingInterceptor },
      );
    }
    if (options.workers) providers.push(...workerProviders(config));

    return {
      module: AppModule,
      global: true,
      imports: [
        DatabaseModule,
        BullModule.forRoot({
          connection: bullConnectionFromUrl(config.redisUrl),
          prefix: config.queuePrefix,
        }),
        BullModule.registerQueue(...QUEUES.map((name) => ({ name }))),
      ],
      controllers: options.api
        ? [
            HealthController,
            PaymentsController,
            PaystackController,
            CircleController,
            VtpassController,
            VtuController,
            AdminController,
            UsersController,
          ]
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
