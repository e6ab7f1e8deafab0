/**
 * `npm run traces`: prints the latest traces from the local sink as trees,
 * with each span's kind, duration and the process it came from.
 *
 *   npm run traces                 the 5 latest traces
 *   npm run traces -- --limit 20   the 20 latest
 *   npm run traces -- --trace ID   one trace
 *
 * Reads TELEMETRY_LOCAL_DIR (default .telemetry/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_SINK_FILES } from '../names';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status?: { code?: number; message?: string };
}

export interface SpanNode {
  span: OtlpSpan;
  process: string;
  startNanos: bigint;
  durationNanos: bigint;
  children: SpanNode[];
}

const KIND = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_ERROR = 2;

function attribute(
  attributes: { key: string; value: OtlpValue }[] | undefined,
  key: string,
): string | undefined {
  const value = attributes?.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  return value.stringValue ?? (value.intValue !== undefined ? String(value.intValue) : undefined);
}

/** Reads every span from the sink's current and rotated trace files. */
export function readSpans(dir: string): SpanNode[] {
  const base = join(dir, LOCAL_SINK_FILES.traces);
  const nodes: SpanNode[] = [];
  for (const file of [`${base}.1`, base]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let request: { resourceSpans?: any[] };
      try {
        request = JSON.parse(line);
      } catch {
        continue; // a line cut short by a crash or a rotation race
      }
      for (const resourceSpans of request.resourceSpans ?? []) {
        const attrs = resourceSpans.resource?.attributes;
        const service = attribute(attrs, 'service.name') ?? 'unknown';
        const command = attribute(attrs, 'process.command') ?? '?';
        const pid = attribute(attrs, 'process.pid') ?? '?';
        const process = `${service} ${command}#${pid}`;
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of (scopeSpans.spans ?? []) as OtlpSpan[]) {
            const startNanos = BigInt(span.startTimeUnixNano);
            nodes.push({
              span,
              process,
              startNanos,
              durationNanos: BigInt(span.endTimeUnixNano) - startNanos,
              children: [],
            });
          }
        }
      }
    }
  }
  return nodes;
}

export interface TraceTree {
  traceId: string;
  roots: SpanNode[];
  spanCount: number;
  processes: Set<string>;
  startNanos: bigint;
}

/** Groups spans into traces and links each span under its parent. */
export function buildTraces(nodes: SpanNode[]): TraceTree[] {
  const byTrace = new Map<string, SpanNode[]>();
  for (const node of nodes) {
    const list = byTrace.get(node.span.traceId) ?? [];
    list.push(node);
    byTrace.set(node.span.traceId, list);
  }

  const traces: TraceTree[] = [];
  for (const [traceId, spans] of byTrace) {
    const bySpanId = new Map(spans.map((node) => [node.span.spanId, node]));
    const roots: SpanNode[] = [];
    for (const node of spans) {
      const parent = node.span.parentSpanId
        ? bySpanId.get(node.span.parentSpanId)
        : undefined;
      if (parent) parent.children.push(node);
      else roots.push(node);
    }
    const byStart = (a: SpanNode, b: SpanNode) =>
      Number(a.startNanos - b.startNanos);
    for (const node of spans) node.children.sort(byStart);
    roots.sort(byStart);
    traces.push({
      traceId,
      roots,
      spanCount: spans.length,
      processes: new Set(spans.map((node) => node.process)),
      startNanos: roots[0]?.startNanos ?? 0n,
    });
  }
  return traces.sort((a, b) => (a.startNanos < b.startNanos ? -1 : 1));
}

function formatMillis(nanos: bigint): string {
  return `${(Number(nanos) / 1e6).toFixed(1)} ms`;
}

function formatNode(node: SpanNode, depth: number, lines: string[]): void {
  const kind = KIND[node.span.kind] ?? String(node.span.kind);
  const error = node.span.status?.code === STATUS_ERROR ? '  ERROR' : '';
  const orphan =
    depth === 0 && node.span.parentSpanId ? '  (parent not recorded)' : '';
  lines.push(
    `${'  '.repeat(depth + 1)}${node.span.name}  [${kind}] ${formatMillis(node.durationNanos)}  ${node.process}${error}${orphan}`,
  );
  for (const child of node.children) formatNode(child, depth + 1, lines);
}

export function formatTrace(tree: TraceTree): string {
  const first = tree.roots[0];
  const lines = [
    `trace ${tree.traceId}  ${tree.spanCount} spans, ${tree.processes.size} process(es), root ${first ? formatMillis(first.durationNanos) : '?'}`,
  ];
  for (const root of tree.roots) formatNode(root, 0, lines);
  return lines.join('\n');
}

const USAGE = `usage: npm run traces -- [--limit N] [--trace TRACE_ID] [--dir DIR]

Prints the latest traces of the local sink as trees.
  --limit N         how many traces, newest last (default 5)
  --trace TRACE_ID  only this trace
  --dir DIR         the sink directory (default TELEMETRY_LOCAL_DIR or .telemetry)`;

function readOptions() {
  try {
    return parseArgs({
      options: {
        limit: { type: 'string', default: '5' },
        trace: { type: 'string' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}

function main(): void {
  const values = readOptions();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    console.error(`error: --limit must be a positive integer (got "${values.limit}")`);
    process.exit(2);
  }
  const dir = resolve(values.dir ?? process.env.TELEMETRY_LOCAL_DIR ?? '.telemetry');
  const traces = buildTraces(readSpans(dir));
  if (traces.length === 0) {
    console.log(`no traces in ${dir}; start the app with --require ./otel/register and send it a request`);
    return;
  }
  const selected = values.trace
    ? traces.filter((t) => t.traceId === values.trace)
    : traces.slice(-limit);
  if (selected.length === 0) {
    console.error(`error: trace ${values.trace} not found in ${dir}`);
    process.exit(1);
  }
  console.log(selected.map(formatTrace).join('\n\n'));
}

if (require.main === module) main();
