/**
 * The gateway's own diagnostic logger. Every message the preload prints goes
 * through here, and so does OpenTelemetry's `diag`, so one variable
 * (`OTEL_LOG_LEVEL`) controls all of it. Output goes to stderr with a fixed
 * prefix, one line per message, so it can be grepped out of app logs.
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';

export type LogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = {
  none: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
};

const PREFIX = '[otel-gateway]';

let threshold = RANK.info;

/** Parses `OTEL_LOG_LEVEL` values, including the spec's VERBOSE and ALL. */
export function parseLogLevel(raw: string | undefined): LogLevel | undefined {
  const value = raw?.trim().toLowerCase();
  if (!value) return undefined;
  if (value === 'verbose' || value === 'all') return 'debug';
  if (value in RANK) return value as LogLevel;
  return undefined;
}

function write(level: Exclude<LogLevel, 'none'>, message: string): void {
  if (RANK[level] > threshold) return;
  process.stderr.write(`${PREFIX} ${level}: ${message}\n`);
}

export const log = {
  error: (message: string) => write('error', message),
  warn: (message: string) => write('warn', message),
  info: (message: string) => write('info', message),
  debug: (message: string) => write('debug', message),
};

function formatArgs(message: string, args: unknown[]): string {
  if (args.length === 0) return message;
  const rest = args.map((arg) =>
    arg instanceof Error ? arg.message : String(arg),
  );
  return `${message} ${rest.join(' ')}`;
}

/** Routes OpenTelemetry's internal `diag` through the gateway's logger. */
const otelDiagAdapter: DiagLogger = {
  error: (m, ...a) => write('error', `otel: ${formatArgs(m, a)}`),
  warn: (m, ...a) => write('warn', `otel: ${formatArgs(m, a)}`),
  info: (m, ...a) => write('debug', `otel: ${formatArgs(m, a)}`),
  debug: (m, ...a) => write('debug', `otel: ${formatArgs(m, a)}`),
  verbose: () => {},
};

const OTEL_LEVEL: Record<LogLevel, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
};

export function setLogLevel(level: LogLevel): void {
  threshold = RANK[level];
  diag.setLogger(otelDiagAdapter, {
    logLevel: OTEL_LEVEL[level],
    suppressOverrideMessage: true,
  });
}

/**
 * SDK error messages already logged, because a periodic export reports the
 * same failure every interval.
 */
const loggedSdkErrors = new Set<string>();
const MAX_LOGGED_SDK_ERRORS = 100;

/**
 * Logs an error the SDK reports through its global error handler as one
 * line, once per distinct message. The SDK's own handler logs each error as
 * JSON, stack included, every time.
 */
export function logSdkError(error: unknown): void {
  const text =
    error instanceof Error
      ? error.message
      : typeof error === 'object' && error !== null && 'message' in error
        ? String((error as { message: unknown }).message)
        : String(error);
  const message = text.split('\n', 1)[0];
  if (loggedSdkErrors.has(message)) return;
  if (loggedSdkErrors.size < MAX_LOGGED_SDK_ERRORS) loggedSdkErrors.add(message);
  write('error', `otel: ${message} (repeats are not logged)`);
}
