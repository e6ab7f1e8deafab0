/**
 * `npm run bench:where`: where the gateway's start-up and per-request cost
 * goes, and what the optimisation candidates would save, measured.
 *
 * 1. Module loading: each preload is loaded in fresh processes by
 *    bench/where/require-times.cts, followed by the service's module graph.
 * 2. Spans the gateway exports per request, by name.
 * 3. Gateway variants that stand for candidates, measured like
 *    `npm run bench:startup` and `npm run bench:http`: Sentry's runtime
 *    channel injection off (bench/where/no-channel-injection.cts), and no
 *    Sentry SDK at all (no SENTRY_DSN, so the local sink takes the traces).
 * 4. Per request: V8's sampling profiler during the measured load only
 *    (bench/where/cpu-profile.cts), its samples split by the code they hit.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, waitFor } from '../scripts/lib/processes.mts';
import { startCaptureServer } from '../test/support/capture-server.mts';
import {
  CONNECTIONS,
  measureRoute,
  ROUTES,
  startInstance,
  WARMUP_SECONDS,
  SECONDS,
  type Route,
} from './lib/http-run.mts';
import { runLoad } from './lib/load.mts';
import {
  packageOf,
  splitProfile,
  TELEMETRY_GROUP,
  type CpuProfile,
  type ProfileSplit,
} from './lib/profile.mts';
import { quietNote, waitForQuiet } from './lib/quiet.mts';
import { describeMachine, table, writeSection } from './lib/report.mts';
import {
  assertBuilt,
  SETUPS,
  serviceEnv,
  setupNamed,
  type Setup,
} from './lib/setups.mts';
import { exitCode, spawnNode, timeToFirstResponse } from './lib/service.mts';
import { startSink, type Sink } from './lib/sink.mts';
import { measureStartup, type StartupSample } from './lib/startup-run.mts';
import {
  fixed,
  formatSummary,
  median,
  rotate,
  summarize,
} from './lib/stats.mts';
import {
  BENCH_DATABASE_URL,
  BENCH_REDIS_URL,
  deleteQueueKeys,
  prepareDatabase,
  resetDatabase,
  uniquePrefix,
} from './lib/stores.mts';

const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const CPU_ROUNDS = 2;
/** What dist/main.js loads before it serves: the module, its checks, Express. */
const APP_MODULES = [
  'dist/app.module.js',
  'dist/bootstrap.js',
  '@nestjs/platform-express',
];

const bare = setupNamed('bare');
const gateway = setupNamed('gateway');
const noInjection: Setup = {
  name: 'gateway-no-injection',
  label: "gateway, Sentry's runtime channel injection off",
  nodeArgs: [
    '--require',
    './bench/where/no-channel-injection.cts',
    ...gateway.nodeArgs,
  ],
  env: gateway.env,
};
const withoutSentry: Setup = {
  name: 'gateway-local',
  label: 'gateway without SENTRY_DSN (no Sentry SDK; local sink)',
  nodeArgs: gateway.nodeArgs,
  env: () => ({ OTEL_SERVICE_NAME: 'payments-bench' }),
};
const VARIANTS = [gateway, noInjection, withoutSentry];

// ---------------------------------------------------------------- loading

interface FileTime {
  phase: 'preload' | 'app';
  file: string;
  parent: string | undefined;
  inclusiveMs: number;
  selfMs: number;
}

interface LoadRun {
  preloadMs: number;
  appMs: number;
  files: FileTime[];
}

/** Splits a setup's node flags into untimed ones and the timed preload. */
function loadArgs(setup: Setup): string[] {
  const flags = setup.nodeArgs.slice(0, -2);
  const [flag, specifier] = setup.nodeArgs.slice(-2);
  const mode =
    flag === '--require' ? 'require' : flag === '--import' ? 'import' : 'none';
  return [
    ...flags,
    'bench/where/require-times.cts',
    mode,
    specifier ?? '-',
    ...APP_MODULES,
  ];
}

async function loadOnce(setup: Setup, sink: Sink): Promise<LoadRun> {
  const child = spawnNode(loadArgs(setup), {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    ...setup.env(sink),
  });
  const code = await exitCode(child);
  const line = child
    .output()
    .split('\n')
    .find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line) {
    throw new Error(
      `${setup.name}: timing the module load failed:\n${child.output()}`,
    );
  }
  return JSON.parse(line.slice('RESULT '.length)) as LoadRun;
}

