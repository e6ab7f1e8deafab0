import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { AppLogger, appLoggerOptionsFromEnv } from './common/logging/app-logger';
import { loadServiceConfig } from './bootstrap';

/** Starts the HTTP API, with the queue workers in-process unless WORKERS=off. */
async function main(): Promise<void> {
  const config = await loadServiceConfig();
  const logger = new AppLogger(appLoggerOptionsFromEnv());
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { api: true, workers: config.workers, logger }),
    { rawBody: true, logger },
  );
  app.enableShutdownHooks();
  await app.listen(config.port, '0.0.0.0');
  new Logger('Main').log(
    `listening on port ${config.port}, workers ${config.workers ? 'on' : 'off'}`,
  );
}

void main();
