/**
 * The OpenTelemetry Logs SDK: one bounded batch processor per route that
 * takes logs. It is the global logger provider, so `logs.getLogger()` in the
 * app and the pino and winston instrumentations all feed it. Each record
 * carries the active span's trace and span ids.
 */
import { logs } from '@opentelemetry/api';
import { logs as logsApiPackage } from '@opentelemetry/api-logs';
import type { Resource } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { BoundedLogRecordProcessor } from './bounded-batch';
import type { GatewayConfig } from './config';
import { currentRedactor, RedactingLogRecordProcessor } from './redaction';
import type { Route } from './routes/route';

export function startLogs(
  config: GatewayConfig,
  resource: Resource,
  routes: Route[],
): { provider: LoggerProvider; processors: BoundedLogRecordProcessor[] } {
  const processors = routes
    .filter((route) => route.logExporter)
    .map(
      (route) =>
        new BoundedLogRecordProcessor(
          `${route.name} logs`,
          route.logExporter!,
          config.batch,
        ),
    );
  // Redaction goes first: records are writable until the last processor.
  const provider = new LoggerProvider({
    resource,
    processors: [new RedactingLogRecordProcessor(currentRedactor), ...processors],
  });
  logs.setGlobalLoggerProvider(provider);
  // `@opentelemetry/api-logs` keeps a global of its own; the winston
  // transport still reads that one.
  logsApiPackage.setGlobalLoggerProvider(provider as never);
  return { provider, processors };
}
