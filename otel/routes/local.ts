/**
 * The local sink: every signal whose route is off is written under
 * `TELEMETRY_LOCAL_DIR` as OTLP JSON, one export request per line and one
 * file per signal, so a newcomer sees traces without any account.
 */
import { join } from 'node:path';
import { trace, context as otelContext } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { GatewayConfig } from '../config';
import { log } from '../diag';
import { ATTR, LOCAL_SINK_FILES } from '../names';
import { redactString, redactValue } from '../redaction';
import { RotatingFile } from './rotating-file';
import type { ErrorContext, Route } from './route';

/** OTLP severity number for ERROR (logs data model). */
const SEVERITY_ERROR = 17;

class LocalSpanExporter implements SpanExporter {
  private warned = false;

  constructor(private readonly file: RotatingFile) {}

  export(
    spans: ReadableSpan[],
    resultCallback: (result: ExportResult) => void,
  ): void {
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (!body) {
      resultCallback({ code: ExportResultCode.FAILED });
      return;
    }
    const line = Buffer.from(body).toString('utf8');
    let failed = false;
    void this.file
      .append(line, (error) => {
        failed = true;
        this.warnOnce(error);
      })
      .then(() =>
        resultCallback({
          code: failed ? ExportResultCode.FAILED : ExportResultCode.SUCCESS,
        }),
      );
  }

  forceFlush(): Promise<void> {
    return this.file.flush();
  }

  shutdown(): Promise<void> {
    return this.file.flush();
  }

  private warnOnce(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const reason = error instanceof Error ? error.message : String(error);
    log.warn(`local sink: cannot write ${this.file.path}: ${reason}`);
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
        scopeLogs: [{ scope: { name: 'otel-gateway.errors' }, logRecords: [record] }],
      },
    ],
  });
}

export function createLocalRoute(
  config: GatewayConfig,
  signals: { traces: boolean; errors: boolean },
): Route {
  const { dir, maxFileBytes } = config.local;
  const tracesFile = new RotatingFile(
    join(dir, LOCAL_SINK_FILES.traces),
    dir,
    maxFileBytes,
  );
  const logsFile = new RotatingFile(
    join(dir, LOCAL_SINK_FILES.logs),
    dir,
    maxFileBytes,
  );
  const kept = [signals.traces && 'traces', signals.errors && 'errors']
    .filter(Boolean)
    .join(', ');

  let logWarned = false;
  const onLogError = (error: unknown) => {
    if (logWarned) return;
    logWarned = true;
    const reason = error instanceof Error ? error.message : String(error);
    log.warn(`local sink: cannot write ${logsFile.path}: ${reason}`);
  };

  return {
    name: 'local',
    summary: `local sink: on for ${kept || 'nothing'}, writing to ${dir}`,
    spanExporter: signals.traces ? new LocalSpanExporter(tracesFile) : undefined,
    captureException: signals.errors
      ? (error, errorContext) => {
          void logsFile.append(errorLogLine(config, error, errorContext), onLogError);
          return undefined;
        }
      : undefined,
    async shutdown() {
      await Promise.all([tracesFile.flush(), logsFile.flush()]);
    },
  };
}
