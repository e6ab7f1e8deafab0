/**
 * `npm run bench:where`: where the gateway's start-up and per-request cost
 * goes, and what the optimisation candidates would save, measured.
 *
 * 1. Module loading: each preload is loaded in fresh processes by
 *    bench/where/require-times.cts, followed by the service's module graph.
 * 2. Spans the gateway exports per request, by name.
 * 3. Gateway variants measured like `npm run bench:startup` and
 *    `npm run bench:http`: Prisma's compile and serialize spans kept (the
 *    gateway before it left them out), and no credentials at all (every
 *    signal goes to the local sink, no vendor SDK).
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
/** SpanKind SERVER as OTLP encodes it. */
const SPAN_KIND_SERVER = 2;
const CPU_ROUNDS = 2;
/** What dist/main.js loads before it serves: the module, its checks, Express. */
const APP_MODULES = [
  'dist/app.module.js',
  'dist/bootstrap.js',
  '@nestjs/platform-express',
];

const bare = setupNamed('bare');
const gateway = setupNamed('gateway');
const prismaInternals: Setup = {
  name: 'gateway-prisma-internals',
  label:
    "gateway keeping Prisma's compile and serialize spans (`TELEMETRY_TRACE_PRISMA_INTERNALS=true`)",
  nodeArgs: gateway.nodeArgs,
  env: (destination) => ({
    ...gateway.env(destination),
    TELEMETRY_TRACE_PRISMA_INTERNALS: 'true',
  }),
};
const localOnly: Setup = {
  name: 'gateway-local',
  label: 'gateway with no credentials (every signal to the local sink)',
  nodeArgs: gateway.nodeArgs,
  env: () => ({ OTEL_SERVICE_NAME: 'payments-bench' }),
};
const VARIANTS = [gateway, prismaInternals, localOnly];
/** Setups timed module by module; the Prisma variant loads the same modules. */
const LOAD_SETUPS = [...SETUPS, localOnly];

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

