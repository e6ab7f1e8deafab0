/**
 * Redaction for the Sentry SDK's `beforeSend` and `beforeBreadcrumb` hooks.
 * Typed structurally so the gateway's core never imports the Sentry SDK.
 *
 * The whole event is walked (message, exception values and stack frames,
 * request, extra, contexts, tags, user, breadcrumbs), except SDK metadata
 * whose keys are package names such as `cookie-parser`.
 */
import type { Redactor } from './redactor';

const SKIPPED_EVENT_KEYS = new Set(['sdk', 'modules', 'debug_meta', 'sdkProcessingMetadata']);

/**
 * Deep enough for exception frames (event, exception, values, frame list,
 * frame, vars) plus the app's own nesting, which Sentry has already cut to
 * its `normalizeDepth` (3 by default in `@sentry/core` 11) before
 * `beforeSend` runs.
 */
const EVENT_MAX_DEPTH = 12;

type QueryPairs = [string, string][];

function isQueryPairs(value: unknown): value is QueryPairs {
  return (
    Array.isArray(value) &&
    value.every((pair) => Array.isArray(pair) && pair.length === 2)
  );
}

/** Sentry may send a query string as `[name, value]` pairs. */
function redactQueryPairs(pairs: QueryPairs, redactor: Redactor): QueryPairs {
  return pairs.map(([name, value]) => [
    name,
    String(redactor.redactValue(name, value)),
  ]);
}

export function redactSentryEvent<T extends object>(event: T, redactor: Redactor): T {
  const result: Record<string, unknown> = { ...(event as Record<string, unknown>) };
  for (const [key, value] of Object.entries(event)) {
    if (SKIPPED_EVENT_KEYS.has(key)) continue;
    result[key] = redactor.redactObject(value, EVENT_MAX_DEPTH);
  }
  const request = result.request as Record<string, unknown> | undefined;
  const original = (event as { request?: { query_string?: unknown } }).request;
  if (request && isQueryPairs(original?.query_string)) {
    result.request = {
      ...request,
      query_string: redactQueryPairs(original.query_string, redactor),
    };
  }
  return result as T;
}

export function redactSentryBreadcrumb<T extends object>(
  breadcrumb: T,
  redactor: Redactor,
): T {
  return redactor.redactObject(breadcrumb, EVENT_MAX_DEPTH);
}
