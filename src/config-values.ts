/**
 * Parsers for the service's duration and rate-limit settings. Each returns
 * undefined for a value it cannot read, so the caller can warn and fall back.
 */

/** A BullMQ worker limiter: at most `max` jobs per `duration` ms. */
export interface RateLimit {
  max: number;
  duration: number;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses `250ms`, `1s`, `30m`, `2h` or a bare number of ms into ms. */
export function parseDuration(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(raw.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'ms').toLowerCase();
  const ms = Math.round(Number(match[1]) * UNIT_MS[unit]);
  return ms > 0 ? ms : undefined;
}

/**
 * Parses `<max>/<duration>`, for example `100/1s` or `5/500ms`. `off` means
 * no limit and returns null.
 */
export function parseRateLimit(raw: string): RateLimit | null | undefined {
  const value = raw.trim().toLowerCase();
  if (value === 'off' || value === 'none') return null;
  const slash = value.indexOf('/');
  if (slash === -1) return undefined;
  const max = Number(value.slice(0, slash));
  const duration = parseDuration(value.slice(slash + 1));
  if (!Number.isInteger(max) || max < 1 || duration === undefined) {
    return undefined;
  }
  return { max, duration };
}

export function formatRateLimit(limit: RateLimit | null): string {
  return limit ? `${limit.max}/${limit.duration}ms` : 'off';
}
