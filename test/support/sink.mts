/**
 * Reads the spans a service wrote to its local sink (`TELEMETRY_LOCAL_DIR`),
 * decoded like those sent to the Sentry stand-in.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTraceRequestJson, type DecodedSpan } from './otlp-proto.mts';

export const SPAN_KIND = {
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

export const STATUS_ERROR = 2;

export function readSinkSpans(dir: string): DecodedSpan[] {
  const file = join(dir, 'traces.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => decodeTraceRequestJson(line));
}

/** True when `ancestor` is a parent, grandparent, ... of `span` in `spans`. */
export function descendsFrom(
  spans: DecodedSpan[],
  span: DecodedSpan,
  ancestor: DecodedSpan,
): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  let current = byId.get(span.parentSpanId);
  while (current) {
    if (current === ancestor) return true;
    current = byId.get(current.parentSpanId);
  }
  return false;
}
