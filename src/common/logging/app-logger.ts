import {
  context as otelContext,
  isSpanContextValid,
  logs,
  SeverityNumber,
  trace,
  type Attributes,
  type Context,
} from '@opentelemetry/api';
import type { LoggerService, LogLevel } from '@nestjs/common';
import { sanitize } from '#otel';
import { currentLogContext, logContextAttributes } from './log-context';

type Level = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';

const RANK: Record<Level, number> = {
  fatal: 0,
  error: 1,
  warn: 2,
  log: 3,
  debug: 4,
  verbose: 5,
};

const SEVERITY: Record<Level, { number: SeverityNumber; text: string }> = {
  fatal: { number: SeverityNumber.FATAL, text: 'FATAL' },
  error: { number: SeverityNumber.ERROR, text: 'ERROR' },
  warn: { number: SeverityNumber.WARN, text: 'WARN' },
  log: { number: SeverityNumber.INFO, text: 'INFO' },
  debug: { number: SeverityNumber.DEBUG, text: 'DEBUG' },
  verbose: { number: SeverityNumber.TRACE, text: 'TRACE' },
};

/** `LOG_LEVEL` values and the Nest level each one maps to. */
const LEVEL_NAMES: Record<string, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'log',
  log: 'log',
  debug: 'debug',
  verbose: 'verbose',
  trace: 'verbose',
};

/**
 * A structured record: `message` plus attributes. Pass it where Nest takes a
 * message, e.g. `logger.log({ message: 'sent', 'notification.id': id })`.
 */
export interface StructuredMessage {
  message: string;
  [attribute: string]: unknown;
}

export interface AppLoggerOptions {
  level: Level;
  /** One readable line per record; otherwise one JSON object per line. */
  pretty: boolean;
  /** Instrumentation scope name of the records. */
  name: string;
}

/**
 * Reads `LOG_LEVEL` (fatal, error, warn, info, debug, verbose), defaulting
 * to debug in development and info elsewhere.
 */
export function appLoggerOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): AppLoggerOptions {
  const environment = env.NODE_ENV?.trim() || 'development';
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  let level: Level = environment === 'development' ? 'debug' : 'log';
  if (raw) {
    const parsed = LEVEL_NAMES[raw];
    if (parsed) {
      level = parsed;
    } else {
      process.stderr.write(
        `warning: LOG_LEVEL="${env.LOG_LEVEL}" is not one of fatal, error, warn, info, debug, verbose; using ${level === 'log' ? 'info' : level}\n`,
      );
    }
  }
  return {
    level,
    pretty: environment === 'development' || environment === 'test',
    name: env.OTEL_SERVICE_NAME?.trim() || 'payments-service',
  };
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/**
 * Nest's logger, replaced: every record goes to the console (a readable line
 * in development, JSON elsewhere) and through the OpenTelemetry Logs API,
 * carrying the active trace and the request's or job's context fields.
 */
export class AppLogger implements LoggerService {
  private readonly otelLogger;
  private threshold: number;

  constructor(private readonly options: AppLoggerOptions) {
    this.otelLogger = logs.getLogger(options.name);
    this.threshold = RANK[options.level];
  }

  setLogLevels(levels: LogLevel[]): void {
    const ranks = levels.map((level) => RANK[level as Level] ?? RANK.log);
    this.threshold = Math.max(...ranks);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }

  /**
   * Writes one record. Nest passes the context (the logger's name) last, and
   * for errors a stack before it.
   */
  write(
    level: Level,
    message: unknown,
    params: unknown[],
    activeContext: Context = otelContext.active(),
  ): void {
    if (RANK[level] > this.threshold) return;

    const rest = [...params];
    const loggerName =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string'
        ? (rest.pop() as string)
        : undefined;
    const stack = level === 'error' || level === 'fatal'
      ? rest.find((p): p is string => typeof p === 'string' && p.includes('\n    at '))
      : undefined;

    const { text, attributes } = this.split(message);
    const all: Attributes = {
      ...logContextAttributes(currentLogContext()),
      ...attributes,
    };
    if (loggerName) all['code.namespace'] = loggerName;
    if (stack) all['exception.stacktrace'] = stack;
    const safe = sanitize(all);

    this.otelLogger.emit({
      severityNumber: SEVERITY[level].number,
      severityText: SEVERITY[level].text,
      body: text,
      attributes: safe,
      context: activeContext,
    });
    this.print(level, text, safe, loggerName, activeContext);
  }

  private split(message: unknown): { text: string; attributes: Attributes } {
    if (message instanceof Error) {
      return {
        text: message.message,
        attributes: {
          'exception.type': message.name,
          'exception.stacktrace': message.stack ?? '',
        },
      };
    }
    if (typeof message === 'object' && message !== null && 'message' in message) {
      const { message: text, ...attributes } = message as StructuredMessage;
      return { text: String(text), attributes: attributes as Attributes };
    }
    return { text: typeof message === 'string' ? message : JSON.stringify(message), attributes: {} };
  }

  private print(
    level: Level,
    text: string,
    attributes: Attributes,
    loggerName: string | undefined,
    activeContext: Context,
  ): void {
    const spanContext = trace.getSpan(activeContext)?.spanContext();
    const stream = RANK[level] <= RANK.warn ? process.stderr : process.stdout;
    if (!this.options.pretty) {
      stream.write(
        `${JSON.stringify({
          time: new Date().toISOString(),
          level: SEVERITY[level].text.toLowerCase(),
          logger: loggerName,
          message: text,
          ...(spanContext && isSpanContextValid(spanContext)
            ? { trace_id: spanContext.traceId, span_id: spanContext.spanId }
            : {}),
          ...attributes,
        })}\n`,
      );
      return;
    }
    const fields = Object.entries(attributes)
      .filter(([key]) => key !== 'exception.stacktrace' && key !== 'code.namespace')
      .map(([key, value]) => `${key}=${formatValue(value)}`);
    if (spanContext && isSpanContextValid(spanContext)) {
      fields.push(`trace_id=${spanContext.traceId}`);
    }
    const time = new Date().toISOString().slice(11, 23);
    const name = loggerName ? ` [${loggerName}]` : '';
    const line = `${time} ${SEVERITY[level].text.padEnd(5)}${name} ${text}${fields.length ? `  ${fields.join(' ')}` : ''}`;
    const stack = attributes['exception.stacktrace'];
    stream.write(typeof stack === 'string' && stack ? `${line}\n${stack}\n` : `${line}\n`);
  }
}