/**
 * Milliseconds spent entering each package from outside it, including what
 * it loads first; shared dependencies count under whichever loads them first.
 */
function inclusiveByPackage(
  files: FileTime[],
  phase: FileTime['phase'],
  parentPackage?: string,
): Map<string, number> {
  const result = new Map<string, number>();
  for (const file of files) {
    if (file.phase !== phase) continue;
    const pkg = packageOf(file.file);
    const parent = file.parent ? packageOf(file.parent) : undefined;
    if (parent === pkg) continue;
    if (parentPackage && parent !== parentPackage) continue;
    result.set(pkg, (result.get(pkg) ?? 0) + file.inclusiveMs);
  }
  return result;
}

function medianByKey(maps: Map<string, number>[]): Map<string, number> {
  const keys = new Set(maps.flatMap((map) => [...map.keys()]));
  return new Map(
    [...keys].map((key) => [key, median(maps.map((map) => map.get(key) ?? 0))]),
  );
}

function top(map: Map<string, number>, count: number): [string, number][] {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
}

// ---------------------------------------------------------------- spans

/** Names and counts of the spans the gateway exports for one request. */
async function spanNames(route: Route): Promise<Map<string, number>> {
  await resetDatabase();
  const capture = await startCaptureServer();
  const destination = {
    url: capture.url,
    dsn: `http://benchpublickey@127.0.0.1:${capture.port}/1`,
  };
  const port = await freePort();
  const queuePrefix = uniquePrefix();
  const localSinkDir = mkdtempSync(join(tmpdir(), 'bench-sink-'));
  const env = serviceEnv(gateway, destination, {
    port,
    databaseUrl: BENCH_DATABASE_URL,
    redisUrl: BENCH_REDIS_URL,
    queuePrefix,
    workers: false,
    standInUrl: capture.url,
    localSinkDir,
    extra: { TELEMETRY_TRACE_HEALTH_CHECKS: 'true' },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const service = spawnNode([...gateway.nodeArgs, 'dist/main.js'], env);
  const counts = new Map<string, number>();
  try {
    await timeToFirstResponse(service, baseUrl, performance.now());
    // Let the start-up check's spans go out first.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const before = capture.spans.length;
    const response = await fetch(`${baseUrl}${route.path}`, {
      method: route.method,
      headers: route.body ? { 'content-type': 'application/json' } : {},
      body: route.body?.replace('[<id>]', 'where-probe'),
    });
    await response.arrayBuffer();
    await service.stop();
    for (const span of capture.spans.slice(before)) {
      counts.set(span.name, (counts.get(span.name) ?? 0) + 1);
    }
  } finally {
    await service.stop();
    await capture.close();
    await deleteQueueKeys(queuePrefix);
    rmSync(localSinkDir, { recursive: true, force: true });
  }
  return counts;
}

// ---------------------------------------------------------------- profiling

interface RouteProfile {
  route: string;
  requests: number;
  split: ProfileSplit;
}

async function profileSetup(setup: Setup): Promise<RouteProfile[]> {
  await resetDatabase();
  const profileDir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  const profilePath = join(profileDir, `${setup.name}.cpuprofile`);
  const instance = await startInstance(
    setup,
    { BENCH_CPU_PROFILE: profilePath },
    ['--require', './bench/where/cpu-profile.cts'],
  );
  const profiles: RouteProfile[] = [];
  try {
    for (const route of ROUTES) {
      const load = {
        url: `${instance.baseUrl}${route.path}`,
        method: route.method,
        body: route.body,
        connections: CONNECTIONS,
      };
      await runLoad({ ...load, seconds: WARMUP_SECONDS });
      rmSync(profilePath, { force: true });
      await waitForQuiet();
      instance.service.child.kill('SIGWINCH');
      const result = await runLoad({ ...load, seconds: SECONDS });
      instance.service.child.kill('SIGWINCH');
      await waitFor(
        () => (existsSync(profilePath) ? true : undefined),
        30_000,
        'the CPU profile',
      );
      // writeFileSync may still be filling the file when it appears.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const profile = JSON.parse(
        readFileSync(profilePath, 'utf8'),
      ) as CpuProfile;
      profiles.push({
        route: route.name,
        requests: result.requests,
        split: splitProfile(profile),
      });
      console.log(
        `profiled ${setup.name} ${route.name}: ${result.requests} requests`,
      );
    }
  } finally {
    await instance.cleanup();
    rmSync(profileDir, { recursive: true, force: true });
  }
  return profiles;
}

// ---------------------------------------------------------------- report

interface Measured {
  loads: Map<string, LoadRun[]>;
  startups: Map<string, StartupSample[]>;
  /** CPU µs per GET /health, one value per round, by setup name. */
  cpu: Map<string, number[]>;
  spans: Map<string, Map<string, number>>;
  profiles: Map<string, RouteProfile[]>;
}

function renderLoading({ loads }: Measured, setups: Setup[]): string {
  const bareApp = median(loads.get('bare')!.map((r) => r.appMs));
  const rows = [
    ['setup', 'preload, ms', "service's modules, ms", 'over bare, ms'],
  ];
  for (const setup of setups) {
    const runs = loads.get(setup.name)!;
    const app = summarize(runs.map((r) => r.appMs));
    const isBare = setup.name === 'bare';
    rows.push([
      setup.label,
      isBare ? '–' : formatSummary(summarize(runs.map((r) => r.preloadMs))),
      formatSummary(app),
      isBare
        ? '–'
        : `${app.median >= bareApp ? '+' : ''}${fixed(app.median - bareApp)}`,
    ]);
  }

  const gatewayRuns = loads.get('gateway')!;
  // Only packages the gateway's own files require, so no row contains another.
  const preloadPackages = medianByKey(
    gatewayRuns.map((r) =>
      inclusiveByPackage(r.files, 'preload', 'otel/ (gateway)'),
    ),
  );
  const packageRows = [
    ['package the gateway requires', 'ms, with what it loads first'],
  ];
  for (const [pkg, ms] of top(preloadPackages, 12)) {
    if (pkg !== 'otel/ (gateway)')
      packageRows.push([`\`${pkg}\``, fixed(ms, 1)]);
  }

  const bareApps = medianByKey(
    loads.get('bare')!.map((r) => inclusiveByPackage(r.files, 'app')),
  );
  const gatewayApps = medianByKey(
    gatewayRuns.map((r) => inclusiveByPackage(r.files, 'app')),
  );
  const addedRows = [
    ['package only the gateway loads, while the service loads', 'ms'],
  ];
  let added = 0;
  for (const [pkg, ms] of top(gatewayApps, 500)) {
    if (bareApps.has(pkg) || ms < 1) continue;
    addedRows.push([`\`${pkg}\``, fixed(ms, 1)]);
    added += ms;
  }
  const appOver = median(gatewayRuns.map((r) => r.appMs)) - bareApp;

  return [
    '### Module loading',
    '',
    `${RUNS} fresh processes per row (bench/where/require-times.cts): the preload, then`,
    `what dist/main.js loads before it serves (${APP_MODULES.map((m) => `\`${m}\``).join(', ')}).`,
    'The timing hook adds its own overhead to every file, so compare rows',
    'rather than reading the numbers as start-up time.',
    '',
    table(rows),
    '',
    table(packageRows),
    '',
    `While the service's modules load, the gateway adds ${fixed(appOver)} ms. Packages it`,
    `loads there account for ${fixed(added)} ms; the rest (${fixed(appOver - added)} ms) is the`,
    "module hooks' work on every `require` the service makes: OpenTelemetry's",
    "require-in-the-middle and, with the Sentry route, Sentry's runtime channel",
    'injection (compare the variant rows).',
    '',
    addedRows.length > 1 ? table(addedRows) : '',
  ].join('\n');
}

