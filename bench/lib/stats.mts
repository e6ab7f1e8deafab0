/** Small statistics helpers for the benchmarks: medians, spread, ratios. */

/** Returns the q-quantile (0..1) of `values`, linearly interpolated. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const weight = position - lower;
  return sorted[lower] * (1 - weight) + sorted[upper] * weight;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median and range over repeated runs. */
export function summarize(values: readonly number[]): Summary {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    runs: values.length,
  };
}

/** Formats a number with a fixed count of decimals, or `n/a`. */
export function fixed(value: number, decimals = 0): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : 'n/a';
}

/** `median (min-max)`, the form every table in BENCHMARKS.md uses. */
export function formatSummary(summary: Summary, decimals = 0): string {
  const [mid, low, high] = [summary.median, summary.min, summary.max].map(
    (value) => fixed(value, decimals),
  );
  return `${mid} (${low}–${high})`;
}

/** `x1.23` of `value` against `baseline`. */
export function formatRatio(value: number, baseline: number): string {
  return `x${fixed(value / baseline, 2)}`;
}

/** Signed difference, such as `+12.3`. */
export function formatDelta(
  value: number,
  baseline: number,
  decimals = 0,
): string {
  const delta = value - baseline;
  return `${delta >= 0 ? '+' : ''}${fixed(delta, decimals)}`;
}

/** Rotates `items` left by `by`, so each round starts with another item. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
