/**
 * The four ways the benchmarks run the service: bare, under the stock
 * OpenTelemetry preload, under `@sentry/node`, and under the gateway with
 * every route on. Each exports to a loopback sink; nothing is left to a
 * default endpoint.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/processes.mts';

/** Where a setup sends its telemetry: a loopback server the bench started. */
export interface Destination {
  /** Base URL for OTLP. */
  url: string;
  /** A Sentry DSN pointing at the same server. */
  dsn: string;
}

export interface Setup {
  /** Short name used in BENCH_SETUPS and logs. */
  name: string;
  /** How the table names it, with the flag that loads it. */
  label: string;
  nodeArgs: string[];
  /** Variables the setup needs, pointing every exporter at `destination`. */
  env(destination: Destination): Record<string, string>;
}

export const SETUPS: readonly Setup[] = [
  {
    name: 'bare',
    label: 'bare',
    nodeArgs: [],
    env: () => ({}),
  },
  {
    name: 'otel-stock',
    label:
      'stock OTel (`--require @opentelemetry/auto-instrumentations-node/register`)',
    nodeArgs: [
      '--require',
      '@opentelemetry/auto-instrumentations-node/register',
    ],
    env: (sink) => ({
      OTEL_SERVICE_NAME: 'payments-bench',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      // The default ("all") includes cloud detectors that probe metadata
      // addresses off this machine.
      OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
    }),
  },
  {
    name: 'sentry',
    label: 'Sentry (`--import ./bench/sentry-instrument.mjs`)',
    nodeArgs: ['--import', './bench/sentry-instrument.mjs'],
    env: (sink) => ({ SENTRY_DSN: sink.dsn }),
  },
  {
    name: 'gateway',
    label: 'gateway (`--require ./otel/register`, every route on)',
    nodeArgs: ['--require', './otel/register'],
    // Sentry, Better Stack and PostHog all on, so logs and product events
    // are exported over HTTP too, as in production.
    env: (sink) => ({
      OTEL_SERVICE_NAME: 'payments-bench',
      SENTRY_DSN: sink.dsn,
      LOGTAIL_SOURCE_TOKEN: 'bench-source-token',
      LOGTAIL_ENDPOINT: sink.url,
      POSTHOG_API_KEY: 'phc_bench',
      POSTHOG_HOST: sink.url,
    }),
  },
];

export function setupNamed(name: string): Setup {
  const setup = SETUPS.find((candidate) => candidate.name === name);
  if (!setup) throw new Error(`no setup named ${name}`);
  return setup;
}

/** Setups named in BENCH_SETUPS (comma-separated), or all of them. */
export function selectedSetups(): Setup[] {
  const wanted = process.env.BENCH_SETUPS?.split(',').map((name) =>
    name.trim(),
  );
  if (!wanted) return [...SETUPS];
  const unknown = wanted.filter((name) => !SETUPS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_SETUPS names unknown setups: ${unknown.join(', ')} (known: ${SETUPS.map((s) => s.name).join(', ')})`,
    );
  }
  return SETUPS.filter((setup) => wanted.includes(setup.name));
}

export interface ServiceEnvOptions {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  workers: boolean;
  /** Loopback server standing in for the notification provider and Paystack. */
  standInUrl: string;
  localSinkDir: string;
  extra?: Record<string, string>;
}

/**
 * The whole environment of one service process. Nothing is inherited from
 * the shell but PATH and HOME, so a stray OTEL_* or SENTRY_* variable cannot
 * change a setup.
 */
export function serviceEnv(
  setup: Setup,
  destination: Destination,
  options: ServiceEnvOptions,
): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    PORT: String(options.port),
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: options.queuePrefix,
    WORKERS: options.workers ? 'on' : 'off',
    NOTIFICATION_PROVIDER_URL: options.standInUrl,
    PAYSTACK_BASE_URL: options.standInUrl,
    TELEMETRY_LOCAL_DIR: options.localSinkDir,
    ...setup.env(destination),
    ...options.extra,
  };
}

/** Stops early, with the fix, when the service or the gateway is not built. */
export function assertBuilt(): void {
  for (const file of ['dist/main.js', 'otel/register.js']) {
    if (!existsSync(join(ROOT, file))) {
      throw new Error(
        `${file} is missing; run npm run build first (npm run bench does)`,
      );
    }
  }
}
