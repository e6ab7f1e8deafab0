/**
 * Better Stack (Logtail): log records from the OpenTelemetry Logs SDK are
 * handed to `@logtail/node`, which posts them as gzip'd msgpack with the
 * source token as a Bearer token.
 *
 * Memory stays bounded when Better Stack is slow or down. The batch
 * processor in front of this exporter keeps at most `OTEL_BSP_MAX_QUEUE_SIZE`
 * records and drops the oldest past that. The SDK keeps at most
 * `(SYNC_MAX + SYNC_QUEUED_MAX) * BATCH_SIZE` records in flight and drops
 * (and counts) the rest.
 */
import { hrTimeToMilliseconds, ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { GatewayConfig, LogtailRouteConfig } from '../config';
import { LazyExporter } from '../lazy';
import type { Route } from './route';

type LogtailModule = typeof import('@logtail/node');
type LogtailClient = InstanceType<LogtailModule['Logtail']>;

const BATCH_SIZE = 500;
const SYNC_MAX = 2;
const SYNC_QUEUED_MAX = 8;
const REQUEST_TIMEOUT_MS = 5000;

/** Logtail's level names by OpenTelemetry severity number range. */
function levelOf(record: ReadableLogRecord): string {
  const severity = record.severityNumber ?? 0;
  if (severity >= 21) return 'fatal';
  if (severity >= 17) return 'error';
  if (severity >= 13) return 'warn';
  if (severity >= 9) return 'info';
  if (severity >= 5) return 'debug';
  if (severity >= 1) return 'trace';
  return record.severityText?.toLowerCase() || 'info';
}

function messageOf(record: ReadableLogRecord): string {
  const body = record.body;
  if (typeof body === 'string') return body;
  if (body === undefined || body === null) return '';
  return JSON.stringify(body);
}

class LogtailLogExporter implements LogRecordExporter {
  constructor(
    private readonly client: LogtailClient,
    private readonly service: { name: string; environment: string },
  ) {}

  export(
    records: ReadableLogRecord[],
    resultCallback: (result: ExportResult) => void,
  ): void {
    const sends = records.map((record) => {
      const spanContext = record.spanContext;
      // Attributes come first so none can replace the fixed fields.
      return this.client.log(messageOf(record), levelOf(record), {
        ...record.attributes,
        dt: new Date(hrTimeToMilliseconds(record.hrTime)),
        service: this.service.name,
        environment: this.service.environment,
        trace_id: spanContext?.traceId,
        span_id: spanContext?.spanId,
      });
    });
    // The client counts a failed batch as dropped and never rejects with
    // `ignoreExceptions`, so every export settles.
    void Promise.allSettled(sends).then(() =>
      resultCallback({ code: ExportResultCode.SUCCESS }),
    );
  }

  async forceFlush(): Promise<void> {
    await this.client.flush();
  }

  async shutdown(): Promise<void> {
    await this.client.flush();
  }
}

export function createLogtailRoute(
  logtailConfig: LogtailRouteConfig,
  config: GatewayConfig,
): Route {
  // `@logtail/node` is loaded on the first export, after start-up.
  let client: LogtailClient | undefined;
  const logExporter = new LazyExporter<ReadableLogRecord[]>(() => {
    const { Logtail } = require('@logtail/node') as LogtailModule;
    client = new Logtail(logtailConfig.sourceToken, {
      ...(logtailConfig.endpoint ? { endpoint: logtailConfig.endpoint } : {}),
      batchSize: BATCH_SIZE,
      batchInterval: 200,
      syncMax: SYNC_MAX,
      syncQueuedMax: SYNC_QUEUED_MAX,
      retryCount: 2,
      timeout: REQUEST_TIMEOUT_MS,
      ignoreExceptions: true,
      captureStackContext: false,
      sendLogsToConsoleOutput: false,
    });
    return new LogtailLogExporter(client, {
      name: config.serviceName,
      environment: config.environment,
    });
  });

  return {
    name: 'logtail',
    summary: `better stack: on, logs to ${logtailConfig.host}`,
    logExporter,
    dropped: () => client?.dropped ?? 0,
    shutdown: () => logExporter.shutdown(),
  };
}