function renderSpans({ spans }: Measured): string {
  const lines = ['### Spans the gateway exports per request', ''];
  for (const [route, counts] of spans) {
    const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
    const list = top(counts, 50)
      .map(([name, n]) => `\`${name}\` ×${n}`)
      .join(', ');
    lines.push(`- ${route} (${total} spans): ${list}.`);
  }
  return lines.join('\n');
}

function renderVariants({ startups, cpu }: Measured): string {
  const bareRuns = startups.get('bare')!;
  const rows = [
    [
      'variant',
      'first response, ms',
      'over bare, ms',
      'RSS, MiB',
      'over bare, MiB',
      `${ROUTES[0].name}, CPU µs/request`,
    ],
  ];
  for (const setup of [bare, ...VARIANTS]) {
    const runs = startups.get(setup.name)!;
    const isBare = setup.name === 'bare';
    rows.push([
      setup.label,
      formatSummary(summarize(runs.map((s) => s.firstResponseMs))),
      isBare
        ? '–'
        : fixed(
            median(
              runs.map(
                (s, i) => s.firstResponseMs - bareRuns[i].firstResponseMs,
              ),
            ),
          ),
      fixed(median(runs.map((s) => s.rssMiB)), 1),
      isBare
        ? '–'
        : fixed(median(runs.map((s, i) => s.rssMiB - bareRuns[i].rssMiB)), 1),
      formatSummary(summarize(cpu.get(setup.name)!)),
    ]);
  }
  return [
    '### Variants of the gateway',
    '',
    `Start-up as in \`npm run bench:startup\` (${RUNS} interleaved runs, "over bare" paired by`,
    `round); CPU per request as in \`npm run bench:http\`, for ${ROUTES[0].name} only (${CPU_ROUNDS}`,
    `interleaved ${SECONDS} s runs).`,
    '',
    table(rows),
  ].join('\n');
}

