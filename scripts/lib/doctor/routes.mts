/**
 * The doctor's checks of the telemetry routes. Each sends one request that
 * stores nothing: an empty OTLP export to Sentry and to the collector, an
 * empty list of logs to Better Stack, and a feature-flag evaluation to
 * PostHog. Messages show hosts only, never keys or tokens.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { GatewayConfig } from '../../../otel/config.ts';
import { fail, off, ok, type CheckLine } from './check-line.mts';
import { probe, type ProbeRequest } from './probe.mts';
import type { VendorSettings } from './vendors.mts';

type SentryModule = typeof import('@sentry/node');

interface HttpCheck {
  name: string;
  request: ProbeRequest;
  /** What an accepted request shows, such as `accepted the source token`. */
  accepted: string;
  /** The credential named when the host rejects the request. */
  credential: string;
  /** How to fix rejected credentials. */
  fix: string;
  /** The variable that holds the URL, named when the host misbehaves. */
  variable: string;
}

async function checkHttp(check: HttpCheck): Promise<CheckLine> {
  const host = new URL(check.request.url).host;
  const result = await probe(check.request);
  switch (result.outcome) {
    case 'accepted':
      return ok(check.name, `${host} ${check.accepted} (HTTP ${result.status}, ${result.millis} ms)`);
    case 'rejected':
      return fail(check.name, `${host} rejected ${check.credential} (HTTP ${result.status}); ${check.fix}`);
    case 'unexpected':
      return fail(check.name, `${host} answered HTTP ${result.status}; check ${check.variable}`);
    case 'timeout':
      return fail(check.name, `no answer from ${host} within ${check.request.timeoutMillis} ms; check ${check.variable} and the network`);
    case 'unreachable':
      return fail(check.name, `cannot reach ${host} (${result.reason}); check ${check.variable} and the network`);
  }
}

/** Parses a base URL from a variable; undefined if it is not http(s). */
function baseUrl(raw: string): URL | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? url
      : undefined;
  } catch {
    return undefined;
  }
}

export async function checkSentry(
  config: GatewayConfig,
  dsnIsSet: boolean,
  timeoutMillis: number,
): Promise<CheckLine> {
  if (!config.sentry) {
    return off('sentry', dsnIsSet ? 'SENTRY_DSN is invalid, so the route is off' : 'SENTRY_DSN is not set');
  }
  const Sentry: SentryModule = await import('@sentry/node');
  const endpoint = Sentry.getOtlpTracesEndpoint(config.sentry.dsn);
  if (!endpoint) {
    return fail('sentry', 'the Sentry SDK cannot build an OTLP endpoint from SENTRY_DSN; copy the DSN again from the project settings');
  }
  return checkHttp({
    name: 'sentry',
    request: {
      url: endpoint.url,
      headers: {
        ...endpoint.headers,
        'content-type': 'application/x-protobuf',
      },
      // An empty ExportTraceServiceRequest: valid OTLP that holds no span.
      body: new Uint8Array(),
      timeoutMillis,
    },
    accepted: 'accepted an empty OTLP export',
    credential: 'the key in SENTRY_DSN',
    fix: "copy the DSN again from the project's Client Keys settings",
    variable: 'SENTRY_DSN',
  });
}

export async function checkCollector(
  config: GatewayConfig,
  timeoutMillis: number,
): Promise<CheckLine> {
  if (!config.otlp) {
    return off('collector', 'collector mode is off (no usable OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)');
  }
  const traces = config.otlp.traces;
  const json = traces.protocol === 'http/json';
  const headers: Record<string, string> = {
    ...traces.headers,
    'content-type': json ? 'application/json' : 'application/x-protobuf',
  };
  let body: string | Uint8Array = json ? '{}' : new Uint8Array();
  if (traces.compression === 'gzip') {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  return checkHttp({
    name: 'collector',
    request: { url: traces.url, headers, body, timeoutMillis },
    accepted: `accepted an empty OTLP export (${traces.protocol})`,
    credential: 'the request',
    fix: 'check the credentials in OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_TRACES_HEADERS',
    variable: traces.urlVariable,
  });
}

/** The nearest directory that exists: `dir` itself or a parent. */
function nearestExisting(dir: string): string {
  let current = dir;
  while (!existsSync(current) && dirname(current) !== current) {
    current = dirname(current);
  }
  return current;
}

export function checkLocalSink(config: GatewayConfig): CheckLine {
  // The same rule as the preload: the sink takes what no route takes.
  const signals = [
    !config.otlp && !config.sentry && 'traces',
    !config.sentry && 'errors',
  ].filter(Boolean);
  if (signals.length === 0) {
    return off('local sink', 'every signal has a route');
  }
  const dir = config.local.dir;
  const existing = nearestExisting(dir);
  if (!statSync(existing).isDirectory()) {
    return fail('local sink', `${existing} is not a directory; set TELEMETRY_LOCAL_DIR to a writable directory`);
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return fail('local sink', `cannot write to ${existing} (${code}); set TELEMETRY_LOCAL_DIR to a writable directory`);
  }
  const where =
    existing === dir
      ? `${dir} is writable`
      : `${dir} will be created in ${existing}`;
  return ok('local sink', `on for ${signals.join(', ')}; ${where}`);
}

export async function checkBetterStack(
  settings: VendorSettings['betterStack'],
  timeoutMillis: number,
): Promise<CheckLine> {
  if (!settings) return off('better stack', 'LOGTAIL_SOURCE_TOKEN is not set');
  const url = settings.endpoint ? baseUrl(settings.endpoint) : undefined;
  if (!url) {
    return fail('better stack', "LOGTAIL_ENDPOINT must be the source's ingesting host, such as https://sNNNNNN.eu-nbg-2.betterstackdata.com, when LOGTAIL_SOURCE_TOKEN is set");
  }
  return checkHttp({
    name: 'better stack',
    request: {
      url: url.toString(),
      headers: {
        authorization: `Bearer ${settings.token}`,
        'content-type': 'application/json',
      },
      // An empty list of log events: accepted, and nothing is stored.
      body: '[]',
      timeoutMillis,
    },
    accepted: 'accepted the source token',
    credential: 'LOGTAIL_SOURCE_TOKEN',
    fix: "copy the token from the source's settings in Better Stack",
    variable: 'LOGTAIL_ENDPOINT',
  });
}

export async function checkPostHog(
  settings: VendorSettings['postHog'],
  timeoutMillis: number,
): Promise<CheckLine> {
  if (!settings) return off('posthog', 'POSTHOG_API_KEY is not set');
  const host = settings.host ? baseUrl(settings.host) : undefined;
  if (!host) {
    return fail('posthog', 'POSTHOG_HOST must be https://us.i.posthog.com, https://eu.i.posthog.com or your own PostHog, when POSTHOG_API_KEY is set');
  }
  return checkHttp({
    name: 'posthog',
    request: {
      // Evaluating flags with the project key reads flags and stores no event.
      url: new URL('/flags/?v=2', host).toString(),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        api_key: settings.apiKey,
        distinct_id: 'otel-gateway-doctor',
      }),
      timeoutMillis,
    },
    accepted: 'accepted POSTHOG_API_KEY',
    credential: 'POSTHOG_API_KEY',
    fix: 'use the project API key (phc_...) from the project settings',
    variable: 'POSTHOG_HOST',
  });
}
