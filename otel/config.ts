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

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export type OtlpCompression = 'gzip' | 'none';

export interface OtlpTracesConfig {
  /** Full URL that spans are POSTed to. */
  url: string;
  /** The variable that `url` came from, for the start-up summary. */
  urlVariable: string;
  /** Shared headers overridden per key by the traces-specific ones. */
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  compression: OtlpCompression;
  /** Per-request timeout; unset keeps the batch processor's timeout. */
  timeoutMillis?: number;
}

export interface OtlpRouteConfig {
  /**
   * Base URL from `OTEL_EXPORTER_OTLP_ENDPOINT`; signal paths such as
   * `/v1/traces` are appended. Unset when only a signal endpoint is set.
   */
  endpoint?: string;
  /** Headers from `OTEL_EXPORTER_OTLP_HEADERS`, shared by every signal. */
  headers: Record<string, string>;
  traces: OtlpTracesConfig;
}

export interface LogtailRouteConfig {
  sourceToken: string;
  /** Ingesting URL of the source; the SDK's default when unset. */
  endpoint?: string;
  /** Host of the endpoint, safe to print. */
  host: string;
}

export interface PosthogRouteConfig {
  apiKey: string;
  host: string;
  /** Enables local evaluation of feature flags. */
  secretKey?: string;
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
  /** Variables that were set to a value the gateway could not use. */
  rejected: ReadonlySet<string>;
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
  /** Keeps Prisma's spans for compiling queries and serializing results. */
  tracePrismaInternals: boolean;
  batch: BatchConfig;
  shutdownTimeoutMillis: number;
  /** Interval of metric exports, in ms. */
  metricsIntervalMillis: number;
  /** Map stack traces to TypeScript sources through source maps. */
  sourceMaps: boolean;
  sentry?: SentryRouteConfig;
  otlp?: OtlpRouteConfig;
  logtail?: LogtailRouteConfig;
  posthog?: PosthogRouteConfig;
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
  /** Variables whose value was set but could not be used. */
  readonly rejected = new Set<string>();

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
      // The entry is not echoed: in OTEL_EXPORTER_OTLP_HEADERS it may be a
      // credential.
      warnings.push(`${name} has an entry that is not key=value; ignoring it`);
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
    reader.rejected.add('SENTRY_DSN');
    return undefined;
  }
  return {
    dsn,
    host: parsed.host,
    environment: reader.string('SENTRY_ENVIRONMENT') ?? environment,
    release: reader.string('SENTRY_RELEASE'),
  };
}

/** Reads an optional http(s) URL; a bad one is reported and ignored. */
function readHttpUrl(
  reader: EnvReader,
  name: string,
  consequence: string,
): URL | undefined {
  const raw = reader.string(name);
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  reader.warnings.push(
    `${name}="${raw}" is not an http(s) URL; ${consequence}`,
  );
  return undefined;
}

const LOGTAIL_DEFAULT_HOST = 'in.logs.betterstack.com';
const POSTHOG_DEFAULT_HOST = 'https://us.i.posthog.com';

function readLogtail(reader: EnvReader): LogtailRouteConfig | undefined {
  const sourceToken = reader.string('LOGTAIL_SOURCE_TOKEN');
  const endpoint = readHttpUrl(
    reader,
    'LOGTAIL_ENDPOINT',
    `using the SDK's default (${LOGTAIL_DEFAULT_HOST})`,
  );
  if (sourceToken === undefined) return undefined;
  return {
    sourceToken,
    endpoint: endpoint?.toString().replace(/\/+$/, ''),
    host: endpoint?.host ?? LOGTAIL_DEFAULT_HOST,
  };
}

function readPosthog(reader: EnvReader): PosthogRouteConfig | undefined {
  const apiKey = reader.string('POSTHOG_API_KEY');
  const host = readHttpUrl(
    reader,
    'POSTHOG_HOST',
    `using ${POSTHOG_DEFAULT_HOST}`,
  );
  if (apiKey === undefined) return undefined;
  return {
    apiKey,
    host: host?.toString().replace(/\/+$/, '') ?? POSTHOG_DEFAULT_HOST,
    secretKey: reader.string('POSTHOG_SECRET_KEY'),
  };
}

// --- Collector mode: the OTLP exporter variables of the OpenTelemetry spec.
// A traces-specific variable wins over the shared one of the same kind.

const OTLP_ENDPOINT = 'OTEL_EXPORTER_OTLP_ENDPOINT';
const OTLP_TRACES_ENDPOINT = 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';

type Parsed<T> = { value: T } | { problem: string };

/** Returns an endpoint for a message, with any user name and password masked. */
function maskUrlCredentials(raw: string): string {
  try {
    const url = new URL(raw);
    if (!url.username && !url.password) return raw;
    url.username = '***';
    url.password = '';
    return url.toString();
  } catch {
    return raw;
  }
}

/** Checks an endpoint variable: an http or https URL. */
function parseOtlpUrl(raw: string, example: string): Parsed<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `is not a URL (expected ${example})` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: 'must use http or https' };
  }
  return { value: raw };
}

function parseOtlpProtocol(raw: string): Parsed<OtlpProtocol> {
  const value = raw.toLowerCase();
  if (value === 'http/protobuf' || value === 'http/json') return { value };
  if (value === 'grpc') {
    return {
      problem:
        "is not supported because the gateway exports OTLP over HTTP (point the endpoint at the collector's OTLP/HTTP port, usually 4318)",
    };
  }
  return { problem: 'is not one of http/protobuf, http/json, grpc' };
}