function renderProfiles({ profiles }: Measured): string {
  const lines = [
    '### Per request, by code',
    '',
    `V8's sampling profiler (200 µs) over ${SECONDS} s of the same load as \`npm run bench:http\`,`,
    "main thread only: busy samples divided by requests. The profiler's own",
    'overhead inflates both columns alike. Code injected into a library by a',
    "preload counts as that library's.",
  ];
  for (const route of ROUTES.map((r) => r.name)) {
    const bareProfile = profiles.get('bare')!.find((p) => p.route === route)!;
    const gatewayProfile = profiles
      .get('gateway')!
      .find((p) => p.route === route)!;
    const perRequest = (p: RouteProfile, group: string) =>
      (p.split.microsByGroup.get(group) ?? 0) / p.requests;
    const groups = [
      ...new Set([
        ...bareProfile.split.microsByGroup.keys(),
        ...gatewayProfile.split.microsByGroup.keys(),
      ]),
    ].sort(
      (a, b) => perRequest(gatewayProfile, b) - perRequest(gatewayProfile, a),
    );
    const rows = [
      ['code', 'bare, µs/request', 'gateway, µs/request', 'difference'],
    ];
    for (const group of groups) {
      const b = perRequest(bareProfile, group);
      const g = perRequest(gatewayProfile, group);
      rows.push([
        group,
        fixed(b),
        fixed(g),
        `${g >= b ? '+' : ''}${fixed(g - b)}`,
      ]);
    }
    const totalBare = bareProfile.split.busyMicros / bareProfile.requests;
    const totalGateway =
      gatewayProfile.split.busyMicros / gatewayProfile.requests;
    rows.push([
      'all busy samples',
      fixed(totalBare),
      fixed(totalGateway),
      `+${fixed(totalGateway - totalBare)}`,
    ]);

    const packageRows = [['telemetry package, gateway run', 'µs/request']];
    for (const [pkg, micros] of top(
      gatewayProfile.split.microsByTelemetryPackage,
      8,
    )) {
      packageRows.push([
        `\`${pkg}\``,
        fixed(micros / gatewayProfile.requests, 1),
      ]);
    }
    lines.push('', `#### ${route}`, '', table(rows), '', table(packageRows));
  }
  return lines.join('\n');
}

