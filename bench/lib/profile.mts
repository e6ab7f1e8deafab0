/**
 * Reads a V8 CPU profile (`.cpuprofile` JSON) and splits its samples into
 * the groups the "where the time goes" section reports.
 */
import { ROOT } from '../../scripts/lib/processes.mts';

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Package of a file: the path after the last node_modules/, or a repo area. */
export function packageOf(file: string): string {
  const path = file.replace(/^file:\/\//, '');
  const marker = '/node_modules/';
  const at = path.lastIndexOf(marker);
  if (at !== -1) {
    const [first, second] = path.slice(at + marker.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (path.startsWith(`${ROOT}/otel/`)) return 'otel/ (gateway)';
  if (path.startsWith(`${ROOT}/dist/`)) return 'dist/ (service)';
  if (path.startsWith(`${ROOT}/src/generated/`))
    return 'Prisma generated client';
  if (path.startsWith('node:')) return path;
  return path || '(native)';
}

export const TELEMETRY_GROUP =
  'telemetry libraries (OTel, Sentry, instrumentations)';

const TELEMETRY_PACKAGES = [
  /^@opentelemetry\//,
  /^@sentry\//,
  /^@prisma\/instrumentation$/,
  /^bullmq-otel$/,
  /^require-in-the-middle$/,
  /^import-in-the-middle$/,
  /^shimmer$/,
  /^protobufjs$/,
  /^@protobufjs\//,
];

/** The group a profile node's self time counts under. */
export function groupOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(idle)') return '(idle)';
    return 'V8 and native code';
  }
  const pkg = packageOf(url);
  if (pkg === 'otel/ (gateway)') return 'gateway code (otel/)';
  if (TELEMETRY_PACKAGES.some((pattern) => pattern.test(pkg))) {
    return TELEMETRY_GROUP;
  }
  if (/async_hooks|async_local_storage|async_context/.test(url)) {
    return 'Node async context (AsyncLocalStorage)';
  }
  if (url.startsWith('node:')) return 'Node core (other)';
  return 'service, NestJS, Prisma, pg, ioredis, BullMQ';
}

export interface ProfileSplit {
  /** Busy (non-idle) microseconds per group. */
  microsByGroup: Map<string, number>;
  /** Busy microseconds per package, telemetry packages only. */
  microsByTelemetryPackage: Map<string, number>;
  busyMicros: number;
}

export function splitProfile(profile: CpuProfile): ProfileSplit {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const microsByGroup = new Map<string, number>();
  const microsByTelemetryPackage = new Map<string, number>();
  let busyMicros = 0;
  // timeDeltas[i] is the time before sample i; charge it to that sample.
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    const group = groupOf(node);
    if (group === '(idle)') return;
    busyMicros += micros;
    microsByGroup.set(group, (microsByGroup.get(group) ?? 0) + micros);
    if (group === TELEMETRY_GROUP || group === 'gateway code (otel/)') {
      const pkg = packageOf(node.callFrame.url);
      microsByTelemetryPackage.set(
        pkg,
        (microsByTelemetryPackage.get(pkg) ?? 0) + micros,
      );
    }
  });
  return { microsByGroup, microsByTelemetryPackage, busyMicros };
}
