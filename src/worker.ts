import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { AppLogger, appLoggerOptionsFromEnv } from './common/logging/app-logger';
import { loadServiceConfig } from './bootstrap';

/** Runs the queue workers alone, without the HTTP API. */
async function main(): Promise<void> {
  const config = await loadServiceConfig();
  const logger = new AppLogger(appLoggerOptionsFromEnv());
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(config, { api: false, workers: true, logger }),
    { logger },
  );
  app.enableShutdownHooks();
  new Logger('Worker').log('workers started');
}

void main();
