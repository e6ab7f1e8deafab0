/**
 * Reads the gateway's configuration from the environment, once, into one typed
 * object. Nothing else in the gateway reads `process.env`.
 *
 * A bad value never throws: it is reported once, naming the variable, the
 * value and what is used instead, because the preload must not stop the app.
 * Values that may hold secrets are never echoed.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseLogLevel, type LogLevel } from './diag';
import { KEY_RULE_NAMES } from './redaction/key-rules';
import { VALUE_RULE_NAMES } from './redaction/value-rules';

export type Environment = 'development' | 'staging' | 'production' | 'test';

export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface SentryRouteConfig {
  dsn: string;
  /** Host of the DSN, safe to print. */
  host: string;
  environment: string;
  release?: string;
}

export interface OtlpRouteConfig {
  /** Base URL; signal paths such as `/v1/traces` are appended. */
  endpoint: string;
  headers: Record<string, string>;
}

export interface BatchConfig {
  scheduledDelayMillis: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
  exportTimeoutMillis: number;
}

export interface RedactionConfig {
  /** Extra key names (`TELEMETRY_REDACT_KEYS`). */
  keys: string[];
  /** Extra value patterns (`TELEMETRY_REDACT_PATTERNS`), compiled. */
  patterns: RegExp[];
  /** Built-in rules turned off by name (`TELEMETRY_REDACT_DISABLE`). */
  disabled: string[];
}

export interface GatewayConfig {
  disabled: boolean;
  logLevel: LogLevel;
  serviceName: string;
  serviceVersion: string;
  environment: Environment;
  instanceId: string;
  resourceAttributes: Record<string, string>;
  sampler: { name: SamplerName; ratio: number };
  /** Paths of incoming requests that produce no trace. */
  untracedPaths: string[];
  /** Keeps BullMQ's housekeeping spans and raw Redis spans of BullMQ. */
  traceQueueInternals: boolean;
  batch: BatchConfig;
  shutdownTimeoutMillis: number;
  sentry?: SentryRouteConfig;
  otlp?: OtlpRouteConfig;
  local: { dir: string; maxFileBytes: number };
  redaction: RedactionConfig;
  /**
   * Hosts that receive `traceparent`, `tracestate` and `baggage`: host
   * names, `.suffix` entries, IP addresses, `private` or `*`.
   */
  propagateTo: string[];
}

export interface ConfigResult {
  config: GatewayConfig;
  /** One line per ignored or invalid setting. */
  warnings: string[];
}

type Env = Record<string, string | undefined>;

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

const ENVIRONMENTS: readonly Environment[] = [
  'development',
  'staging',
  'production',
  'test',
];

class EnvReader {
  readonly warnings: string[] = [];

  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = raw.toLowerCase();
    if (['true', '1', 'on', 'yes'].includes(value)) return true;
    if (['false', '0', 'off', 'no'].includes(value)) return false;
    this.warnings.push(
      `${name}="${raw}" is not a boolean (use true or false); using ${fallback}`,
    );
    return fallback;
  }

  integer(name: string, fallback: number, min: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= min) return value;
    this.warnings.push(
      `${name}="${raw}" is not an integer >= ${min}; using ${fallback}`,
    );
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = raw.toLowerCase() as T;
    if (allowed.includes(value)) return value;
    this.warnings.push(
      `${name}="${raw}" is not one of ${allowed.join(', ')}; using ${fallback}`,
    );
    return fallback;
  }

  list(name: string, fallback: string[]): string[] {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }
}