/** Names and counts of the spans a gateway setup exports for one request. */
async function spanNames(
  setup: Setup,
  route: Route,
): Promise<Map<string, number>> {
  await resetDatabase();
  const capture = await startCaptureServer();
  const destination = {
    url: capture.url,
    dsn: `http://benchpublickey@127.0.0.1:${capture.port}/1`,
  };
  const port = await freePort();
  const queuePrefix = uniquePrefix();
  const localSinkDir = mkdtempSync(join(tmpdir(), 'bench-sink-'));
  const env = serviceEnv(setup, destination, {
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
  const service = spawnNode([...setup.nodeArgs, 'dist/main.js'], env);
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
    // Only the request's trace: shutdown adds spans of its own (Prisma's
    // disconnect, for one).
    const received = capture.spans.slice(before);
    const server = received.find((span) => span.kind === SPAN_KIND_SERVER);
    for (const span of received) {
      if (span.traceId !== server?.traceId) continue;
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
  /** CPU µs per request, one value per round, by setup name and route. */
  cpu: Map<string, Map<string, number[]>>;
  /** Span names and counts per request, by setup name and route. */
  spans: Map<string, Map<string, Map<string, number>>>;
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
    "module hooks' work on every `require` the service makes (OpenTelemetry's",
    'require-in-the-middle) and the patching of the libraries it instruments.',
    '',
    addedRows.length > 1 ? table(addedRows) : '',
  ].join('\n');
}

function renderSpans({ spans }: Measured): string {
  const lines = ['### Spans the gateway exports per request', ''];
  for (const [route, counts] of spans.get(gateway.name)!) {
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
      ...ROUTES.map((route) => `${route.name}, CPU µs/request`),
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
      ...ROUTES.map((route) =>
        formatSummary(summarize(cpu.get(setup.name)!.get(route.name)!)),
      ),
    ]);
  }
  return [
    '### Variants of the gateway',
    '',
    `Start-up as in \`npm run bench:startup\` (${RUNS} interleaved runs, "over bare" paired by`,
    `round); CPU per request as in \`npm run bench:http\` (${CPU_ROUNDS} interleaved ${SECONDS} s runs`,
    'per route). A payment costs milliseconds against Postgres and runs a few',
    'hundred times per run, so its column moves more between runs.',
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

/** `value` as a magnitude with the word for its sign: "12 ms sooner". */
function signed(value: number, digits: number, more: string, less: string): string {
  return `${fixed(Math.abs(value), digits)} ${value >= 0 ? more : less}`;
}

function renderCandidates(measured: Measured): string {
  const { loads, startups, cpu, spans, profiles } = measured;
  const firstResponse = (name: string) =>
    median(startups.get(name)!.map((s) => s.firstResponseMs));
  const rss = (name: string) =>
    median(startups.get(name)!.map((s) => s.rssMiB));
  const appLoad = (name: string) =>
    median(loads.get(name)!.map((r) => r.appMs));
  const cpuOf = (name: string, route: string) =>
    median(cpu.get(name)!.get(route)!);
  // A difference is noise when the two setups' runs overlap, or when it is
  // under 10% of the CPU per request.
  const cpuChange = (from: string, to: string, route: string) => {
    const saving = cpuOf(from, route) - cpuOf(to, route);
    const a = cpu.get(from)!.get(route)!;
    const b = cpu.get(to)!.get(route)!;
    const overlap =
      Math.max(...a) >= Math.min(...b) && Math.max(...b) >= Math.min(...a);
    if (overlap || Math.abs(saving) < 0.1 * cpuOf(from, route)) {
      return `${route} no difference beyond run-to-run noise (${fixed(saving)} µs)`;
    }
    return saving > 0
      ? `${route} ${fixed(saving)} µs less`
      : `${route} ${fixed(-saving)} µs more`;
  };
  const spanCount = (name: string, route: string) =>
    [...spans.get(name)!.get(route)!.values()].reduce((sum, n) => sum + n, 0);
  const [health, payments] = ROUTES.map((route) => route.name);

  const preloadPackages = medianByKey(
    loads.get('gateway')!.map((r) => inclusiveByPackage(r.files, 'preload')),
  );
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
  const withInternals = prismaInternals.name;

  return [
    '### What the variants show, and what is left',
    '',
    "1. **Prisma's compile and serialize spans, left out by default.** Kept",
    `   (variant row), a request exports ${health} ${spanCount(withInternals, health)} and ${payments} ${spanCount(withInternals, payments)} spans;`,
    `   left out, ${spanCount('gateway', health)} and ${spanCount('gateway', payments)}. CPU per request with them left out:`,
    `   ${cpuChange(withInternals, 'gateway', health)}; ${cpuChange(withInternals, 'gateway', payments)}.`,
    '2. **Vendor routes at start-up.** `@sentry/node` loads on the first',
    '   captured error and the other vendor SDKs on first use, so the routes',
    '   add little to the start-up. With no credentials (variant row) the first',
    `   response comes ${signed(firstResponse('gateway-local') - firstResponse('gateway'), 0, 'ms later', 'ms sooner')} and RSS is`,
    `   ${signed(rss('gateway-local') - rss('gateway'), 1, 'MiB higher', 'MiB lower')} than with every route on. The first`,
    '   error pays for loading the Sentry SDK.',
    `3. **Module hooks.** The service's modules load ${fixed(appLoad('gateway') - appLoad('bare'))} ms slower than bare`,
    '   (module-loading table), less the packages the gateway loads there. The',
    "   rest is OpenTelemetry's require-in-the-middle hook, which sees every",
    '   `require`, and the patching of http, express, NestJS, ioredis, BullMQ and',
    '   Prisma. This run does not split it further; a CPU profile of the',
    '   start-up would.',
    `4. **Export.** Telemetry libraries take ${fixed(telemetryPerPayment)} µs per payment in the profile,`,
    `   OTLP serialization (\`@opentelemetry/otlp-transformer\`) ${fixed(serialization)} µs of it. Fewer`,
    '   spans shrink both in proportion; "Per span" gives the serialization cost',
    '   per span.',
    '5. **Instrumentation packages loaded up front.** They cost',
    `   ${instrumentationLoads.map(([name, ms]) => `${name} ${fixed(ms, 1)} ms`).join(', ')}. Deferring`,
    '   each until its library loads saves start-up only in services that never',
    '   load that library, and nothing in the reference service, which loads',
    '   them all.',
  ].join('\n');
}

async function measure(): Promise<Measured> {
  const loads = new Map<string, LoadRun[]>(
    LOAD_SETUPS.map((s) => [s.name, []]),
  );
  const sink = await startSink();
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const setup of rotate(LOAD_SETUPS, run)) {
        await waitForQuiet();
        loads.get(setup.name)!.push(await loadOnce(setup, sink));
      }
      console.log(`module loading: run ${run + 1}/${RUNS}`);
    }
  } finally {
    await sink.close();
  }

  const releaseDatabase = await prepareDatabase();
  const spans = new Map<string, Map<string, Map<string, number>>>();
  for (const setup of [gateway, prismaInternals]) {
    const byRoute = new Map<string, Map<string, number>>();
    for (const route of ROUTES) {
      byRoute.set(route.name, await spanNames(setup, route));
    }
    spans.set(setup.name, byRoute);
  }

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

  const cpu = new Map<string, Map<string, number[]>>(
    startupSetups.map((s) => [
      s.name,
      new Map(ROUTES.map((route) => [route.name, []])),
    ]),
  );
  for (let round = 0; round < CPU_ROUNDS; round++) {
    for (const setup of rotate(startupSetups, round)) {
      await resetDatabase();
      const instance = await startInstance(setup);
      try {
        for (const route of ROUTES) {
          await waitForQuiet();
          const result = await measureRoute(instance, route);
          cpu.get(setup.name)!.get(route.name)!.push(result.cpuMicrosPerRequest);
          console.log(
            `${setup.name} ${route.name}: ${fixed(result.cpuMicrosPerRequest)} µs CPU/request`,
          );
        }
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
      renderLoading(measured, LOAD_SETUPS),
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