function renderCandidates(measured: Measured): string {
  const { loads, startups, cpu, spans, profiles } = measured;
  const firstResponse = (name: string) =>
    median(startups.get(name)!.map((s) => s.firstResponseMs));
  const rss = (name: string) =>
    median(startups.get(name)!.map((s) => s.rssMiB));
  const appLoad = (name: string) =>
    median(loads.get(name)!.map((r) => r.appMs));
  const cpuOf = (name: string) => median(cpu.get(name) ?? []);
  const [health, payments] = ROUTES.map((route) => route.name);
  // Differences under 10% of the gateway's CPU are within run-to-run noise.
  const cpuSaving = (from: string, to: string) => {
    const saving = cpuOf(from) - cpuOf(to);
    if (Math.abs(saving) < 0.1 * cpuOf(from)) {
      return `no difference beyond run-to-run noise (${fixed(saving)} µs)`;
    }
    return saving > 0
      ? `${fixed(saving)} µs less`
      : `${fixed(-saving)} µs more`;
  };
  const preloadPackages = medianByKey(
    loads.get('gateway')!.map((r) => inclusiveByPackage(r.files, 'preload')),
  );
  const preload = (name: string) =>
    median(loads.get(name)!.map((r) => r.preloadMs));
  const sentryLoad = preload('gateway') - preload('gateway-local');

  const paymentSpans = spans.get(payments) ?? new Map<string, number>();
  const totalPaymentSpans = [...paymentSpans.values()].reduce(
    (sum, n) => sum + n,
    0,
  );
  const prismaInternal = [
    'prisma:client:serialize',
    'prisma:client:compile',
  ].reduce((sum, name) => sum + (paymentSpans.get(name) ?? 0), 0);
  const paymentProfile = profiles
    .get('gateway')!
    .find((p) => p.route === payments)!;
  const serialization =
    (paymentProfile.split.microsByTelemetryPackage.get(
      '@opentelemetry/otlp-transformer',
    ) ?? 0) / paymentProfile.requests;
  const telemetryPerPayment =
    (paymentProfile.split.microsByGroup.get(TELEMETRY_GROUP) ?? 0) /
    paymentProfile.requests;
  const perSpan = telemetryPerPayment / totalPaymentSpans;
  const metricsLoad = preloadPackages.get('@opentelemetry/sdk-metrics') ?? 0;
  const instrumentationLoads = [
    'express',
    'nestjs-core',
    'undici',
    'ioredis',
    'http',
  ]
    .map(
      (name) =>
        [
          name,
          preloadPackages.get(`@opentelemetry/instrumentation-${name}`) ?? 0,
        ] as const,
    )
    .filter(([, ms]) => ms > 0);

  return [
    '### Optimisation candidates',
    '',
    'Each with what this run measured; the otel/ code is unchanged here.',
    '',
    `1. **Initialise Sentry with \`enableRuntimeChannelInjection: false\`.** The gateway`,
    '   uses `@sentry/node` only for errors, but its `NodeClient` still registers',
    '   module hooks that rewrite libraries to publish on diagnostics channels;',
    '   its list (`@sentry/server-utils` orchestrion config) covers express,',
    '   NestJS, ioredis, pg and Prisma. Turned off (variant row): first response',
    `   ${fixed(firstResponse('gateway') - firstResponse('gateway-no-injection'))} ms sooner, RSS ${fixed(rss('gateway') - rss('gateway-no-injection'), 1)} MiB lower, module`,
    `   loading ${fixed(appLoad('gateway') - appLoad('gateway-no-injection'))} ms shorter. CPU per request:`,
    `   ${health}: ${cpuSaving('gateway', 'gateway-no-injection')}.`,
    `2. **Load \`@sentry/node\` only for errors, later or lighter.** The Sentry route costs`,
    `   ${fixed(sentryLoad)} ms of the preload (gateway row against the one without SENTRY_DSN); without the SDK at all the first response`,
    `   comes ${fixed(firstResponse('gateway') - firstResponse('gateway-local'))} ms sooner and RSS is ${fixed(rss('gateway') - rss('gateway-local'), 1)} MiB lower (variant row; that`,
    '   variant also swaps the OTLP export for the local sink). Errors thrown',
    '   before a deferred load would be lost, so deferral needs a small buffer,',
    '   or a minimal envelope sender in place of the SDK.',
    `3. **Drop Prisma's internal spans.** ${prismaInternal} of the ${totalPaymentSpans} spans a payment exports are`,
    '   `prisma:client:serialize` and `prisma:client:compile`. The profile puts',
    `   ${fixed(telemetryPerPayment)} µs per payment in telemetry libraries, ${fixed(perSpan, 1)} µs per exported span;`,
    `   dropping those spans would save about ${fixed(prismaInternal * perSpan)} µs per payment (an estimate that`,
    '   assumes this time scales with the span count; the patched Prisma calls stay).',
    `4. **Cheaper export.** OTLP serialization (\`@opentelemetry/otlp-transformer\`) takes`,
    `   ${fixed(serialization)} µs per payment in the profile; fewer spans (3.) shrink it in`,
    '   proportion. The local sink serializes to JSON bytes, decodes them back to a',
    '   string and re-encodes on write, and stats the file before every append; see',
    '   "Per span" for its cost next to the serialization alone.',
    `5. **Avoid loading \`@opentelemetry/sdk-metrics\`** (${fixed(metricsLoad, 1)} ms). The gateway`,
    '   exports no metrics, but `@opentelemetry/otlp-transformer` has one entry',
    '   point that loads its metrics serializer, and both the OTLP exporter and',
    '   the local sink need that package. Only a trace-only entry point upstream',
    '   (or another serializer) would save this.',
    `6. **Defer instrumentation packages until their library loads.** Loading them`,
    `   up front costs ${instrumentationLoads.map(([name, ms]) => `${name} ${fixed(ms, 1)} ms`).join(', ')}; this`,
    '   saves start-up only in services that never load the library, and nothing',
    '   in the reference service, which loads them all.',
    `7. **Find which module hook costs the rest.** Without Sentry at all, the`,
    `   service's modules still load ${fixed(appLoad('gateway-local') - appLoad('bare'))} ms slower than bare (module-loading table),`,
    '   less the packages the gateway loads there (listed above). The rest is',
    "   OpenTelemetry's require-in-the-middle hook, which sees every `require`,",
    '   and the patching of http, express, NestJS, ioredis, BullMQ and Prisma.',
    '   This run does not split it further; a CPU profile of the start-up would.',
  ].join('\n');
}