function parseOtlpCompression(raw: string): Parsed<OtlpCompression> {
  const value = raw.toLowerCase();
  if (value === 'gzip' || value === 'none') return { value };
  return { problem: 'is not one of gzip, none' };
}

function parseTimeoutMillis(raw: string): Parsed<number> {
  const value = Number(raw);
  if (Number.isInteger(value) && value >= 1) return { value };
  return { problem: 'is not an integer >= 1 (milliseconds)' };
}

/**
 * Reads the first variable of `names` that is set and valid. Each invalid
 * one is reported, naming what is used instead: a later variable or the
 * fallback.
 */
function readFirstValid<T>(
  reader: EnvReader,
  names: readonly string[],
  parse: (raw: string) => Parsed<T>,
  fallback: { value: T; description: string },
): T {
  const rejected: string[] = [];
  let chosen = fallback;
  for (const name of names) {
    const raw = reader.string(name);
    if (raw === undefined) continue;
    const parsed = parse(raw);
    if ('value' in parsed) {
      chosen = { value: parsed.value, description: `${raw} from ${name}` };
      break;
    }
    rejected.push(`${name}="${raw}" ${parsed.problem}`);
  }
  for (const line of rejected) {
    reader.warnings.push(`${line}; using ${chosen.description}`);
  }
  return chosen.value;
}

function readHeaders(reader: EnvReader, name: string): Record<string, string> {
  const raw = reader.string(name);
  return raw ? parseKeyValueList(raw, name, reader.warnings) : {};
}

/**
 * Checks both endpoint variables, then reports each invalid one with its
 * consequence, which depends on whether the other one is usable.
 */
function readOtlpEndpoints(
  reader: EnvReader,
): { base?: string; traces?: { url: string; variable: string } } {
  const rawBase = reader.string(OTLP_ENDPOINT);
  const rawTraces = reader.string(OTLP_TRACES_ENDPOINT);
  const base =
    rawBase === undefined
      ? undefined
      : parseOtlpUrl(rawBase, 'http://host:4318');
  const traces =
    rawTraces === undefined
      ? undefined
      : parseOtlpUrl(rawTraces, 'http://host:4318/v1/traces');

  const baseUrl =
    base && 'value' in base ? base.value.replace(/\/+$/, '') : undefined;
  let tracesEndpoint: { url: string; variable: string } | undefined;
  if (traces && 'value' in traces) {
    // The spec uses a signal-specific endpoint as it is, path included.
    tracesEndpoint = { url: traces.value, variable: OTLP_TRACES_ENDPOINT };
  } else if (baseUrl) {
    tracesEndpoint = { url: `${baseUrl}/v1/traces`, variable: OTLP_ENDPOINT };
  }

  if (base && 'problem' in base) {
    const consequence = tracesEndpoint
      ? 'it is ignored'
      : 'collector mode is off';
    reader.warnings.push(
      `${OTLP_ENDPOINT}="${maskUrlCredentials(rawBase!)}" ${base.problem}; ${consequence}`,
    );
  }
  if (traces && 'problem' in traces) {
    const consequence = baseUrl
      ? `using ${OTLP_ENDPOINT} with /v1/traces`
      : 'collector mode is off';
    reader.warnings.push(
      `${OTLP_TRACES_ENDPOINT}="${maskUrlCredentials(rawTraces!)}" ${traces.problem}; ${consequence}`,
    );
  }
  return { base: baseUrl, traces: tracesEndpoint };
}

function readOtlp(reader: EnvReader): OtlpRouteConfig | undefined {
  const endpoints = readOtlpEndpoints(reader);
  if (!endpoints.traces) return undefined;

  const headers = readHeaders(reader, 'OTEL_EXPORTER_OTLP_HEADERS');
  const traces: OtlpTracesConfig = {
    url: endpoints.traces.url,
    urlVariable: endpoints.traces.variable,
    headers: {
      ...headers,
      ...readHeaders(reader, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    },
    protocol: readFirstValid(
      reader,
      ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'],
      parseOtlpProtocol,
      { value: 'http/protobuf', description: 'http/protobuf' },
    ),
    compression: readFirstValid(
      reader,
      [
        'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
        'OTEL_EXPORTER_OTLP_COMPRESSION',
      ],
      parseOtlpCompression,
      { value: 'none', description: 'none' },
    ),
    timeoutMillis: readFirstValid<number | undefined>(
      reader,
      ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT'],
      parseTimeoutMillis,
      { value: undefined, description: 'OTEL_BSP_EXPORT_TIMEOUT' },
    ),
  };
  return { endpoint: endpoints.base, headers, traces };
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
    rejected: reader.rejected,
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
    tracePrismaInternals: reader.boolean('TELEMETRY_TRACE_PRISMA_INTERNALS', false),
    batch: {
      scheduledDelayMillis: reader.integer('OTEL_BSP_SCHEDULE_DELAY', 1000, 1),
      maxQueueSize: reader.integer('OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1),
      maxExportBatchSize: reader.integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1),
      exportTimeoutMillis: reader.integer('OTEL_BSP_EXPORT_TIMEOUT', 10000, 1),
    },
    shutdownTimeoutMillis: reader.integer('TELEMETRY_SHUTDOWN_TIMEOUT_MS', 5000, 0),
    metricsIntervalMillis: reader.integer(
      'TELEMETRY_METRICS_INTERVAL_MS',
      60_000,
      1000,
    ),
    sourceMaps: reader.boolean('TELEMETRY_SOURCE_MAPS', true),
    sentry: undefined,
    otlp: readOtlp(reader),
    logtail: readLogtail(reader),
    posthog: readPosthog(reader),
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
