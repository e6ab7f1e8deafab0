/**
 * The local sink: every signal whose route is off is written under
 * `TELEMETRY_LOCAL_DIR`, one file per signal, so a newcomer can read telemetry
 * without any account. Traces, logs and metrics are OTLP JSON export
 * requests, one per line; product events are one JSON object per line.
 */
import { join } from 'node:path';
import { context as otelContext, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { GatewayConfig } from '../config';
import { log } from '../diag';
import { lazy } from '../lazy';
import { ATTR, LOCAL_SINK_FILES } from '../names';
import { redactString, redactValue } from '../redaction';
import { RotatingFile } from './rotating-file';
import type { AnalyticsSink, ErrorContext, Route, Signal } from './route';

/** The OTLP serializers, loaded on the first export rather than at start-up. */
const serializers = lazy(
  () =>
    require('@opentelemetry/otlp-transformer') as typeof import('@opentelemetry/otlp-transformer'),
);

/** OTLP severity number for ERROR (logs data model). */
const SEVERITY_ERROR = 17;

type Serialize<T> = (items: T) => Uint8Array | undefined;

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Appends one serialized OTLP request per export; never throws. */
class JsonLinesExporter<T> {
  constructor(
    private readonly file: RotatingFile,
    private readonly serialize: Serialize<T>,
    private readonly onError: (error: unknown) => void,
  ) {}

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    let body: Uint8Array | undefined;
    try {
      body = this.serialize(items);
    } catch (error) {
      this.onError(error);
      resultCallback({ code: ExportResultCode.FAILED, error: asError(error) });
      return;
    }
    if (!body) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: new Error('the OTLP serializer returned nothing'),
      });
      return;
    }
    let failure: Error | undefined;
    void this.file
      .append(body, (error) => {
        failure = asError(error);
        this.onError(error);
      })
      .then(() =>
        resultCallback(
          failure
            ? { code: ExportResultCode.FAILED, error: failure }
            : { code: ExportResultCode.SUCCESS },
        ),
      );
  }

  forceFlush(): Promise<void> {
    return this.file.flush();
  }

  shutdown(): Promise<void> {
    return this.file.flush();
  }
}

function stringValue(value: string) {
  return { stringValue: value };
}

/**
 * Writes a captured error as an OTLP log record with the exception
 * attributes of the semantic conventions, linked to the active span. The
 * message, stack trace and tags pass through the redaction rules.
 */
function errorLogLine(
  config: GatewayConfig,
  error: unknown,
  errorContext: ErrorContext | undefined,
): string {
  const err = error instanceof Error ? error : new Error(String(error));
  const message = redactString(err.message);
  const spanContext = trace.getSpan(otelContext.active())?.spanContext();
  const attributes: { key: string; value: { stringValue: string } }[] = [
    { key: ATTR.EXCEPTION_TYPE, value: stringValue(err.name) },
    { key: ATTR.EXCEPTION_MESSAGE, value: stringValue(message) },
    {
      key: ATTR.EXCEPTION_STACKTRACE,
      value: stringValue(redactString(err.stack ?? '')),
    },
  ];
  for (const [key, value] of Object.entries(errorContext?.tags ?? {})) {
    attributes.push({ key, value: stringValue(String(redactValue(key, value))) });
  }
  const nowNanos = (BigInt(Date.now()) * 1_000_000n).toString();
  const record = {
    timeUnixNano: nowNanos,
    observedTimeUnixNano: nowNanos,
    severityNumber: SEVERITY_ERROR,
    severityText: 'ERROR',
    body: stringValue(message),
    attributes,
    traceId: spanContext?.traceId,
    spanId: spanContext?.spanId,
  };
  return JSON.stringify({
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: ATTR.SERVICE_NAME, value: stringValue(config.serviceName) },
            { key: ATTR.PROCESS_PID, value: { intValue: process.pid } },
          ],
        },
        scopeLogs: [
          { scope: { name: 'otel-gateway.errors' }, logRecords: [record] },
        ],
      },
    ],
  });
}

class LocalAnalytics implements AnalyticsSink {
  constructor(
    private readonly file: RotatingFile,
    private readonly onError: (error: unknown) => void,
  ) {}

  capture(event: Parameters<AnalyticsSink['capture']>[0]): void {
    const line = JSON.stringify({
      type: 'capture',
      timestamp: new Date().toISOString(),
      ...event,
    });
    void this.file.append(line, this.onError);
  }

  identify(request: Parameters<AnalyticsSink['identify']>[0]): void {
    const line = JSON.stringify({
      type: 'identify',
      timestamp: new Date().toISOString(),
      ...request,
    });
    void this.file.append(line, this.onError);
  }

  async isFeatureEnabled(
    _flag: string,
    _distinctId: string,
    fallback: boolean,
  ): Promise<boolean> {
    return fallback;
  }
}

export function createLocalRoute(
  config: GatewayConfig,
  signals: ReadonlySet<Signal>,
): Route {
  const { dir, maxFileBytes } = config.local;
  const file = (name: keyof typeof LOCAL_SINK_FILES) =>
    new RotatingFile(join(dir, LOCAL_SINK_FILES[name]), maxFileBytes);
  const files = {
    traces: file('traces'),
    logs: file('logs'),
    metrics: file('metrics'),
    events: file('events'),
  };

  const warned = new Set<RotatingFile>();
  const onErrorFor = (target: RotatingFile) => (error: unknown) => {
    if (warned.has(target)) return;
    warned.add(target);
    const reason = error instanceof Error ? error.message : String(error);
    log.warn(`local sink: cannot write ${target.path}: ${reason}`);
  };

  const spanExporter: SpanExporter | undefined = signals.has('traces')
    ? new JsonLinesExporter<ReadableSpan[]>(
        files.traces,
        (spans) => serializers().JsonTraceSerializer.serializeRequest(spans),
        onErrorFor(files.traces),
      )
    : undefined;
  const logExporter: LogRecordExporter | undefined = signals.has('logs')
    ? new JsonLinesExporter<ReadableLogRecord[]>(
        files.logs,
        (records) => serializers().JsonLogsSerializer.serializeRequest(records),
        onErrorFor(files.logs),
      )
    : undefined;
  const metricExporter: PushMetricExporter | undefined = signals.has('metrics')
    ? new JsonLinesExporter<ResourceMetrics>(
        files.metrics,
        (metrics) =>
          serializers().JsonMetricsSerializer.serializeRequest(metrics),
        onErrorFor(files.metrics),
      )
    : undefined;

  const kept = [...signals].join(', ');
  return {
    name: 'local',
    summary: `local sink: on for ${kept || 'nothing'}, writing to ${dir}`,
    spanExporter,
    logExporter,
    metricExporter,
    analytics: signals.has('events')
      ? new LocalAnalytics(files.events, onErrorFor(files.events))
      : undefined,
    captureException: signals.has('errors')
      ? (error, errorContext) => {
          const line = errorLogLine(config, error, errorContext);
          void files.logs.append(line, onErrorFor(files.logs));
          return undefined;
        }
      : undefined,
    async shutdown() {
      await Promise.all(Object.values(files).map((f) => f.flush()));
    },
  };
}