/** Reads `name` and `version` of the app's package.json, if there is one. */
function readPackageInfo(cwd: string): { name?: string; version?: string } {
  try {
    const text = readFileSync(join(cwd, 'package.json'), 'utf8');
    const parsed = JSON.parse(text) as { name?: unknown; version?: unknown };
    return {
      name: typeof parsed.name === 'string' ? parsed.name : undefined,
      version: typeof parsed.version === 'string' ? parsed.version : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * Parses a `k=v,k=v` list as used by `OTEL_RESOURCE_ATTRIBUTES` and
 * `OTEL_EXPORTER_OTLP_HEADERS`; values are percent-decoded per the spec.
 */
export function parseKeyValueList(
  raw: string,
  name: string,
  warnings: string[],
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (!key) {
      warnings.push(`${name} has an entry without a key; ignoring it`);
      continue;
    }
    try {
      result[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      warnings.push(`${name} has a badly encoded value for "${key}"; ignoring it`);
    }
  }
  return result;
}

/**
 * Validates a Sentry DSN without loading the Sentry SDK. A DSN looks like
 * `https://<public key>@<host>[:port][/path]/<project id>`.
 */
export function parseSentryDsn(dsn: string): { host: string } | undefined {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (!url.username) return undefined;
  const projectId = url.pathname.split('/').filter(Boolean).pop();
  if (!projectId || !/^\d+$/.test(projectId)) return undefined;
  return { host: url.host };
}

function readSentry(
  reader: EnvReader,
  environment: Environment,
): SentryRouteConfig | undefined {
  const dsn = reader.string('SENTRY_DSN');
  if (dsn === undefined) return undefined;

  const parsed = parseSentryDsn(dsn);
  if (!parsed) {
    reader.warnings.push(
      'SENTRY_DSN is not a valid Sentry DSN (expected https://<key>@<host>/<project id>); the Sentry route is off',
    );
    return undefined;
  }
  return {
    dsn,
    host: parsed.host,
    environment: reader.string('SENTRY_ENVIRONMENT') ?? environment,
    release: reader.string('SENTRY_RELEASE'),
  };
}

function readOtlp(reader: EnvReader): OtlpRouteConfig | undefined {
  const endpoint = reader.string('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (endpoint === undefined) return undefined;

  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    reader.warnings.push(
      `OTEL_EXPORTER_OTLP_ENDPOINT="${endpoint}" is not a URL (expected http://host:4318); collector mode is off`,
    );
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    reader.warnings.push(
      `OTEL_EXPORTER_OTLP_ENDPOINT="${endpoint}" must use http or https; collector mode is off`,
    );
    return undefined;
  }
  const rawHeaders = reader.string('OTEL_EXPORTER_OTLP_HEADERS');
  const headers = rawHeaders
    ? parseKeyValueList(rawHeaders, 'OTEL_EXPORTER_OTLP_HEADERS', reader.warnings)
    : {};
  return { endpoint: endpoint.replace(/\/+$/, ''), headers };
}

function readSampler(reader: EnvReader): GatewayConfig['sampler'] {
  const name = reader.oneOf(
    'OTEL_TRACES_SAMPLER',
    SAMPLERS,
    'parentbased_always_on',
  );
  const rawRatio = reader.string('OTEL_TRACES_SAMPLER_ARG');
  let ratio = 1;
  if (rawRatio !== undefined && name.endsWith('traceidratio')) {
    const value = Number(rawRatio);
    if (Number.isFinite(value) && value >= 0 && value <= 1) {
      ratio = value;
    } else {
      reader.warnings.push(
        `OTEL_TRACES_SAMPLER_ARG="${rawRatio}" is not a ratio between 0 and 1; using 1`,
      );
    }
  }
  return { name, ratio };
}

const BUILTIN_RULE_NAMES = [...KEY_RULE_NAMES, ...VALUE_RULE_NAMES];

/**
 * Splits `TELEMETRY_REDACT_PATTERNS` at commas, except inside `{}` or `[]`
 * (so `\d{2,4}` stays whole) and except an escaped `\,`, which becomes a
 * literal comma. Other escapes are kept for the regular expression.
 */
export function splitPatternList(raw: string): string[] {
  const patterns: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (char === '\\' && raw[i + 1] === ',') {
      current += ',';
      i++;
      continue;
    }
    if (char === '\\') {
      current += char + (raw[i + 1] ?? '');
      i++;
      continue;
    }
    if (char === '{' || char === '[') depth++;
    if ((char === '}' || char === ']') && depth > 0) depth--;
    if (char === ',' && depth === 0) {
      patterns.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  patterns.push(current.trim());
  return patterns.filter(Boolean);
}

function readRedactPatterns(reader: EnvReader): RegExp[] {
  const raw = reader.string('TELEMETRY_REDACT_PATTERNS');
  if (raw === undefined) return [];
  const patterns: RegExp[] = [];
  for (const source of splitPatternList(raw)) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(source, 'g');
    } catch (error) {
      reader.warnings.push(
        `TELEMETRY_REDACT_PATTERNS has an invalid regular expression "${source}" (${(error as Error).message}); skipping it`,
      );
      continue;
    }
    if (new RegExp(source).test('')) {
      reader.warnings.push(
        `TELEMETRY_REDACT_PATTERNS has a regular expression that matches the empty string, "${source}"; skipping it`,
      );
      continue;
    }
    patterns.push(pattern);
  }
  return patterns;
}

function readRedaction(reader: EnvReader): RedactionConfig {
  const keys = reader.list('TELEMETRY_REDACT_KEYS', []).filter((key) => {
    if (/[a-z0-9]/i.test(key)) return true;
    reader.warnings.push(
      `TELEMETRY_REDACT_KEYS has an entry without letters or digits, "${key}"; ignoring it`,
    );
    return false;
  });
  const disabled: string[] = [];
  for (const name of reader.list('TELEMETRY_REDACT_DISABLE', [])) {
    const rule = name.toLowerCase();
    if (BUILTIN_RULE_NAMES.includes(rule)) {
      disabled.push(rule);
      continue;
    }
    reader.warnings.push(
      `TELEMETRY_REDACT_DISABLE names an unknown rule "${name}" (rules: ${BUILTIN_RULE_NAMES.join(', ')}); ignoring it`,
    );
  }
  return { keys, patterns: readRedactPatterns(reader), disabled };
}

const HOST_ENTRY = /^\.?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

function readPropagateTo(reader: EnvReader): string[] {
  const entries: string[] = [];
  for (const raw of reader.list('TELEMETRY_PROPAGATE_TO', ['private'])) {
    // Brackets around an IPv6 address are dropped, and `*.example.com`
    // means `.example.com`.
    const entry = raw
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/^\*\./, '.');
    if (entry === 'none') continue;
    if (entry === '*' || HOST_ENTRY.test(entry) || isIP(entry) !== 0) {
      entries.push(entry);
      continue;
    }
    reader.warnings.push(
      `TELEMETRY_PROPAGATE_TO has an invalid entry "${raw}" (expected a host name, a .domain suffix, an IP address, private, * or none); ignoring it`,
    );
  }
  return entries;
}

/** Builds the configuration from an environment; never throws. */
export function configFromEnv(env: Env = process.env, cwd = process.cwd()): ConfigResult {
  const reader = new EnvReader(env);
  const pkg = readPackageInfo(cwd);

  const rawLogLevel = reader.string('OTEL_LOG_LEVEL');
  let logLevel = parseLogLevel(rawLogLevel) ?? 'info';
  if (rawLogLevel !== undefined && parseLogLevel(rawLogLevel) === undefined) {
    reader.warnings.push(
      `OTEL_LOG_LEVEL="${rawLogLevel}" is not one of none, error, warn, info, debug, verbose, all; using info`,
    );
    logLevel = 'info';
  }

  const environment = reader.oneOf('NODE_ENV', ENVIRONMENTS, 'development');

  const resourceAttributes = parseKeyValueList(
    reader.string('OTEL_RESOURCE_ATTRIBUTES') ?? '',
    'OTEL_RESOURCE_ATTRIBUTES',
    reader.warnings,
  );

  const serviceName =
    reader.string('OTEL_SERVICE_NAME') ??
    resourceAttributes['service.name'] ??
    pkg.name ??
    `unknown_service:${basename(process.argv0)}`;

  const healthPaths = reader.list('TELEMETRY_HEALTH_PATHS', ['/health']);
  const traceHealthChecks = reader.boolean('TELEMETRY_TRACE_HEALTH_CHECKS', false);

  const config: GatewayConfig = {
    disabled: reader.boolean('OTEL_SDK_DISABLED', false),
    logLevel,
    serviceName,
    serviceVersion:
      resourceAttributes['service.version'] ??
      reader.string('SENTRY_RELEASE') ??
      pkg.version ??
      '0.0.0',
    environment,
    instanceId: randomUUID(),
    resourceAttributes,
    sampler: readSampler(reader),
    untracedPaths: traceHealthChecks ? [] : healthPaths,
    traceQueueInternals: reader.boolean('TELEMETRY_TRACE_QUEUE_INTERNALS', false),
    batch: {
      scheduledDelayMillis: reader.integer('OTEL_BSP_SCHEDULE_DELAY', 1000, 1),
      maxQueueSize: reader.integer('OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1),
      maxExportBatchSize: reader.integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1),
      exportTimeoutMillis: reader.integer('OTEL_BSP_EXPORT_TIMEOUT', 10000, 1),
    },
    shutdownTimeoutMillis: reader.integer('TELEMETRY_SHUTDOWN_TIMEOUT_MS', 5000, 0),
    sentry: undefined,
    otlp: readOtlp(reader),
    local: {
      dir: resolve(cwd, reader.string('TELEMETRY_LOCAL_DIR') ?? '.telemetry'),
      maxFileBytes: reader.integer(
        'TELEMETRY_LOCAL_MAX_BYTES',
        16 * 1024 * 1024,
        4096,
      ),
    },
    redaction: readRedaction(reader),
    propagateTo: readPropagateTo(reader),
  };
  config.sentry = readSentry(reader, environment);

  if (config.batch.maxExportBatchSize > config.batch.maxQueueSize) {
    reader.warnings.push(
      `OTEL_BSP_MAX_EXPORT_BATCH_SIZE=${config.batch.maxExportBatchSize} exceeds OTEL_BSP_MAX_QUEUE_SIZE=${config.batch.maxQueueSize}; using ${config.batch.maxQueueSize}`,
    );
    config.batch.maxExportBatchSize = config.batch.maxQueueSize;
  }

  return { config, warnings: reader.warnings };
}