async function measure(): Promise<Measured> {
  const loadSetups = [...SETUPS, noInjection, withoutSentry];
  const loads = new Map<string, LoadRun[]>(loadSetups.map((s) => [s.name, []]));
  const sink = await startSink();
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const setup of rotate(loadSetups, run)) {
        await waitForQuiet();
        loads.get(setup.name)!.push(await loadOnce(setup, sink));
      }
      console.log(`module loading: run ${run + 1}/${RUNS}`);
    }
  } finally {
    await sink.close();
  }

  const releaseDatabase = await prepareDatabase();
  const spans = new Map<string, Map<string, number>>();
  for (const route of ROUTES) spans.set(route.name, await spanNames(route));

  const startupSetups = [bare, ...VARIANTS];
  const startups = new Map<string, StartupSample[]>(
    startupSetups.map((s) => [s.name, []]),
  );
  for (const setup of startupSetups) await measureStartup(setup);
  for (let run = 0; run < RUNS; run++) {
    for (const setup of rotate(startupSetups, run)) {
      await waitForQuiet();
      startups.get(setup.name)!.push(await measureStartup(setup));
    }
    console.log(`start-up: run ${run + 1}/${RUNS}`);
  }

  // GET /health only: thousands of requests per run keep the per-request
  // CPU steady, where a few hundred payments against Postgres are not.
  const health = ROUTES[0];
  const cpu = new Map<string, number[]>(startupSetups.map((s) => [s.name, []]));
  for (let round = 0; round < CPU_ROUNDS; round++) {
    for (const setup of rotate(startupSetups, round)) {
      await resetDatabase();
      const instance = await startInstance(setup);
      try {
        await waitForQuiet();
        const result = await measureRoute(instance, health);
        cpu.get(setup.name)!.push(result.cpuMicrosPerRequest);
        console.log(
          `${setup.name} ${health.name}: ${fixed(result.cpuMicrosPerRequest)} µs CPU/request`,
        );
      } finally {
        await instance.cleanup();
      }
    }
  }

  const profiles = new Map<string, RouteProfile[]>([
    ['bare', await profileSetup(bare)],
    ['gateway', await profileSetup(gateway)],
  ]);
  await releaseDatabase();
  return { loads, startups, cpu, spans, profiles };
}

async function main(): Promise<void> {
  assertBuilt();
  const measured = await measure();
  writeSection(
    'where',
    [
      '## Where the time goes',
      '',
      'Command: `npm run bench:where`.',
      `Machine: ${describeMachine()}.`,
      quietNote(),
      '',
      renderLoading(measured, [...SETUPS, noInjection, withoutSentry]),
      '',
      renderSpans(measured),
      '',
      renderVariants(measured),
      '',
      renderProfiles(measured),
      '',
      renderCandidates(measured),
    ].join('\n'),
  );
}

await main();
